"""Counts for operators: document-languages and segments by state and language, and the oldest wait."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from trilingo.languages import TARGETS
from trilingo.review.queue import outdated
from trilingo.review.states import QUEUED
from trilingo.store.models import (
    DocLang,
    Document,
    PublishRecord,
    Segment,
    SegmentState,
    Translation,
    aware,
    utcnow,
)


def status(session: Session, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    counts: dict[str, dict[str, int]] = {}
    for state, lang, n in session.exec(
        select(DocLang.state, DocLang.lang, func.count()).group_by(DocLang.state, DocLang.lang)
    ).all():
        counts.setdefault(state, {})[lang] = n
    # Only segments of the version being worked on count; older versions are history.
    segments: dict[str, dict[str, int]] = {}
    for state, lang, n in session.exec(
        select(Translation.state, Translation.lang, func.count())
        .join(Segment, col(Segment.id) == col(Translation.segment_id))
        .join(
            DocLang,
            (col(DocLang.version_id) == col(Segment.version_id))
            & (col(DocLang.lang) == col(Translation.lang)),
        )
        .group_by(Translation.state, Translation.lang)
    ).all():
        segments.setdefault(state, {})[lang] = n
    oldest_by_lang = {
        lang: aware(since)
        for lang, since in session.exec(
            select(DocLang.lang, func.min(DocLang.waiting_since))
            .where(col(DocLang.state).in_(QUEUED))
            .group_by(DocLang.lang)
        ).all()
    }
    oldest = min(oldest_by_lang.values(), default=None)
    stale = outdated(session)
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
        "mt_failed": mt_failures(session),
        "channels": last_publish(session, now),
        "out_of_date": {
            lang: {
                "count": e["count"],
                "since": e["oldest"].isoformat(),
                "seconds": round((now - e["oldest"]).total_seconds()),
            }
            for lang, e in sorted(out_of_date.items())
        },
        "documents": session.exec(select(func.count()).select_from(Document)).one(),
        "counts": counts,
        "segments": segments,
        "oldest_waiting": oldest.isoformat() if oldest else None,
        "oldest_waiting_seconds": round((now - oldest).total_seconds()) if oldest else None,
    }


def mt_failures(session: Session, limit: int = 5) -> dict[str, dict[str, Any]]:
    """Segments the engine failed on, per language, with their most common reasons (current versions only)."""
    reason = Translation.detail["reason"].as_string()
    rows = session.exec(
        select(Translation.lang, reason, func.count())
        .join(Segment, col(Segment.id) == col(Translation.segment_id))
        .join(
            DocLang,
            (col(DocLang.version_id) == col(Segment.version_id))
            & (col(DocLang.lang) == col(Translation.lang)),
        )
        .where(col(Translation.lang).in_(TARGETS), Translation.state == SegmentState.MT_FAILED)
        .group_by(Translation.lang, reason)
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for lang, why, n in rows:
        entry = out.setdefault(lang, {"count": 0, "reasons": []})
        entry["count"] += n
        entry["reasons"].append({"reason": why or "(no reason recorded)", "count": n})
    for entry in out.values():
        entry["reasons"] = sorted(entry["reasons"], key=lambda r: (-r["count"], r["reason"]))[:limit]
    return dict(sorted(out.items()))


def last_publish(session: Session, now: datetime) -> dict[str, dict[str, Any]]:
    """Per channel: how many files it holds and when it last wrote one (from the publish ledger)."""
    rows = session.exec(
        select(PublishRecord.channel, func.count(), func.max(PublishRecord.published_at)).group_by(
            PublishRecord.channel
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
