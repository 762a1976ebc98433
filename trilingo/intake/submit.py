"""Storing a notice: a new document or a new version, segments, and carried-over translations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

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
    utcnow,
)
from trilingo.text.frontmatter import Notice
from trilingo.text.segment import Piece, split

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
    pieces = notice.pieces or tuple(split(notice.title, notice.body))
    segments = _insert_segments(session, version.id, pieces)
    old = _previous_rows(session, previous.id) if previous is not None else {}
    changed = {
        lang: _carry_translations(session, doc.id, lang, old.get(lang, []), segments, version.id, now)
        for lang in TARGETS
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


# Rows are written with one INSERT per table (executemany), not as ORM objects: building 390,000
# SQLModel objects for a 130,000-line file took 110 of its 195 s.
@dataclass(frozen=True)
class _Seg:
    id: int
    source: str


@dataclass(frozen=True)
class _Old:
    """A translation of the previous version, with its segment's source."""

    source: str
    id: int
    state: SegmentState
    target: str | None
    origin: str | None
    glossary_version: int | None
    detail: dict[str, Any]
    warnings: list[str]
    hints: list[Hint]
    updated_by: str | None


def _insert_segments(session: Session, version_id: int, pieces: Sequence[Piece]) -> list[_Seg]:
    table = SQLModel.metadata.tables["segment"]
    rows = [
        {
            "version_id": version_id,
            "n": p.n,
            "block": p.block,
            "kind": p.kind,
            "prefix": p.prefix,
            "source": p.text,
            "source_hash": sha256(p.text),
        }
        for p in pieces
    ]
    ids = (
        session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
    )
    return [_Seg(i, p.text) for i, p in zip(ids, pieces, strict=True)]


def _previous_rows(session: Session, version_id: int | None) -> dict[str, list[_Old]]:
    """Language → the previous version's translations, in segment order."""
    tr, seg = SQLModel.metadata.tables["translation"], SQLModel.metadata.tables["segment"]
    query = (
        sa_select(
            tr.c.lang, seg.c.source, tr.c.id, tr.c.state, tr.c.target, tr.c.origin, tr.c.glossary_version,
            tr.c.detail, tr.c.warnings, tr.c.hints, tr.c.updated_by,
        )
        .join(seg, seg.c.id == tr.c.segment_id)
        .where(seg.c.version_id == version_id)
        .order_by(seg.c.n)
    )  # fmt: skip
    out: dict[str, list[_Old]] = {}
    for lang, *fields in session.execute(query).all():
        out.setdefault(lang, []).append(_Old(*fields))
    return out


def _carry_translations(
    session: Session,
    doc_id: int,
    lang: str,
    previous: list[_Old],
    segments: list[_Seg],
    version_id: int,
    now: datetime,
) -> int:
    """Give each new segment a translation row; unchanged ones keep theirs. Returns how many are new."""
    old = {o.source: o for o in previous if o.state in _CARRY}
    earlier = _previous_of_changed(previous, segments) if previous else {}
    changed = 0
    all_approved = True
    rows = []
    for i, seg in enumerate(segments):
        row: dict[str, Any] = {
            "segment_id": seg.id,
            "lang": lang,
            "state": SegmentState.UNTRANSLATED,
            "target": None,
            "origin": None,
            "glossary_version": None,
            "detail": {},
            "warnings": [],
            "hints": [],
            "updated_at": now,
            "updated_by": None,
            "row_version": 1,
        }
        prior = old.get(seg.source)
        if prior is None:
            changed += 1
            all_approved = False
            was = earlier.get(i)
            if was is not None and was.target:
                # A changed sentence starts from nothing, but the reviewer sees what it used to say.
                row["hints"] = [
                    {"type": "previous", "source": was.source, "target": was.target, "state": was.state}
                ]
        else:
            all_approved &= prior.state == SegmentState.APPROVED
            row.update(
                state=prior.state,
                target=prior.target,
                origin=prior.origin,
                glossary_version=prior.glossary_version,
                detail={**prior.detail, "carried_from": prior.id},
                warnings=list(prior.warnings),
                hints=list(prior.hints),
                updated_by=prior.updated_by,
            )
        rows.append(row)
    if rows:
        session.execute(insert(SQLModel.metadata.tables["translation"]), rows)
    doclang = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).first()
    if doclang is None:
        doclang = DocLang(
            document_id=doc_id, lang=lang, version_id=version_id, waiting_since=now, updated_at=now
        )
        session.add(doclang)
    doclang.version_id = version_id
    doclang.updated_at = now
    doclang.reason = None
    # What is live stays live (release_id is untouched) until the new version is approved.
    doclang.state = DocState.PRETRANSLATED if all_approved else DocState.SUBMITTED
    doclang.waiting_since = now
    return changed


def _previous_of_changed(previous: list[_Old], segments: list[_Seg]) -> dict[int, _Old]:
    """Index of a new segment → the old segment it replaced, pairing the replaced runs of an alignment.

    difflib's autojunk stays on: it ignores lines that fill more than 1 % of a long notice, which keeps a
    list of 100,000 near-identical lines from taking quadratic time; the pairing is only a hint."""
    matcher = SequenceMatcher(a=[o.source for o in previous], b=[s.source for s in segments])
    pairs: dict[int, _Old] = {}
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace":
            for k in range(min(i2 - i1, j2 - j1)):
                pairs[j1 + k] = previous[i1 + k]
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
