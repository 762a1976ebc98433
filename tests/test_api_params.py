"""The converters `api.params._convert` picks by the declared type, each with the one-line error it gives."""

from __future__ import annotations

import base64
from pathlib import PurePath

import pytest

from trilingo.api import params
from trilingo.errors import InputError
from trilingo.text.files import Upload


def refused(fn: object, *args: object) -> str:
    with pytest.raises(InputError) as caught:
        fn(*args)  # type: ignore[operator]  # each converter takes (name, value)
    return caught.value.message


def test_every_declared_type_has_its_converter() -> None:
    assert set(params._CONVERTERS) == {str, bool, int, Upload}


def test_single_value() -> None:
    assert params._single("p", ["a"]) == "a"
    assert params._single("p", "a") == "a"
    assert refused(params._single, "p", ["a", "b"]) == "p takes one value"
    assert refused(params._single, "p", []) == "p takes one value"


def test_text() -> None:
    assert params._text("p", "") == ""
    assert refused(params._text, "p", 3) == "p must be text"


@pytest.mark.parametrize(
    ("value", "want"), [(True, True), ("YES", True), ("1", True), (0, False), ("No", False)]
)
def test_flag(value: object, want: bool) -> None:
    assert params._flag("p", value) is want


def test_flag_refused() -> None:
    assert refused(params._flag, "p", "maybe") == "p must be true or false"


def test_whole_number() -> None:
    assert params._whole_number("p", " -3") == -3
    assert refused(params._whole_number, "p", True) == "p must be a whole number"
    assert refused(params._whole_number, "p", "1.5") == "p must be a whole number, got '1.5'"
    assert refused(params._whole_number, "p", "x" * 50) == f"p must be a whole number, got {'x' * 40!r}"


def test_upload() -> None:
    data = base64.b64encode(b"msgid").decode()
    got = params._upload("f", {"name": "C:/clients/x/a.po", "data": data})
    assert (got.path, got.data) == (PurePath("a.po"), b"msgid")
    assert (
        refused(params._upload, "f", {"name": 3}) == "f must be a file: {name, data} with the data in base64"
    )
    assert (
        refused(params._upload, "f", {"name": "a"})
        == "f: the file is missing or larger than 52,428,800 bytes"
    )
    assert refused(params._upload, "f", {"name": "a", "data": "!!"}) == "f: the file's data is not base64"


def test_convert_lists_and_optional() -> None:
    assert params._convert("p", list[str] | None, "a") == ["a"]
    assert params._convert("p", int | None, None) is None
    assert params._convert("p", int, ["4"]) == 4
    assert params._convert("p", dict[str, str] | None, {"a": "b"}) == {"a": "b"}
    assert refused(params._convert, "p", int, None) == "p must be given"
