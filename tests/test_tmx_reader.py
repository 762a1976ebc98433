"""`tmx._Reader.start`: what opens at each (element, parent), and the one-line errors on the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from trilingo.tm import tmx


def read(
    tmp_path: Path, units: str, root: str = '<tmx version="1.4">', header: str = '<header srclang="vi"/>'
) -> tmx.TMXData:
    path = tmp_path / "t.tmx"
    path.write_text(f"{root}\n{header}\n<body>\n{units}\n</body>\n</tmx>\n", encoding="utf-8")
    return tmx.read_tmx(path)


def test_openers_table_covers_the_structure() -> None:
    assert set(tmx._OPENERS) == {("header", "tmx"), ("tu", "body"), ("tuv", "tu"), ("seg", "tuv")}


def test_inline_codes_are_left_out(tmp_path: Path) -> None:
    data = read(
        tmp_path,
        '<tu><tuv xml:lang="vi"><seg>Mở <bpt i="1">{b}</bpt>cửa<ept i="1">{/b}</ept></seg></tuv>'
        '<tuv lang="lo"><seg>ເປີດ</seg></tuv></tu>',
    )
    assert [(p.source, p.lang, p.target) for p in data.pairs] == [("Mở cửa", "lo", "ເປີດ")]


def test_elements_out_of_place_are_ignored(tmp_path: Path) -> None:
    data = read(
        tmp_path, '<tu><prop><tuv><seg>x</seg></tuv></prop><tuv xml:lang="vi"><seg>a</seg></tuv></tu>'
    )
    assert (data.pairs, data.skipped) == ([], 1)


@pytest.mark.parametrize(
    ("root", "header", "units", "message"),
    [
        ("<martif>", "", "", "line 1: <martif> is not a TMX document (expected <tmx>)"),
        ("<tmx>", "", "", "line 1: TMX version (none) is not supported (expected 1.4)"),
        ('<tmx version="1.4">', "<header/>", "", "line 2: <header> srclang is (none), expected vi"),
        (
            '<tmx version="1.4">',
            '<header srclang="*all*"/>',
            "<tu>\n<tuv><seg>x</seg></tuv></tu>",
            "line 5: <tuv> has no xml:lang",
        ),
    ],
)
def test_refused(tmp_path: Path, root: str, header: str, units: str, message: str) -> None:
    with pytest.raises(tmx.TMXError) as caught:
        read(tmp_path, units, root, header)
    assert caught.value.message == f"{tmp_path / 't.tmx'}: {message}"
