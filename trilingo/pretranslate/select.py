"""Which (document, language) pairs are waiting for pretranslation, and resolving document names."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from trilingo.errors import NotFound
from trilingo.languages import TARGETS
from trilingo.store.models import DocLang, DocState, Document, Segment, SegmentState, Translation

# States in which a segment gets (re)drafted: never a person's edit, never an approved text.
REDRAFT = (SegmentState.UNTRANSLATED, SegmentState.MT_FAILED)


def resolve_document(session: Session, ref: str | int) -> Document:
    """A document by id or slug."""
    text = str(ref).strip()
    # Slugs always hold a letter, so digits are an id (and a 20-digit "id" is no document at all).
    doc = session.get(Document, int(text)) if text.isdigit() and len(text) <= 18 else None
    if doc is None:
        doc = session.exec(select(Document).where(Document.slug == text)).first()
    if doc is None:
        raise NotFound(f"unknown document {text!r}")
    return doc


def waiting(
    session: Session, refs: Sequence[str] = (), langs: Sequence[str] = TARGETS
) -> dict[str, list[int]]:
    """Language → ids of DocLang rows with segments to draft (all documents, or those named)."""
    doc_ids = [resolve_document(session, r).id for r in refs]
    out: dict[str, list[int]] = {}
    for lang in langs:
        query = (
            select(DocLang.id)
            .join(Segment, Segment.version_id == DocLang.version_id)  # type: ignore[arg-type]
            .join(Translation, Translation.segment_id == Segment.id)  # type: ignore[arg-type]
            .where(
                DocLang.lang == lang,
                Translation.lang == lang,
                col(Translation.state).in_(REDRAFT),
                col(DocLang.state).not_in([DocState.APPROVED, DocState.PUBLISHED]),
            )
            .distinct()
        )
        if refs:
            query = query.where(col(DocLang.document_id).in_(doc_ids))
        ids = sorted(i for i in session.exec(query).all() if i is not None)
        # Pairs with nothing to draft but still marked submitted (all carried) move on too.
        moved = select(DocLang.id).where(DocLang.lang == lang, DocLang.state == DocState.SUBMITTED)
        if refs:
            moved = moved.where(col(DocLang.document_id).in_(doc_ids))
        ids = sorted(set(ids) | {i for i in session.exec(moved).all() if i is not None})
        if ids:
            out[lang] = ids
    return out
