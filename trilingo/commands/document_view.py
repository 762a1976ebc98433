"""Rendering a document-language for a reviewer's terminal, from its JSON contract (`review show --json`):
the same whether the operation ran here or on a Trilingo server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from trilingo.text.terminal import shown

CONFIDENCE_MARK = {"high": "", "medium": " (medium confidence)", "low": " (LOW confidence: unverified)"}


def when(iso: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO 8601 time from a contract, as a reviewer reads it (UTC, marked Z)."""
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).strftime(fmt) + "Z"


def highlight(seg: dict[str, Any], color: bool | None) -> str:
    """The source with glossary terms in [brackets] (and bold, on a terminal)."""
    out, pos = [], 0
    source = seg["source"]
    for t in sorted(seg["terms"], key=lambda t: t["start"]):
        out.append(shown(source[pos : t["start"]]))
        term = f"[{shown(t['text'])}]"
        out.append(click.style(term, bold=True, fg="cyan") if color is not False else term)
        pos = t["end"]
    out.append(shown(source[pos:]))
    return "".join(out)


def render_doc_view(view: dict[str, Any], color: bool | None) -> None:
    head = f"#{view['document']} {view['slug']} [{view['lang']}] v{view['version']}: {view['state']}"
    click.echo(head + (f" — rejected: {shown(view['reason'])}" if view["reason"] else ""))
    if view["claimed_by"]:
        click.echo(f"claimed by {shown(view['claimed_by'])} until {when(view['claim_expires'], '%H:%M')}")
    for seg in view["segments"]:
        render_segment(seg, view["lang"], color)
    for note in view["comments"]:
        click.echo(f"\ncomment by {shown(note['author'])} ({when(note['at'])}): {shown(note['text'])}")
    if view["source_diff"] is not None:
        render_diffs(view)


def render_segment(seg: dict[str, Any], lang: str, color: bool | None) -> None:
    """One segment: source and draft, where the draft came from, then its hints, checks and comments."""
    click.echo("")
    click.echo(f"{seg['n']:>3}  vi  {highlight(seg, color)}")
    target = shown(seg["target"]) if seg["target"] else click.style("(untranslated)", fg="yellow")
    click.echo(f"     {lang}  {target}")
    origin = seg["origin"] or "-"
    if seg["detail"].get("needs_native_review"):
        origin += ", starter memory: needs native review"
    click.echo(f"     state {seg['state']}, origin {shown(origin)}")
    if seg["detail"].get("reason") and seg["state"] in ("untranslated", "mt_failed"):
        click.echo(f"     reason: {shown(seg['detail']['reason'])}")
    for hint in seg["hints"]:
        line = hint_line(hint)
        if line is not None:
            click.echo(line)
    for item in seg["suggestions"]:
        score = f" {item['score']:.0f}%" if item["score"] is not None else ""
        click.echo(f"     suggestion {item['n']}{score}: {shown(item['target'])}")
    for c in seg["checks"]:
        click.echo(check_line(c))
    for note in seg["comments"]:
        click.echo(f"     comment by {shown(note['author'])} ({when(note['at'])}): {shown(note['text'])}")


def hint_line(hint: dict[str, Any]) -> str | None:
    """A glossary term, the text before the source changed, or a fuzzy memory match; None for other kinds."""
    if hint["type"] == "term":
        mark = CONFIDENCE_MARK.get(hint["confidence"], "")
        return f"     term: {shown(hint['source'])} → {shown(hint['target'] or '?')}{mark}"
    if hint["type"] == "previous":
        return f"     before the source changed: {shown(hint['source'])} → {shown(hint['target'])}"
    if hint["type"] == "fuzzy":
        return f"     memory {hint['score']:.0f}%: {shown(hint['source'])} → {shown(hint['target'])}"
    return None


def check_line(c: dict[str, Any]) -> str:
    """A check on a segment: dismissed (and by whom), blocking, or a warning."""
    if "dismissed" in c:
        d = c["dismissed"]
        return f"     ~ {shown(c['message'])} (dismissed by {shown(d['by'])}: {shown(d['reason'])})"
    if c["level"] == "block":
        return click.style(f"     ✗ {shown(c['message'])} [{c['code']}, blocks approval]", fg="red")
    return click.style(f"     ! {shown(c['message'])} [{c['code']}]", fg="yellow")


def render_diffs(view: dict[str, Any]) -> None:
    if view["approved_version"] is None:
        click.echo("\nNothing approved yet: no earlier version to compare with.")
        return
    for title, diff in (
        (f"Source since the approved version v{view['approved_version']}", view["source_diff"]),
        ("Draft against the approved text", view["target_diff"]),
    ):
        click.echo(f"\n{title}:")
        if not diff:
            click.echo("  (no change)")
        for line in (diff or "").splitlines():
            colour = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            click.echo(click.style(shown(line), fg=colour))


def echo_checks(checks: list[dict[str, str]]) -> None:
    if not checks:
        click.echo("  checks: all passed")
    for c in checks:
        mark = "✗ blocks approval" if c["level"] == "block" else "! warning"
        click.echo(f"  {mark} [{c['code']}]: {shown(c['message'])}")
