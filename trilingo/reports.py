"""What a flow run leaves behind for operators: a markdown summary and the review backlog as a table.

Pure functions over the flows' results and the database; the flows hand them to Prefect as artifacts,
and tests read them here without a server.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from trilingo.review.states import QUEUED
from trilingo.store.models import DocLang, aware, utcnow
from trilingo.text.terminal import age

PRETRANSLATE_COLUMNS = (
    ("documents", "documents"),
    ("segments", "segments"),
    ("tm", "memory"),
    ("glossary", "glossary"),
    ("engine_drafts", "engine"),
    ("engine_calls", "engine calls"),
    ("cache_hits", "cache hits"),
    ("untranslated", "untranslated"),
    ("warnings", "warnings"),
    ("failed", "failed"),
    ("kept", "kept (edited meanwhile)"),
)
MAX_LISTED = 50


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def pretranslate_markdown(results: Sequence[dict[str, Any]]) -> str:
    """One row per (batch, language) totals per language, then every failure with its reason."""
    if not results:
        return "# Pretranslate\n\nNothing was waiting: no segment was drafted.\n"
    by_lang: dict[str, dict[str, Any]] = {}
    for r in results:
        total = by_lang.setdefault(r["lang"], {"engine": r["engine"], "failures": []})
        for key, _ in PRETRANSLATE_COLUMNS:
            total[key] = total.get(key, 0) + int(r.get(key, 0))
        total["failures"] += r.get("failures", [])
    failed = sum(t["failed"] for t in by_lang.values())
    segments = sum(t["segments"] for t in by_lang.values())
    verdict = (
        f"**{failed} of {segments} segment(s) failed**; they stay `mt_failed` and the next run retries them."
        if failed
        else f"All {segments} segment(s) drafted or left for a person; nothing failed."
    )
    lines = ["# Pretranslate", "", verdict, ""]
    lines.append("| language | engine | " + " | ".join(label for _, label in PRETRANSLATE_COLUMNS) + " |")
    lines.append("|---" * (len(PRETRANSLATE_COLUMNS) + 2) + "|")
    for lang, t in sorted(by_lang.items()):
        cells = [lang, t["engine"], *(str(t[key]) for key, _ in PRETRANSLATE_COLUMNS)]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    failures = [(lang, f) for lang, t in sorted(by_lang.items()) for f in t["failures"]]
    if failures:
        lines += ["", "## Failures", ""]
        lines += [f"- {lang}: {_cell(f)}" for lang, f in failures[:MAX_LISTED]]
        if len(failures) > MAX_LISTED:
            lines.append(f"- … and {len(failures) - MAX_LISTED} more")
    return "\n".join(lines) + "\n"


def publish_markdown(results: Sequence[dict[str, Any]]) -> str:
    lines = [
        "# Publish",
        "",
        "| channel | written | unchanged | removed | went live | waiting | failed deliveries |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cells = [
            r["channel"],
            len(r.get("written", [])),
            r.get("unchanged", 0),
            len(r.get("removed", [])),
            len(r.get("went_live", [])),
            len(r.get("waiting", [])),
            len(r.get("failed", [])),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    waiting = [w for r in results for w in r.get("waiting", [])]
    if waiting:
        lines += ["", "## Not published yet", ""] + [f"- {_cell(w)}" for w in waiting[:MAX_LISTED]]
    return "\n".join(lines) + "\n"


def review_backlog(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """What waits for review now: per language and state, how many documents and the oldest wait."""
    now = now or utcnow()
    rows = session.exec(
        select(DocLang.lang, DocLang.state, func.count(), func.min(DocLang.waiting_since))
        .where(col(DocLang.state).in_(QUEUED))
        .group_by(DocLang.lang, DocLang.state)
    ).all()
    return [
        {
            "language": lang,
            "state": str(state),
            "documents": n,
            "oldest waiting": age((now - aware(oldest)).total_seconds()),
        }
        for lang, state, n, oldest in sorted(rows, key=lambda r: (r[0], str(r[1])))
    ]
