"""Counts for operators: document-languages and segments by state and language, and the oldest wait.

SQLAlchemy Core over store.tables, like review.queue: a cold `status` loads no ORM."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy import select as sa_select

from trilingo.i18n import N_
from trilingo.languages import TARGETS
from trilingo.outdated import outdated
from trilingo.review.states import QUEUED
from trilingo.store.tables import (
    STATES,
    channelstate,
    doclang,
    doclangcount,
    document,
    publishrecord,
    retraction,
    segment,
    translation,
    webhookevent,
)
from trilingo.store.values import SegmentState, aware, utcnow

if TYPE_CHECKING:
    from trilingo.review.queue import Reader


def status(conn: Reader, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    counts: dict[str, dict[str, int]] = {}
    for state, lang, n in conn.execute(
        sa_select(doclang.c.state, doclang.c.lang, func.count()).group_by(doclang.c.state, doclang.c.lang)
    ).all():
        counts.setdefault(state, {})[lang] = n
    # Only segments of the version being worked on count; older versions are history. Summed from the
    # counts kept at each commit (store.counts): counting the translations took 0.3 s at 10,000 documents.
    segments: dict[str, dict[str, int]] = {}
    sums = conn.execute(
        sa_select(doclang.c.lang, *(func.sum(doclangcount.c[s]) for s in STATES))
        .join(doclangcount, doclangcount.c.doclang_id == doclang.c.id)
        .group_by(doclang.c.lang)
    ).all()
    for lang, *by_state in sums:
        for state, n in zip(STATES, by_state, strict=True):
            if n:
                segments.setdefault(state, {})[lang] = int(n)
    oldest_by_lang = {
        lang: aware(since)
        for lang, since in conn.execute(
            sa_select(doclang.c.lang, func.min(doclang.c.waiting_since))
            .where(doclang.c.state.in_([str(s) for s in QUEUED]))
            .group_by(doclang.c.lang)
        ).all()
    }
    oldest = min(oldest_by_lang.values(), default=None)
    stale = outdated(conn)
    out_of_date: dict[str, dict[str, Any]] = {}
    for (_doc, lang), since in stale.items():
        entry = out_of_date.setdefault(lang, {"count": 0, "oldest": since})
        entry["count"] += 1
        entry["oldest"] = min(entry["oldest"], since)
    return {
        "oldest_by_lang": {
            lang: {"since": since.isoformat(), "seconds": round((now - since).total_seconds())}
            for lang, since in sorted(oldest_by_lang.items())
        },
        "mt_failed": mt_failures(conn),
        "channels": last_publish(conn, now),
        "out_of_date": {
            lang: {
                "count": e["count"],
                "since": e["oldest"].isoformat(),
                "seconds": round((now - e["oldest"]).total_seconds()),
            }
            for lang, e in sorted(out_of_date.items())
        },
        "documents": conn.execute(sa_select(func.count()).select_from(document)).scalar_one(),
        "counts": counts,
        "segments": segments,
        "oldest_waiting": oldest.isoformat() if oldest else None,
        "oldest_waiting_seconds": round((now - oldest).total_seconds()) if oldest else None,
    }


def mt_failures(conn: Reader, limit: int = 5) -> dict[str, dict[str, Any]]:
    """Segments the engine failed on, per language, with their most common reasons (current versions only)."""
    reason = translation.c.detail["reason"].as_string()
    rows = conn.execute(
        sa_select(translation.c.lang, reason, func.count())
        .join(segment, segment.c.id == translation.c.segment_id)
        .join(
            doclang,
            (doclang.c.version_id == segment.c.version_id) & (doclang.c.lang == translation.c.lang),
        )
        .where(translation.c.lang.in_(TARGETS), translation.c.state == str(SegmentState.MT_FAILED))
        .group_by(translation.c.lang, reason)
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for lang, why, n in rows:
        entry = out.setdefault(lang, {"count": 0, "reasons": []})
        entry["count"] += n
        entry["reasons"].append({"reason": why or N_("(no reason recorded)"), "count": n})
    for entry in out.values():
        entry["reasons"] = sorted(entry["reasons"], key=lambda r: (-r["count"], r["reason"]))[:limit]
    return dict(sorted(out.items()))


def last_publish(conn: Reader, now: datetime) -> dict[str, dict[str, Any]]:
    """Per channel: how many files it holds and when it last wrote one (from the publish ledger)."""
    rows = conn.execute(
        sa_select(publishrecord.c.channel, func.count(), func.max(publishrecord.c.published_at)).group_by(
            publishrecord.c.channel
        )
    ).all()
    return {
        channel: {
            "files": n,
            "last": aware(last).isoformat(),
            "seconds": round((now - aware(last)).total_seconds()),
        }
        for channel, n, last in sorted(rows)
    }


def webhook_counts(conn: Reader) -> dict[str, object]:
    """The webhook's pending and dead events, and the last error of each."""
    undelivered = webhookevent.c.state != "delivered"
    rows = conn.execute(
        sa_select(webhookevent.c.state, func.count()).where(undelivered).group_by(webhookevent.c.state)
    ).all()
    last = conn.execute(
        sa_select(webhookevent.c.last_error)
        .where(undelivered, webhookevent.c.last_error.is_not(None))
        .order_by(webhookevent.c.id.desc())
        .limit(1)
    ).first()
    return {"pending": 0, "dead": 0, **{state: n for state, n in rows}, "last_error": last and last[0]}


def channel_failures(conn: Reader) -> dict[str, dict[str, Any]]:
    """Channels whose last publish failed (and none succeeded since): when, and the error's one line."""
    rows = conn.execute(
        sa_select(
            channelstate.c.channel,
            channelstate.c.failed_at,
            channelstate.c.succeeded_at,
            channelstate.c.error,
        )
    ).all()
    out = {}
    for channel, failed, succeeded, error in sorted(rows):
        if failed is not None and (succeeded is None or aware(failed) > aware(succeeded)):
            out[channel] = {"at": aware(failed).isoformat(), "error": error or ""}
    return out


def pending_retractions(conn: Reader) -> list[dict[str, Any]]:
    """Retractions whose take-down has not been carried out on every channel they cover yet."""
    rows = conn.execute(
        sa_select(document.c.slug, retraction.c.lang, retraction.c.channel, retraction.c.at)
        .join(document, document.c.id == retraction.c.document_id)
        .where(retraction.c.done_at.is_(None))
        .order_by(retraction.c.at)
    ).all()
    return [
        {"document": slug, "lang": lang, "channel": channel, "since": aware(at).isoformat()}
        for slug, lang, channel, at in rows
    ]
