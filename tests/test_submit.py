from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from trilingo.intake.store import submit
from trilingo.store.models import (
    DocLang,
    DocState,
    DocumentVersion,
    Release,
    Segment,
    SegmentState,
    Translation,
)
from trilingo.store.sessions import TrilingoSession
from trilingo.text.frontmatter import Notice, parse_notice


def notice(body: str, title: str = "Thông báo", slug: str = "tb") -> Notice:
    return parse_notice(f"---\ntitle: {title}\nslug: {slug}\n---\n{body}\n")


def translations(session: Session, version_id: int | None, lang: str) -> dict[str, Translation]:
    rows = session.exec(
        select(Segment, Translation)
        .join(Translation, col(Translation.segment_id) == col(Segment.id))
        .where(Segment.version_id == version_id, Translation.lang == lang)
    ).all()
    return {seg.source: tr for seg, tr in rows}


def test_submit_stores_version_segments_and_releases_vietnamese(session: Session) -> None:
    result = submit(session, notice("Câu một.\n\nCâu hai."), "editor")
    session.commit()
    assert (result.slug, result.version, result.created, result.segments) == ("tb", 1, True, 3)
    version = session.exec(select(DocumentVersion)).one()
    assert [s.source for s in session.exec(select(Segment).order_by(col(Segment.n))).all()] == [
        "Thông báo",
        "Câu một.",
        "Câu hai.",
    ]
    states = {dl.lang: dl.state for dl in session.exec(select(DocLang)).all()}
    assert states == {"vi": DocState.APPROVED, "lo": DocState.SUBMITTED, "zh": DocState.SUBMITTED}
    release = session.exec(select(Release)).one()
    assert (release.lang, release.version_id, release.body) == ("vi", version.id, "Câu một.\n\nCâu hai.")
    assert all(t.state == SegmentState.UNTRANSLATED for t in translations(session, version.id, "lo").values())


def test_same_content_makes_no_new_version(session: Session) -> None:
    submit(session, notice("Câu một."), "editor")
    again = submit(session, notice("Câu một."), "editor")
    assert (again.version, again.created) == (1, False)
    assert len(session.exec(select(DocumentVersion)).all()) == 1


def test_new_version_keeps_unchanged_translations_and_reopens_changed(session: Session) -> None:
    first = submit(session, notice("Câu một.\n\nCâu hai."), "editor")
    v1 = session.exec(select(DocumentVersion).where(DocumentVersion.number == 1)).one()
    for tr in translations(session, v1.id, "zh").values():
        tr.target, tr.state = "译文", SegmentState.APPROVED
    dl = session.exec(select(DocLang).where(DocLang.lang == "zh")).one()
    assert v1.id is not None
    live = Release(
        document_id=first.id,
        lang="zh",
        version_id=v1.id,
        title="通知",
        body="译文",
        content_hash="x",
        approved_by="reviewer",
    )
    session.add(live)
    session.flush()
    dl.state, dl.release_id = DocState.PUBLISHED, live.id
    session.flush()

    second = submit(session, notice("Câu một.\n\nCâu hai đã sửa."), "editor")
    assert (second.id, second.version, second.changed) == (first.id, 2, {"lo": 3, "zh": 1})
    v2 = session.exec(select(DocumentVersion).where(DocumentVersion.number == 2)).one()
    now = translations(session, v2.id, "zh")
    assert now["Câu một."].state == SegmentState.APPROVED and now["Câu một."].target == "译文"
    assert now["Câu hai đã sửa."].state == SegmentState.UNTRANSLATED and now["Câu hai đã sửa."].target is None
    # The old version's rows are untouched, and what is live stays live.
    assert all(t.target == "译文" for t in translations(session, v1.id, "zh").values())
    session.refresh(dl)
    assert (dl.state, dl.release_id, dl.version_id) == (DocState.SUBMITTED, live.id, v2.id)


SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=80,
)


@settings(max_examples=40, deadline=None)
@given(title=SAFE_TEXT, sentences=st.lists(SAFE_TEXT, min_size=1, max_size=5))
def test_text_survives_storage(title: str, sentences: list[str]) -> None:
    """What is stored (and re-joined from segments) equals the cleaned input, for any text."""
    from sqlmodel import create_engine

    from trilingo.databases import create_schema
    from trilingo.text.clean import clean_line
    from trilingo.text.frontmatter import Notice
    from trilingo.text.segment import join

    title = clean_line(title) or "t"
    body = "\n\n".join(p for p in (clean_line(s).lstrip("#>-*+0123456789.) ") for s in sentences) if p)
    db = create_engine("sqlite://")
    create_schema(db)
    with TrilingoSession(db) as session:
        submit(session, Notice(title=title, body=body, slug="x"), "ed")
        session.commit()
        version = session.exec(select(DocumentVersion)).one()
        segs = session.exec(
            select(Segment).where(Segment.version_id == version.id).order_by(col(Segment.n))
        ).all()
        assert (version.title, version.body) == (title, body)
        assert join([(s.block, s.kind, s.prefix, s.source) for s in segs], "vi") == (title, body)


# Issue 26: categories and gates nobody renames by a typo; an update is always intended.


