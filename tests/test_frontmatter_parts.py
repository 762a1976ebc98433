"""The checks `parse_notice` is built from, each with the one-line error it gives."""

from __future__ import annotations

import pytest

from trilingo.errors import InputError
from trilingo.text import frontmatter as fm
from trilingo.text.limits import Limits


@pytest.mark.parametrize("key", sorted(fm.NOT_TEXT))
def test_optional_text_refuses_other_values(key: str) -> None:
    assert fm._optional_text({}, key) is None
    assert fm._optional_text({key: "x"}, key) == "x"
    with pytest.raises(fm.FrontMatterError) as caught:
        fm._optional_text({key: 3}, key)
    assert caught.value.message == fm.NOT_TEXT[key]


@pytest.mark.parametrize("meta", [{}, {"title": 3}, {"title": "  "}])
def test_title_is_required_text(meta: dict) -> None:
    with pytest.raises(fm.FrontMatterError, match=r"^front matter: 'title' is required and must be text$"):
        fm._title(meta)


def test_unknown_key_named_first_in_order() -> None:
    with pytest.raises(fm.FrontMatterError, match=r"^front matter: unknown key 'b'$"):
        fm._refuse_unknown_keys({"title": "t", "c": 1, "b": 2})


def test_slug_given_or_made_from_the_title() -> None:
    assert fm._slug({}, "Cửa khẩu Tây Trang") == "cua-khau-tay-trang"
    assert fm._slug({"slug": "given"}, "Cửa khẩu") == "given"


def test_a_notice_says_whether_its_slug_was_made_from_its_title() -> None:
    assert fm.parse_notice("---\ntitle: Cửa khẩu\n---\nCâu.\n").derived_slug is True
    assert fm.parse_notice("---\ntitle: Cửa khẩu\nslug: cua-khau\n---\nCâu.\n").derived_slug is False


@pytest.mark.parametrize(
    ("slug", "title"),
    [
        ("index", "Index"),
        ("404", "404"),
        ("feed", "Feed"),
        ("sitemap", "Sitemap"),
        ("category-x", "Category X"),
    ],
)
def test_a_slug_cannot_take_the_name_of_a_generated_page(slug: str, title: str) -> None:
    """Given (`slug:`) or made from the title alike; 404 too, although it has no letter."""
    want = rf"^the slug '{slug}' is the name of a page Trilingo makes"
    with pytest.raises(InputError, match=want):
        fm.parse_notice(f'---\ntitle: Tin\nslug: "{slug}"\n---\nCâu.\n')
    with pytest.raises(InputError, match=want):
        fm.parse_notice(f"---\ntitle: '{title}'\n---\nCâu.\n")


def test_body_line_of_marks_alone_numbered_as_in_the_file() -> None:
    with pytest.raises(InputError, match=r"^line 7: only combining marks"):
        fm._clean_body("text\n\u0301", 6)


def test_screen_cleaned_empty_is_none() -> None:
    assert fm._screen(None) is None
    assert fm._screen("  ") is None
    assert fm._screen(" Tóm tắt ") == "Tóm tắt"


def test_title_and_segment_limits() -> None:
    limits = Limits.from_values({"title_chars": 3, "segments": 1})
    with pytest.raises(InputError, match=r"^the title is 4 characters; the limit is 3 "):
        fm._clean_title("abcd", limits)
    with pytest.raises(InputError, match=r"^\d+ segments; the limit is 1 per notice "):
        fm._pieces("T", "Một câu.\n\nHai câu.", None, limits)


def test_channel_names_checked() -> None:
    fm._check_channel_names(["web", "print-a4"])
    with pytest.raises(
        fm.FrontMatterError, match=r"^front matter: 'channels': 'Web' is not a channel's name"
    ):
        fm._check_channel_names(["web", "Web"])
