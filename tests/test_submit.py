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