def test_a_category_or_gate_the_site_does_not_list_is_refused_with_the_closest_names() -> None:
    import pytest

    from trilingo.errors import InputError
    from trilingo.intake.submit import check_site_lists
    from trilingo.site import SiteSettings, example

    def refusal(front: str, site: SiteSettings | None = None) -> str:
        with pytest.raises(InputError) as caught:
            check_site_lists(
                parse_notice(f"---\ntitle: Thử\nslug: thu\n{front}\n---\nCâu.\n"), site or example()
            )
        return caught.value.message

    assert refusal("category: thông bá") == "thu: unknown category 'thông bá'; did you mean 'thông báo'?"
    assert refusal("category: gio lam") == "thu: unknown category 'gio lam'; did you mean 'giờ làm việc'?"
    assert refusal("category: tin tức") == (
        "thu: unknown category 'tin tức'; the site's categories: 'thông báo', 'hướng dẫn', 'giờ làm việc', "
        "'phí, lệ phí', 'thủ tục xuất nhập cảnh'"
    )
    assert refusal("gates: [tay-trag]") == "thu: unknown gate 'tay-trag'; did you mean 'tay-trang'?"
    assert (
        refusal("gates: ../../etc")
        == "thu: unknown gate '../../etc'; the site's gates: 'tay-trang', 'huoi-puoc'"
    )
    # A site of its own that lists no categories and no gates takes neither.
    bare = SiteSettings(office={"vi": "Văn phòng"})
    assert refusal("category: thông báo", bare) == (
        "thu: unknown category 'thông báo'; the site lists no categories ([site] categories in config.toml)"
    )
    assert refusal("gates: [tay-trang]", bare) == (
        "thu: unknown gate 'tay-trang'; the site lists no gates ([site] gates in config.toml)"
    )


def test_a_category_without_tone_marks_is_stored_as_the_site_spells_it() -> None:
    import pytest

    from trilingo.errors import InputError
    from trilingo.intake.submit import check_site_lists
    from trilingo.site import Category, SiteSettings, example

    for spelt in ("thong bao", "Thông Báo", "THONG-BAO", "thông bảo"):
        checked, notes = check_site_lists(
            parse_notice(f"---\ntitle: Thử\nslug: thu\ncategory: {spelt}\n---\nCâu.\n"), example()
        )
        assert checked.category == "thông báo"
        assert notes == [f"Note: thu: category {spelt!r} is stored as the site's 'thông báo'"]
    exact, notes = check_site_lists(
        parse_notice("---\ntitle: Thử\ncategory: thông báo\n---\nCâu.\n"), example()
    )
    assert (exact.category, notes) == ("thông báo", [])
    # Two categories that fold alike: the folded spelling names neither, and is refused.
    twins = SiteSettings(
        office={"vi": "x"},
        categories=(Category("phí", "phi", {"vi": "phí"}), Category("phi", "phi-2", {"vi": "phi"})),
    )
    with pytest.raises(InputError, match="unknown category 'Phi'; did you mean 'phí', 'phi'"):
        check_site_lists(parse_notice("---\ntitle: Thử\ncategory: Phi\n---\nCâu.\n"), twins)


def test_a_notice_spelling_never_renames_the_sites_category(session: Session, tmp_path: object) -> None:
    """Stored before submit checked categories (or by a caller that does not): a notice whose category
    only folds to, or shares the page of, a category of the site is listed under the site's name."""
    from pathlib import Path

    from trilingo.channels.web import publish_web

    out = Path(str(tmp_path)) / "web"
    for slug, category in (("a", "thong bao"), ("b", "thông báo"), ("c", "THÔNG BÁO")):
        submit(
            session,
            parse_notice(f"---\ntitle: Tin {slug}\nslug: {slug}\ncategory: {category}\n---\nCâu.\n"),
            "ed",
        )
    publish_web(session, out)
    home = (out / "vi" / "index.html").read_text(encoding="utf-8")
    page = (out / "vi" / "category-thong-bao.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in (out / "vi").glob("category-*.html")) == ["category-thong-bao.html"]
    assert "<h1>thông báo</h1>" in page and "thong bao" not in page and "THÔNG BÁO" not in page
    assert "thong bao" not in home and "THÔNG BÁO" not in home
    assert '<a href="category-thong-bao.html">thông báo</a> (3)' in home


def test_an_update_is_always_meant(session: Session) -> None:
    """A changed notice whose slug came from its title is refused unless the submit says it is an update;
    with `slug:` given it is a new version; the same file again is unchanged, whatever it gave."""
    import pytest

    from trilingo.errors import InputError

    def derived(body: str) -> Notice:
        return parse_notice(f"---\ntitle: Thông báo nghỉ lễ\n---\n{body}\n")

    first = submit(session, derived("Nghỉ ngày 30 tháng 4."), "ed")
    assert (first.slug, first.version) == ("thong-bao-nghi-le", 1)
    assert submit(session, derived("Nghỉ ngày 30 tháng 4."), "ed").created is False  # the same file again
    with pytest.raises(InputError) as caught:
        submit(session, derived("Nghỉ ngày 2 tháng 9."), "ed")
    assert caught.value.message == (
        "thong-bao-nghi-le: a notice with this slug already exists: thong-bao-nghi-le; to publish a new "
        "version give `slug: thong-bao-nghi-le` or `--update`; a new notice needs another title or `slug:`"
    )
    assert len(session.exec(select(DocumentVersion)).all()) == 1
    updated = submit(session, derived("Nghỉ ngày 2 tháng 9."), "ed", update=True)
    assert (updated.version, updated.id) == (2, first.id)
    given = parse_notice("---\ntitle: Thông báo nghỉ lễ\nslug: thong-bao-nghi-le\n---\nNghỉ Tết.\n")
    assert submit(session, given, "ed").version == 3
