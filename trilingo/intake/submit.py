"""Storing a notice: a new document or a new version, segments, and carried-over translations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from sqlmodel import Session, col, select

from trilingo.languages import SOURCE, TARGETS
from trilingo.store.audit import ensure_user, record
from trilingo.store.hashing import sha256
from trilingo.store.hints import Hint
from trilingo.store.models import (
    DocLang,
    DocState,
    Document,
    DocumentVersion,
    Release,
    Segment,
    SegmentState,
    Translation,
    utcnow,
)
from trilingo.text.frontmatter import Notice
from trilingo.text.segment import split

# A carried translation keeps its text and state only if a person or the memory made it usable.
_CARRY = {SegmentState.APPROVED, SegmentState.EDITED, SegmentState.NEEDS_REVIEW}


@dataclass(frozen=True)
class Submitted:
    id: int
    slug: str
    version: int
    created: bool  # False when the content equals the current version: nothing was stored
    segments: int
    changed: dict[str, int]  # target language → segments that need (re)translation


def content_hash(notice: Notice) -> str:
    parts = [
        notice.title,
        notice.category or "",
        "|".join(notice.gates),
        "|".join(notice.channels),
        notice.body,
    ]
    return sha256("\x1f".join(parts))


def submit(
    session: Session,
    notice: Notice,
    actor: str,
    now: datetime | None = None,
    *,
    forced_language: str | None = None,
) -> Submitted:
    """Store `notice` as a new document, or as a new version of the document with its slug.

    `forced_language`: the language the detector found, when the editor submitted it as Vietnamese anyway."""
    now = now or utcnow()
    ensure_user(session, actor)
    digest = content_hash(notice)
    doc = session.exec(select(Document).where(Document.slug == notice.slug)).first()
    previous: DocumentVersion | None = None
    if doc is None:
        doc = Document(slug=notice.slug, current_version=0, created_at=now, created_by=actor)
        session.add(doc)
        session.flush()
    else:
        previous = session.exec(
            select(DocumentVersion).where(
                DocumentVersion.document_id == doc.id, DocumentVersion.number == doc.current_version
            )
        ).one()
        if previous.content_hash == digest:
            count = len(session.exec(select(Segment.id).where(Segment.version_id == previous.id)).all())
            return Submitted(_id(doc), doc.slug, previous.number, False, count, dict.fromkeys(TARGETS, 0))
    assert doc.id is not None
    doc.current_version += 1
    version = DocumentVersion(
        document_id=doc.id,
        number=doc.current_version,
        title=notice.title,
        category=notice.category,
        gates=notice.gates,
        channels=notice.channels,
        body=notice.body,
        content_hash=digest,
        created_at=now,
        created_by=actor,
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    segments = [
        Segment(
            version_id=version.id,
            n=p.n,
            block=p.block,
            kind=p.kind,
            prefix=p.prefix,
            source=p.text,
            source_hash=sha256(p.text),
        )
        for p in notice.pieces or split(notice.title, notice.body)
    ]
    session.add_all(segments)
    session.flush()
    changed = {
        lang: _carry_translations(session, doc.id, lang, previous, segments, version, now) for lang in TARGETS
    }
    _release_source(session, doc.id, version, notice, actor, now)
    event = record(
        session,
        actor,
        "submit",
        document_id=doc.id,
        new=notice.title,
        version=version.number,
        slug=doc.slug,
        segments=len(segments),
        changed=changed,
    )
    if forced_language:  # submitted as Vietnamese although the detector said otherwise
        event.detail = {**event.detail, "forced_language": forced_language}
    return Submitted(doc.id, doc.slug, version.number, True, len(segments), changed)


def _carry_translations(
    session: Session,
    doc_id: int,
    lang: str,
    previous: DocumentVersion | None,
    segments: list[Segment],
    version: DocumentVersion,
    now: datetime,
) -> int:
    """Give each new segment a translation row; unchanged ones keep theirs. Returns how many are new."""
    old: dict[str, Translation] = {}
    earlier: dict[int, tuple[Segment, Translation]] = {}
    if previous is not None:
        rows = session.exec(
            select(Segment, Translation)
            .join(Translation, col(Translation.segment_id) == col(Segment.id))
            .where(Segment.version_id == previous.id, Translation.lang == lang)
            .order_by(col(Segment.n))
        ).all()
        old = {seg.source: tr for seg, tr in rows if tr.state in _CARRY}
        earlier = _previous_of_changed(list(rows), segments)
    changed = 0
    all_approved = True
    for i, seg in enumerate(segments):
        assert seg.id is not None
        prior = old.get(seg.source)
        if prior is None:
            changed += 1
            all_approved = False
            hints: list[Hint] = []
            if i in earlier and earlier[i][1].target:
                # A changed sentence starts from nothing, but the reviewer sees what it used to say.
                was, tr = earlier[i]
                hints.append(
                    {"type": "previous", "source": was.source, "target": tr.target, "state": tr.state}
                )
            session.add(Translation(segment_id=seg.id, lang=lang, updated_at=now, hints=hints))
            continue
        all_approved &= prior.state == SegmentState.APPROVED
        session.add(
            Translation(
                segment_id=seg.id,
                lang=lang,
                state=prior.state,
                target=prior.target,
                origin=prior.origin,
                glossary_version=prior.glossary_version,
                detail={**prior.detail, "carried_from": prior.id},
                warnings=list(prior.warnings),
                hints=list(prior.hints),
                updated_at=now,
                updated_by=prior.updated_by,
            )
        )
    assert version.id is not None
    doclang = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).first()
    if doclang is None:
        doclang = DocLang(
            document_id=doc_id, lang=lang, version_id=version.id, waiting_since=now, updated_at=now
        )
        session.add(doclang)
    doclang.version_id = version.id
    doclang.updated_at = now
    doclang.reason = None
    # What is live stays live (release_id is untouched) until the new version is approved.
    doclang.state = DocState.PRETRANSLATED if all_approved else DocState.SUBMITTED
    doclang.waiting_since = now
    return changed


def _previous_of_changed(
    rows: list[tuple[Segment, Translation]], segments: list[Segment]
) -> dict[int, tuple[Segment, Translation]]:
    """Index of a new segment → the old segment it replaced, pairing the replaced runs of an alignment."""
    matcher = SequenceMatcher(
        a=[seg.source for seg, _ in rows], b=[seg.source for seg in segments], autojunk=False
    )
    pairs: dict[int, tuple[Segment, Translation]] = {}
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace":
            for k in range(min(i2 - i1, j2 - j1)):
                pairs[j1 + k] = rows[i1 + k]
    return pairs


def _release_source(
    session: Session, doc_id: int, version: DocumentVersion, notice: Notice, actor: str, now: datetime
) -> None:
    """The Vietnamese original needs no review: it is released on submit."""
    assert version.id is not None
    release = Release(
        document_id=doc_id,
        lang=SOURCE,
        version_id=version.id,
        title=notice.title,
        body=notice.body,
        content_hash=sha256(notice.title + "\n" + notice.body),
        approved_by=actor,
        approved_at=now,
    )
    session.add(release)
    session.flush()
    doclang = session.exec(
        select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == SOURCE)
    ).first()
    if doclang is None:
        doclang = DocLang(document_id=doc_id, lang=SOURCE, version_id=version.id)
        session.add(doclang)
    doclang.version_id = version.id
    doclang.release_id = release.id
    doclang.state = DocState.APPROVED
    doclang.updated_at = now
    doclang.waiting_since = now


def _id(doc: Document) -> int:
    assert doc.id is not None
    return doc.id
