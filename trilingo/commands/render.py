"""Rendering a document-language for a reviewer's terminal."""

from __future__ import annotations

import click

from trilingo.review.queue import DocView, SegmentView
from trilingo.text.terminal import shown

CONFIDENCE_MARK = {"high": "", "medium": " (medium confidence)", "low": " (LOW confidence: unverified)"}


def highlight(seg: SegmentView, color: bool | None) -> str:
    """The source with glossary terms in [brackets] (and bold, on a terminal)."""
    out, pos = [], 0
    for t in sorted(seg.terms, key=lambda t: t["start"]):
        out.append(shown(seg.source[pos : t["start"]]))
        term = f"[{shown(t['text'])}]"
        out.append(click.style(term, bold=True, fg="cyan") if color is not False else term)
        pos = t["end"]
    out.append(shown(seg.source[pos:]))
    return "".join(out)


def render_doc_view(view: DocView, color: bool | None) -> None:
    head = f"#{view.document} {view.slug} [{view.lang}] v{view.version}: {view.state}"
    click.echo(head + (f" — rejected: {shown(view.reason)}" if view.reason else ""))
    for seg in view.segments:
        click.echo("")
        click.echo(f"{seg.n:>3}  vi  {highlight(seg, color)}")
        target = shown(seg.target) if seg.target else click.style("(untranslated)", fg="yellow")
        click.echo(f"     {view.lang}  {target}")
        origin = seg.origin or "-"
        if seg.detail.get("needs_native_review"):
            origin += ", starter memory: needs native review"
        click.echo(f"     state {seg.state}, origin {shown(origin)}")
        if seg.detail.get("reason") and seg.state in ("untranslated", "mt_failed"):
            click.echo(f"     reason: {shown(seg.detail['reason'])}")
        for hint in seg.hints:
            if hint["type"] == "term":
                mark = CONFIDENCE_MARK.get(hint["confidence"], "")
                click.echo(f"     term: {shown(hint['source'])} → {shown(hint['target'] or '?')}{mark}")
            elif hint["type"] == "previous":
                click.echo(
                    f"     before the source changed: {shown(hint['source'])} → {shown(hint['target'])}"
                )
            elif hint["type"] == "fuzzy":
                click.echo(
                    f"     memory {hint['score']:.0f}%: {shown(hint['source'])} → {shown(hint['target'])}"
                )
        for warning in seg.warnings:
            click.echo(click.style(f"     ! {shown(warning)}", fg="red"))
