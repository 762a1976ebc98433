"""What a flow run leaves behind for operators: a markdown summary and the review backlog as a table.

Pure functions over the flows' results and the database; the flows hand them to Prefect as artifacts,
and tests read them here without a server.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from trilingo.i18n import N_
from trilingo.review.states import QUEUED
from trilingo.store.models import DocLang, aware, utcnow
from trilingo.text.terminal import age

# The pretranslate summary, one table per concern, each narrow enough for Prefect's UI at 1280 px
# (MAX_COLUMNS, the language included): where the drafts came from, what is left for a person, what the
# engine was asked.
PRETRANSLATE_TABLES = (
    (
        N_("Drafts"),
        (
            ("documents", "documents"),
            ("segments", "segments"),
            ("tm", "memory"),
            ("glossary", "glossary"),
            ("engine_drafts", "engine drafts"),
        ),
    ),
    (
        N_("Left for a person"),
        (
            ("untranslated", "untranslated"),
            ("warnings", "warnings"),
            ("failed", "failed"),
            ("kept", "kept (edited meanwhile)"),
        ),
    ),
    (N_("Engine use"), (("engine_calls", "engine calls"), ("cache_hits", "cache hits"))),
)
PRETRANSLATE_COLUMNS = tuple(column for _, columns in PRETRANSLATE_TABLES for column in columns)
MAX_COLUMNS = 7
MAX_LISTED = 50


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    assert len(header) <= MAX_COLUMNS, header  # wider, Prefect's UI hides the last columns
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def pretranslate_markdown(results: Sequence[dict[str, Any]]) -> str:
    """Totals per language, one table per concern, then every failure with its reason."""
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
    lines = ["# Pretranslate", "", verdict]
    for n, (title, columns) in enumerate(PRETRANSLATE_TABLES):
        engine = ["engine"] if n == 0 else []  # the engine once, beside the drafts it made
        header = ["language", *engine, *(label for _, label in columns)]
        rows = [
            [lang, *([t["engine"]] if engine else []), *(t[key] for key, _ in columns)]
            for lang, t in sorted(by_lang.items())
        ]
        lines += ["", f"## {title}", "", *_table(header, rows)]
    failures = [(lang, f) for lang, t in sorted(by_lang.items()) for f in t["failures"]]
    if failures:
        lines += ["", "## Failures", ""]
        lines += [f"- {lang}: {_cell(f)}" for lang, f in failures[:MAX_LISTED]]
        if len(failures) > MAX_LISTED:
            lines.append(f"- … and {len(failures) - MAX_LISTED} more")
    return "\n".join(lines) + "\n"


def _delivers(result: dict[str, Any]) -> bool:
    """Whether a channel's result is deliveries (the webhook's events) rather than files."""
    from trilingo.channels.webhook import CHANNEL as WEBHOOK

    return result["channel"] == WEBHOOK or bool(result.get("receivers"))


def publish_markdown(results: Sequence[dict[str, Any]]) -> str:
    """What each channel did: the files written, and apart the events delivered (a channel of
    deliveries writes no file: its counts are its events, after real deliveries)."""
    files = [r for r in results if not _delivers(r)]
    deliveries = [r for r in results if _delivers(r)]
    lines = ["# Publish"]
    if files:
        header = ["channel", "written", "unchanged", "removed", "went live", "waiting"]
        rows = [
            [
                r["channel"],
                len(r.get("written", [])),
                r.get("unchanged", 0),
                len(r.get("removed", [])),
                len(r.get("went_live", [])),
                len(r.get("waiting", [])),
            ]
            for r in files
        ]
        lines += ["", f"## {N_('Files')}", "", *_table(header, rows)]
    if deliveries:
        header = ["channel", "receivers", "queued", "delivered", "failed", "to retry", "dead"]
        rows = [
            [
                r["channel"],
                r.get("receivers", 0),
                r.get("queued", 0),
                r.get("delivered", 0),
                len(r.get("failed", [])),
                r.get("pending_total", 0),
                r.get("dead_total", 0),
            ]
            for r in deliveries
        ]
        lines += ["", f"## {N_('Deliveries')}", "", *_table(header, rows)]
        for r in deliveries:
            if r.get("undelivered"):
                lines += ["", f"{r['channel']}: {_cell(r['undelivered'])}"]
    waiting = [w for r in results for w in r.get("waiting", [])]
    if waiting:
        lines += ["", "## Not published yet", ""] + [f"- {_cell(w)}" for w in waiting[:MAX_LISTED]]
    return "\n".join(lines) + "\n"


BACKLOG_NOTE = N_(
    "A snapshot taken {taken} ({zone}), when this run ended: it is not refreshed. "
    "For the current numbers run `trilingo status`."
)


def backlog_description(taken: datetime) -> str:
    """The review-backlog artifact's own text: when its numbers were taken, in the gates' zone (the
    workspace's), and that they are not refreshed."""
    from trilingo.i18n import when, zone_label, zone_offset

    return BACKLOG_NOTE.format(taken=when(taken), zone=f"{zone_label()}, {zone_offset()}")


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
