"""Which (document, language) pairs are waiting for pretranslation."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from trilingo.languages import TARGETS
from trilingo.store.documents import resolve_document
from trilingo.store.models import DocLang, DocState, Segment, SegmentState, Translation

# States in which a segment gets (re)drafted: never a person's edit, never an approved text.
REDRAFT = (SegmentState.UNTRANSLATED, SegmentState.MT_FAILED)


def waiting(
    session: Session, refs: Sequence[str] = (), langs: Sequence[str] = TARGETS
) -> dict[str, list[int]]:
    """Language → ids of DocLang rows with segments to draft (all documents, or those named)."""
    doc_ids = [resolve_document(session, r).id for r in refs]
    out: dict[str, list[int]] = {}
    for lang in langs:
        query = (
            select(DocLang.id)
            .join(Segment, col(Segment.version_id) == col(DocLang.version_id))
            .join(Translation, col(Translation.segment_id) == col(Segment.id))
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
