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
from trilingo.store.models import DocLang, Document, DocumentVersion, Segment, SegmentState, Translation

if TYPE_CHECKING:
    from trilingo.glossary.match import Glossary


@dataclass(frozen=True)
class QueueItem:
    document: int
    slug: str
    title: str
    lang: str
    state: str
    version: int
    waiting_since: datetime
    segments: int
    untranslated: int  # untranslated or mt_failed: approval is blocked until they are filled
    warnings: int
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "slug": self.slug,
            "lang": self.lang,
            "state": self.state,
            "waiting_since": self.waiting_since.isoformat(),
            "version": self.version,
            "title": self.title,
            "segments": self.segments,
            "untranslated": self.untranslated,
            "warnings": self.warnings,
            "reason": self.reason,
        }


def queue(session: Session, lang: str | None = None) -> list[QueueItem]:
    """Document-languages waiting for a reviewer, oldest first."""
    if lang is not None:
        check_target(lang)
    query = (
        select(DocLang, Document, DocumentVersion)
        .join(Document, Document.id == DocLang.document_id)  # type: ignore[arg-type]
        .join(DocumentVersion, DocumentVersion.id == DocLang.version_id)  # type: ignore[arg-type]
        .where(col(DocLang.state).in_(QUEUED))
        .order_by(DocLang.waiting_since, DocLang.document_id, DocLang.lang)  # type: ignore[arg-type]
    )
    if lang:
        query = query.where(DocLang.lang == lang)
    items = []
    for dl, doc, ver in session.exec(query).all():
        stats = _segment_stats(session, ver.id, dl.lang)
        items.append(
            QueueItem(
                dl.document_id,
                doc.slug,
                ver.title,
                dl.lang,
                dl.state,
                ver.number,
                dl.waiting_since,
                stats["total"],
                stats["open"],
                stats["warned"],
                dl.reason,
            )
        )
    return items


def _segment_stats(session: Session, version_id: int | None, lang: str) -> dict[str, int]:
    rows = session.exec(
        select(Translation.state, Translation.warnings)
        .join(Segment, Segment.id == Translation.segment_id)  # type: ignore[arg-type]
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
    state: str
    origin: str | None
    warnings: list[str]
    hints: list[dict[str, Any]]
    terms: list[dict[str, Any]] = field(default_factory=list)  # glossary spans in the source
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "source": self.source,
            "target": self.target,
            "origin": self.origin,
            "state": self.state,
            "warnings": self.warnings,
            "hints": self.hints,
            "terms": self.terms,
            "detail": self.detail,
        }


@dataclass
class DocView:
    document: int
    slug: str
    lang: str
    state: str
    version: int
    reason: str | None
    segments: list[SegmentView]

    def as_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "slug": self.slug,
            "lang": self.lang,
            "state": self.state,
            "version": self.version,
            "reason": self.reason,
            "segments": [s.as_json() for s in self.segments],
        }


def show(session: Session, ref: str, lang: str, glossary: Glossary | None = None) -> DocView:
    check_target(lang)
    doc = resolve_document(session, ref)
    dl = doclang(session, doc.id, lang)
    ver = session.get(DocumentVersion, dl.version_id)
    assert ver is not None and doc.id is not None
    rows = session.exec(
        select(Segment, Translation)
        .join(Translation, Translation.segment_id == Segment.id)  # type: ignore[arg-type]
        .where(Segment.version_id == ver.id, Translation.lang == lang)
        .order_by(Segment.n)  # type: ignore[arg-type]
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
                seg.n,
                seg.source,
                tr.target,
                tr.state,
                tr.origin,
                list(tr.warnings),
                list(tr.hints),
                terms,
                dict(tr.detail),
            )
        )
    return DocView(doc.id, doc.slug, lang, dl.state, ver.number, dl.reason, segments)


def doclang(session: Session, doc_id: int | None, lang: str) -> DocLang:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).first()
    if dl is None:
        raise NotFound(f"document {doc_id} has no {lang} translation")
    return dl
