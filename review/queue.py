"""The review queue, in SQLAlchemy Core over store.tables: no ORM is loaded, so
a cold `review queue` of 10,000 items answers within a second (review.view shows one item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, tuple_, type_coerce
from sqlalchemy import select as sa_select
from sqlalchemy.types import NullType

from trilingo.languages import check_target
from trilingo.outdated import outdated
from trilingo.review.states import QUEUED
from trilingo.store.tables import doclang, doclangcount, document, documentversion
from trilingo.store.values import DocState, aware, raw_time, utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Reader = Connection | Session


@dataclass(slots=True)  # not frozen: a frozen init sets each field through object.__setattr__ (10,000 items)
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
    claimed_by: str | None = None  # a live claim (`review next`); None when free or expired
    claim_expires: datetime | None = None
    # When the Vietnamese original changed under a translation that is live: readers see an out-of-date
    # page (or, in a critical category, none) until this item is approved. Such items come first.
    outdated_since: datetime | None = None


def queue(conn: Reader, lang: str | None = None, now: datetime | None = None) -> list[QueueItem]:
    """Document-languages waiting for a reviewer, oldest first: one query, whatever their number."""
    if lang is not None:
        check_target(lang)
    now = now or utcnow()
    counted = doclangcount.c
    query = (
        sa_select(
            doclang.c.document_id,
            document.c.slug,
            doclang.c.lang,
            # Untyped, converted below: per-value type processing was a tenth of a cold 10,000-item queue.
            type_coerce(doclang.c.state, NullType()).label("state"),
            type_coerce(doclang.c.waiting_since, NullType()).label("waiting_since"),
            documentversion.c.number,
            documentversion.c.title,
            # Counted at each commit (store.counts), not here: summing 400,000 translations took 0.3 s.
            func.coalesce(counted.segments, 0),
            func.coalesce(counted.untranslated + counted.mt_failed, 0),
            func.coalesce(counted.warned, 0),
            doclang.c.reason,
            doclang.c.claimed_by,
            type_coerce(doclang.c.claim_expires, NullType()).label("claim_expires"),
        )
        .select_from(doclang)
        .join(document, document.c.id == doclang.c.document_id)
        .join(documentversion, documentversion.c.id == doclang.c.version_id)
        .outerjoin(doclangcount, counted.doclang_id == doclang.c.id)  # never hide an item
        .order_by(doclang.c.waiting_since, doclang.c.document_id, doclang.c.lang)
    )
    if lang:
        query = query.where(doclang.c.lang == lang)
    # Waiting for a reviewer; and any live translation whose original changed, even before pretranslation
    # has run on the new version: a reviewer can fix the changed segments at once.
    stale = outdated(conn, lang)
    waiting = doclang.c.state.in_([str(s) for s in QUEUED])
    query = query.where(
        or_(waiting, tuple_(doclang.c.document_id, doclang.c.lang).in_(list(stale))) if stale else waiting
    )
    items = [
        QueueItem(
            document=doc,
            slug=slug,
            lang=item_lang,
            state=DocState(state),
            waiting_since=raw_time(waiting_since),
            version=number,
            title=title,
            segments=int(total),
            untranslated=int(open_),
            warnings=int(warned),
            reason=reason,
            **live_claim(claimed_by, None if expires is None else raw_time(expires), now),
            outdated_since=stale.get((doc, item_lang)),
        )
        for (
            doc,
            slug,
            item_lang,
            state,
            waiting_since,
            number,
            title,
            total,
            open_,
            warned,
            reason,
            claimed_by,
            expires,
        ) in conn.execute(query).all()
    ]
    if stale:  # out-of-date live translations first, the longest out of date first; then oldest first
        items.sort(key=lambda i: (i.outdated_since is None, i.outdated_since or i.waiting_since))
    return items


def live_claim(by: str | None, expires: datetime | None, now: datetime) -> dict[str, Any]:
    """The claim fields of an item: empty when nobody holds it or the lease ran out."""
    if by is None or expires is None:
        return {}
    expires = aware(expires)
    return {"claimed_by": by, "claim_expires": expires} if expires > now else {}
