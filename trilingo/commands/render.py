"""Rendering a document-language for a reviewer's terminal."""

from __future__ import annotations

import click

from trilingo.review.queue import DocView, SegmentView

CONFIDENCE_MARK = {"high": "", "medium": " (medium confidence)", "low": " (LOW confidence: unverified)"}


def highlight(seg: SegmentView, color: bool | None) -> str:
    """The source with glossary terms in [brackets] (and bold, on a terminal)."""
    out, pos = [], 0
    for t in sorted(seg.terms, key=lambda t: t["start"]):
        out.append(seg.source[pos : t["start"]])
        out.append(
            click.style(f"[{t['text']}]", bold=True, fg="cyan") if color is not False else f"[{t['text']}]"
        )
        pos = t["end"]
    out.append(seg.source[pos:])
    return "".join(out)


def render_doc_view(view: DocView, color: bool | None) -> None:
    head = f"#{view.document} {view.slug} [{view.lang}] v{view.version}: {view.state}"
    click.echo(head + (f" — rejected: {view.reason}" if view.reason else ""))
    for seg in view.segments:
        click.echo("")
        click.echo(f"{seg.n:>3}  vi  {highlight(seg, color)}")
        target = seg.target if seg.target else click.style("(untranslated)", fg="yellow")
        click.echo(f"     {view.lang}  {target}")
        origin = seg.origin or "-"
        if seg.detail.get("needs_native_review"):
            origin += ", starter memory: needs native review"
        click.echo(f"     state {seg.state}, origin {origin}")
        if seg.detail.get("reason") and seg.state in ("untranslated", "mt_failed"):
            click.echo(f"     reason: {seg.detail['reason']}")
        for hint in seg.hints:
            if hint.get("type") == "term":
                mark = CONFIDENCE_MARK.get(str(hint.get("confidence")), "")
                click.echo(f"     term: {hint.get('source')} → {hint.get('target') or '?'}{mark}")
            elif hint.get("type") == "previous":
                click.echo(f"     before the source changed: {hint.get('source')} → {hint.get('target')}")
            elif hint.get("type") == "fuzzy":
                click.echo(
                    f"     memory {hint.get('score', 0):.0f}%: {hint.get('source')} → {hint.get('target')}"
                )
        for warning in seg.warnings:
            click.echo(click.style(f"     ! {warning}", fg="red"))
