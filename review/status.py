"""Counts for operators: document-languages and segments by state and language, and the oldest wait."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from trilingo.review.queue import outdated
from trilingo.review.states import QUEUED
from trilingo.store.models import DocLang, Document, Segment, Translation, utcnow


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
    oldest = session.exec(
        select(func.min(DocLang.waiting_since)).where(col(DocLang.state).in_(QUEUED))
    ).first()
    stale = outdated(session)
    out_of_date: dict[str, dict[str, Any]] = {}
    for (_doc, lang), since in stale.items():
        entry = out_of_date.setdefault(lang, {"count": 0, "oldest": since})
        entry["count"] += 1
        entry["oldest"] = min(entry["oldest"], since)
    return {
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
