"""What reviewers see: the queue, and one document-language side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, case, cast, func
from sqlalchemy import select as sa_select
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
    """Document-languages waiting for a reviewer, oldest first: one query, whatever their number."""
    if lang is not None:
        check_target(lang)
    query = (
        sa_select(
            col(DocLang.document_id),
            col(Document.slug),
            col(DocLang.lang),
            col(DocLang.state),
            col(DocLang.waiting_since),
            col(DocumentVersion.number),
            col(DocumentVersion.title),
            func.count(col(Translation.id)),
            func.coalesce(func.sum(case((col(Translation.state).in_(OPEN), 1), else_=0)), 0),
            func.coalesce(func.sum(case((cast(col(Translation.warnings), String) != "[]", 1), else_=0)), 0),
            col(DocLang.reason),
        )
        .select_from(DocLang)
        .join(Document, col(Document.id) == col(DocLang.document_id))
        .join(DocumentVersion, col(DocumentVersion.id) == col(DocLang.version_id))
        .outerjoin(Segment, col(Segment.version_id) == col(DocLang.version_id))
        .outerjoin(
            Translation,
            (col(Translation.segment_id) == col(Segment.id)) & (col(Translation.lang) == col(DocLang.lang)),
        )
        .where(col(DocLang.state).in_(QUEUED))
        .group_by(col(DocLang.id), col(Document.id), col(DocumentVersion.id))
        .order_by(col(DocLang.waiting_since), col(DocLang.document_id), col(DocLang.lang))
    )
    if lang:
        query = query.where(col(DocLang.lang) == lang)
    return [
        QueueItem(
            document=document,
            slug=slug,
            lang=item_lang,
            state=DocState(state),
            waiting_since=waiting_since,
            version=number,
            title=title,
            segments=int(total),
            untranslated=int(open_),
            warnings=int(warned),
            reason=reason,
        )
        for document, slug, item_lang, state, waiting_since, number, title, total, open_, warned, reason in session.execute(
            query
        ).all()
    ]


# Untranslated or failed: approval is blocked until a person fills them.
OPEN = (SegmentState.UNTRANSLATED, SegmentState.MT_FAILED)


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
