"""What reviewers see: the queue, and one document-language side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from trilingo.errors import NotFound
from trilingo.languages import check_target
from trilingo.review.states import QUEUED
from trilingo.store.documents import resolve_document
from trilingo.store.hints import Hint
from trilingo.store.models import (
    DocLang,
    DocState,
    Document,
    DocumentVersion,
    Segment,
    SegmentState,
    Translation,
)

if TYPE_CHECKING:
    from trilingo.glossary.match import Glossary


@dataclass(frozen=True)
class QueueItem:
    document: int
    slug: str
    lang: str
    state: DocState
    waiting_since: datetime
    version: int
    title: str
    segments: int
    untranslated: int  # untranslated or mt_failed: approval is blocked until they are filled
    warnings: int
    reason: str | None


def queue(session: Session, lang: str | None = None) -> list[QueueItem]:
    """Document-languages waiting for a reviewer, oldest first."""
    if lang is not None:
        check_target(lang)
    query = (
        select(DocLang, Document, DocumentVersion)
        .join(Document, col(Document.id) == col(DocLang.document_id))
        .join(DocumentVersion, col(DocumentVersion.id) == col(DocLang.version_id))
        .where(col(DocLang.state).in_(QUEUED))
        .order_by(col(DocLang.waiting_since), col(DocLang.document_id), col(DocLang.lang))
    )
    if lang:
        query = query.where(DocLang.lang == lang)
    items = []
    for dl, doc, ver in session.exec(query).all():
        stats = _segment_stats(session, ver.id, dl.lang)
        items.append(
            QueueItem(
                document=dl.document_id,
                slug=doc.slug,
                lang=dl.lang,
                state=dl.state,
                waiting_since=dl.waiting_since,
                version=ver.number,
                title=ver.title,
                segments=stats["total"],
                untranslated=stats["open"],
                warnings=stats["warned"],
                reason=dl.reason,
            )
        )
    return items


def _segment_stats(session: Session, version_id: int | None, lang: str) -> dict[str, int]:
    rows = session.exec(
        select(Translation.state, Translation.warnings)
        .join(Segment, col(Segment.id) == col(Translation.segment_id))
        .where(Segment.version_id == version_id, Translation.lang == lang)
    ).all()
    open_states = (SegmentState.UNTRANSLATED, SegmentState.MT_FAILED)
    return {
        "total": len(rows),
        "open": sum(s in open_states for s, _ in rows),
        "warned": sum(bool(w) for _, w in rows),
    }


@dataclass
class SegmentView:
    n: int
    source: str
    target: str | None
    origin: str | None
    state: SegmentState
    warnings: list[str]
    hints: list[Hint]
    terms: list[dict[str, Any]] = field(default_factory=list)  # glossary spans in the source
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class DocView:
    document: int
    slug: str
    lang: str
    state: DocState
    version: int
    reason: str | None
    segments: list[SegmentView]


def show(session: Session, ref: str, lang: str, glossary: Glossary | None = None) -> DocView:
    check_target(lang)
    doc = resolve_document(session, ref)
    dl = doclang(session, doc.id, lang)
    ver = session.get(DocumentVersion, dl.version_id)
    assert ver is not None and doc.id is not None
    rows = session.exec(
        select(Segment, Translation)
        .join(Translation, col(Translation.segment_id) == col(Segment.id))
        .where(Segment.version_id == ver.id, Translation.lang == lang)
        .order_by(col(Segment.n))
    ).all()
    segments = []
    for seg, tr in rows:
        terms = []
        if glossary is not None:
            terms = [
                {
                    "start": m.start,
                    "end": m.end,
                    "text": seg.source[m.start : m.end],
                    "concept": m.concept,
                    "status": m.status,
                    "confidence": m.confidence,
                }
                for m in glossary.annotate(seg.source, "vi")
            ]
        segments.append(
            SegmentView(
                n=seg.n,
                source=seg.source,
                target=tr.target,
                origin=tr.origin,
                state=tr.state,
                warnings=list(tr.warnings),
                hints=list(tr.hints),
                terms=terms,
                detail=dict(tr.detail),
            )
        )
    return DocView(doc.id, doc.slug, lang, dl.state, ver.number, dl.reason, segments)


def doclang(session: Session, doc_id: int | None, lang: str) -> DocLang:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).first()
    if dl is None:
        raise NotFound(f"document {doc_id} has no {lang} translation")
    return dl
