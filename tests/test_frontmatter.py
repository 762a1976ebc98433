from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trilingo.errors import InputError
from trilingo.text.clean import clean_line, clean_text
from trilingo.text.frontmatter import MAX_BYTES, parse_notice, read_notice, slugify


def test_parse_reads_fields_and_cleans_text() -> None:
    text = '---\ntitle: " Giờ  làm việc\u200b "\ncategory: thông báo\ngates: [tay-trang]\n---\nCửa\u00a0khẩu  mở.\n'
    notice = parse_notice(text)
    assert notice.title == "Giờ làm việc"
    assert notice.body == "Cửa khẩu mở."
    assert notice.slug == "gio-lam-viec"
    assert notice.category == "thông báo"
    assert notice.gates == ["tay-trang"]


def test_nfd_input_is_stored_nfc() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Hoà bình")
    notice = parse_notice(f"---\ntitle: {nfd}\n---\n{nfd}\n")
    assert notice.title == unicodedata.normalize("NFC", nfd)
    assert unicodedata.is_normalized("NFC", notice.body)


def test_lao_and_chinese_are_not_nfkc_folded() -> None:
    lao, zh = "ດ່ານສາກົນ ຫຼວງພະບາງ ໜອງ ນ້ຳ", "口岸：开放（每天）"
    assert clean_line(lao) == lao
    assert clean_line(zh) == zh


def test_slugify_vietnamese() -> None:
    assert slugify("Đồn Biên phòng Tây Trang") == "don-bien-phong-tay-trang"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter\n", "front matter missing: the file must start with a '---' line"),
        ("---\ntitle: x\n", "front matter not closed: no second '---' line"),
        ("---\ntitle: [x\n---\nbody\n", "front matter is not valid YAML at line 2"),
        ("---\n- a\n- b\n---\nbody\n", "front matter must be a mapping of keys to values"),
        ("---\ncategory: x\n---\nbody\n", "front matter: 'title' is required and must be text"),
        ("---\ntitle: '  '\n---\nbody\n", "front matter: 'title' is required and must be text"),
        ("---\ntitle: x\nslug: ../etc\n---\nb\n", "invalid slug '../etc': no '/', '\\' or '..' allowed"),
        ("---\ntitle: x\nslug: a/b\n---\nb\n", "invalid slug 'a/b': no '/', '\\' or '..' allowed"),
        (
            "---\ntitle: x\nslug: Hoa Binh\n---\nb\n",
            "invalid slug 'Hoa Binh': use lowercase a-z, 0-9 and '-', with a letter (at most 100)",
        ),
        (
            "---\ntitle: x\nslug: '42'\n---\nb\n",
            "invalid slug '42': use lowercase a-z, 0-9 and '-', with a letter (at most 100)",
        ),
        (
            "---\ntitle: x\nslug: " + "1" * 5000 + "\n---\nb\n",
            "front matter is not valid YAML (a value is too large or too deeply nested)",
        ),
        (
            "---\ntitle: x\ngates: " + "[" * 5000 + "\n---\nb\n",
            "front matter is not valid YAML (a value is too large or too deeply nested)",
        ),
        (
            '---\ntitle: "\\ud800 x"\n---\nb\n',
            "front matter: 'title': column 1: lone surrogate U+D800 is not allowed",
        ),
        (
            "---\ntitle: x\n---\nbell \x07 here\n",
            "line 4, column 6: control character U+0007 is not allowed",
        ),
        (
            "---\ntitle: x\nchannels: [web, ../x]\n---\nb\n",
            "front matter: 'channels': '../x' is not a channel's name (lower-case words: web, print …)",
        ),
        ("---\ntitle: x\ngates: 3\n---\nb\n", "front matter: 'gates' must be a list of names"),
        ("---\ntitle: x\nauthor: y\n---\nb\n", "front matter: unknown key 'author'"),
    ],
)
def test_broken_front_matter(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_notice(text)
    assert info.value.message == message


def test_read_notice_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"---\ntitle: x\n---\n\xff\xfe")
    with pytest.raises(InputError, match=r"bad.md: line 4: invalid UTF-8 \(byte 0xff\)"):
        read_notice(bad)
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n")
    with pytest.raises(InputError, match=r"empty.md: file is empty"):
        read_notice(empty)
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"---\ntitle: x\n---\n" + b"a" * MAX_BYTES)
    with pytest.raises(InputError, match=r"huge.md: file too large"):
        read_notice(huge)
    with pytest.raises(InputError, match=r"missing.md: no such file"):
        read_notice(tmp_path / "missing.md")


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200))
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert "\u200b" not in once and "\u00a0" not in once and "  " not in once
