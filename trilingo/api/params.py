"""An operation's parameters from a request: path, query or JSON body, turned into the types its function
declares (str, int, bool, list[str], Upload, or None). Anything else is one `Error:` for the client."""

from __future__ import annotations

import base64
import binascii
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.text.files import Upload

MAX_UPLOAD = 50 * 1024 * 1024  # the largest file an importer takes (a PO file); each checks its own limit

_HINTS: dict[Callable[..., Any], tuple[dict[str, Any], inspect.Signature]] = {}


def _hints(fn: Callable[..., Any]) -> tuple[dict[str, Any], inspect.Signature]:
    if fn not in _HINTS:
        _HINTS[fn] = typing.get_type_hints(fn), inspect.signature(fn)
    return _HINTS[fn]


def _parts(kind: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed)."""
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return (args[0] if len(args) == 1 else kind), len(args) < len(typing.get_args(kind))
    return kind, False


def _convert(name: str, kind: Any, value: Any) -> Any:
    """`value` as the type `kind` declares (see _CONVERTERS); a type with no converter takes it as it is."""
    base, optional = _parts(kind)
    if value is None:
        if optional:
            return None
        raise InputError(N_("{name} must be given").format(name=name))
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base) or (str,)
        items = value if isinstance(value, list) else [value]
        return [_convert(name, item, v) for v in items]
    value = _single(name, value)
    convert = _CONVERTERS.get(base)
    return value if convert is None else convert(name, value)


def _single(name: str, value: Any) -> Any:
    """A query string gives every parameter as a list: one value is that value, more is an error."""
    if isinstance(value, list):
        if len(value) != 1:
            raise InputError(N_("{name} takes one value").format(name=name))
        return value[0]
    return value


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(N_("{name} must be text").format(name=name))
    return value


TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


def _flag(name: str, value: Any) -> bool:
    """A JSON boolean, or one of TRUE_WORDS and FALSE_WORDS in any case (a query string's)."""
    if isinstance(value, bool):
        return value
    if str(value).lower() in TRUE_WORDS:
        return True
    if str(value).lower() in FALSE_WORDS:
        return False
    raise InputError(N_("{name} must be true or false").format(name=name))


def _whole_number(name: str, value: Any) -> int:
    """An int, or text that is one; JSON's true and false are not numbers here, though Python's are."""
    if isinstance(value, bool):
        raise InputError(N_("{name} must be a whole number").format(name=name))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError(
            N_("{name} must be a whole number, got {value!r}").format(name=name, value=str(value)[:40])
        ) from None


def _upload(name: str, value: Any) -> Upload:
    """`{name, data}` with the data in base64, at most MAX_UPLOAD bytes once decoded."""
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise InputError(
            N_("{name} must be a file: {{name, data}} with the data in base64").format(name=name)
        )
    data = value.get("data")
    if not isinstance(data, str) or len(data) > (MAX_UPLOAD * 4) // 3 + 8:
        raise InputError(
            N_("{name}: the file is missing or larger than {size:,} bytes").format(name=name, size=MAX_UPLOAD)
        )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(N_("{name}: the file's data is not base64").format(name=name)) from None
    shown = PurePath(value["name"]).name or "file"  # the client's own folders mean nothing here
    return Upload(PurePath(shown), raw)


# What each parameter type an operation may declare is made from: the request's text, number or object.
_CONVERTERS: dict[Any, Callable[[str, Any], Any]] = {
    str: _text,
    bool: _flag,
    int: _whole_number,
    Upload: _upload,
}


def arguments(fn: Callable[..., Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `fn(ctx, **…)` from what the request gave."""
    hints, signature = _hints(fn)
    wanted = [p for p in signature.parameters.values() if p.name != "ctx"]
    known = {p.name for p in wanted}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(
            N_("unknown parameter {name!r} (this operation takes: {known})").format(
                name=unknown[0], known=", ".join(sorted(known))
            )
        )
    out: dict[str, Any] = {}
    for p in wanted:
        if p.name in given:
            out[p.name] = _convert(p.name, hints.get(p.name, Any), given[p.name])
        elif p.default is inspect.Parameter.empty:
            raise InputError(N_("{name} must be given").format(name=p.name))
    return out
