"""The channels' named steps, as plain functions: what a leaflet waits for, which version a screen shows
and what its item says, what a web page's key follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trilingo.channels import leaflets, screens, web
from trilingo.channels.pages import Page
from trilingo.languages import ALL, SOURCE
from trilingo.site import example

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _page(lang: str, doc_id: int = 1, source_hash: str | None = "h-vi", **changes: object) -> Page:
    page = Page(
        doc_id=doc_id,
        slug=f"tb-{doc_id}",
        lang=lang,
        release_id=ALL.index(lang) + 10 * doc_id,
        version_id=1,
        version_created=T0,
        title=f"title {lang}",
        content_hash=f"h-{lang}",
        approved_at=T0,
        category=None,
        gates_json="[]",
        first_published=T0,
        source_hash=None if lang == SOURCE else source_hash,
    )
    return page._replace(**changes)  # type: ignore[arg-type]  # test pages differ in one field or two


def test_a_leaflet_waits_for_missing_then_out_of_date_languages() -> None:
    original = _page(SOURCE)
    others = [lang for lang in ALL if lang != SOURCE]
    complete = {lang: _page(lang) for lang in ALL}
    assert leaflets._waits_for(complete, original, example()) == []
    stale = {**complete, others[1]: _page(others[1], source_hash="older")}
    del stale[others[0]]
    assert leaflets._waits_for(stale, original, example()) == [
        f"{others[0]} not approved yet",
        f"{others[1]} out of date",
    ]


def test_leaflets_are_listed_by_their_vietnamese_slug_and_only_of_the_documents_asked() -> None:
    by_doc = {
        2: {lang: _page(lang, 2, slug="a") for lang in ALL},
        1: {lang: _page(lang, 1, slug="b") for lang in ALL},
        3: {lang: _page(lang, 3) for lang in ALL if lang != SOURCE},  # no original: no leaflet, no wait
        4: {SOURCE: _page(SOURCE, 4, slug="c")},
    }
    ready, waiting = leaflets._leaflets(by_doc, None, example())
    assert [pages[0].doc_id for pages, _key in ready] == [2, 1]
    assert [[p.lang for p in pages] for pages, _key in ready] == [list(ALL), list(ALL)]
    assert waiting == ["c: " + ", ".join(f"{lang} not approved yet" for lang in ALL if lang != SOURCE)]
    ready, waiting = leaflets._leaflets(by_doc, {1}, example())
    assert [pages[0].doc_id for pages, _key in ready] == [1] and waiting == []


def _numbered(expires: datetime | None = None) -> dict[int, dict[str, object]]:
    """Version 1 approved in every language, version 2 in Vietnamese only."""
    full: dict[str, object] = {lang: (100 + i, f"t-{lang}", None, T0) for i, lang in enumerate(ALL)}
    return {
        1: {**full, "_meta": ("gio", ["tay-trang"], expires)},
        2: {SOURCE: (200, "t", "s", T0), "_meta": ("gio", ["tay-trang"], expires)},
    }


def test_a_screen_shows_the_newest_version_complete_unless_retracted_or_expired() -> None:
    now = T0 + timedelta(days=1)
    assert screens._shown_version(7, _numbered(), set(), now) == 1
    assert screens._shown_version(7, {2: _numbered()[2]}, set(), now) is None
    assert screens._shown_version(7, _numbered(), {(7, ALL[-1], 100 + len(ALL) - 1)}, now) is None
    assert screens._shown_version(7, _numbered(expires=now), set(), now) is None
    assert screens._shown_version(7, _numbered(expires=now + timedelta(seconds=1)), set(), now) == 1


def test_a_screen_item_has_every_language_and_its_expiry() -> None:
    long_lead = "Hành khách xuất trình hộ chiếu tại quầy. " * 10  # a release's stored lead, too long
    item = screens._item(7, 1, _numbered()[1], example(), {100: long_lead})
    assert (item["id"], item["document"], item["version"], item["expires"]) == ("gio", 7, 1, None)
    assert item["duration"] == example().screen_seconds and item["approved"] == T0.isoformat()
    assert item[SOURCE] == {"title": f"t-{SOURCE}", "text": screens.shorten(long_lead)}
    assert item[SOURCE]["text"].endswith("…") and len(item[SOURCE]["text"]) <= screens.EXCERPT_COLUMNS
    assert all(item[lang] == {"title": f"t-{lang}", "text": ""} for lang in ALL if lang != SOURCE)


def test_a_web_page_key_follows_its_original_and_its_languages() -> None:
    original, page = _page(SOURCE), _page(ALL[-1])
    state = web._freshness([original, page], {1: {SOURCE: original, page.lang: page}}, example())
    key = web._article_key("b", page, {SOURCE: original, page.lang: page}, state[(1, page.lang)], T0)
    assert key != web._article_key("b", page, {page.lang: page}, state[(1, page.lang)], T0)
    later = original._replace(approved_at=T0 + timedelta(days=1))
    assert key != web._article_key("b", page, {SOURCE: later, page.lang: page}, state[(1, page.lang)], T0)
    assert web._by_language([original, page]) == {SOURCE: [original], page.lang: [page]}
