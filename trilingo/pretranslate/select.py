"""Which (document, language) pairs are waiting for pretranslation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from trilingo.languages import TARGETS
from trilingo.store.documents import resolve_document
from trilingo.store.models import DocLang, DocState, Segment, SegmentState, Translation, utcnow

# States in which a segment gets (re)drafted: never a person's edit, never an approved text.
REDRAFT = (SegmentState.UNTRANSLATED, SegmentState.MT_FAILED)


def waiting(
    session: Session,
    refs: Sequence[str] = (),
    langs: Sequence[str] = TARGETS,
    *,
    sweep: bool = False,
    grace: timedelta = timedelta(0),
) -> dict[str, list[int]]:
    """Language → ids of DocLang rows with segments to draft (all documents, or those named).

    A `sweep` (the scheduled safety net under `serve`) takes only new work: document-languages never
    drafted, and segments an engine failed on. Segments the memory engine left untranslated are not
    drafted again every minute; `trilingo pretranslate` does that, after the memory or glossary grew.
    A sweep leaves alone what was submitted less than `grace` ago: the run its event started is on it."""
    doc_ids = [resolve_document(session, r).id for r in refs]
    redraft = (SegmentState.MT_FAILED,) if sweep else REDRAFT
    out: dict[str, list[int]] = {}
    for lang in langs:
        query = (
            select(DocLang.id)
            .join(Segment, col(Segment.version_id) == col(DocLang.version_id))
            .join(Translation, col(Translation.segment_id) == col(Segment.id))
            .where(
                DocLang.lang == lang,
                Translation.lang == lang,
                col(Translation.state).in_(redraft),
                col(DocLang.state).not_in([DocState.APPROVED, DocState.PUBLISHED]),
            )
            .distinct()
        )
        if refs:
            query = query.where(col(DocLang.document_id).in_(doc_ids))
        ids = sorted(i for i in session.exec(query).all() if i is not None)
        # Pairs with nothing to draft but still marked submitted (all carried) move on too.
        moved = select(DocLang.id).where(DocLang.lang == lang, DocLang.state == DocState.SUBMITTED)
        if sweep and grace:
            moved = moved.where(col(DocLang.waiting_since) <= utcnow() - grace)
        if refs:
            moved = moved.where(col(DocLang.document_id).in_(doc_ids))
        ids = sorted(set(ids) | {i for i in session.exec(moved).all() if i is not None})
        if ids:
            out[lang] = ids
    return out
