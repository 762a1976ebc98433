"""`review next` on a terminal: one claimed item laid out with rich, and a prompt for the decision.

Only a terminal reaches this module; pipes and --json never prompt (commands.review)."""

from __future__ import annotations

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trilingo.commands.common import App
from trilingo.errors import TrilingoError
from trilingo.review.queue import DocView, SegmentView
from trilingo.text.terminal import shown

CONFIDENCE = {"high": "green", "medium": "yellow", "low": "red"}
HELP = (
    "a approve · w approve accepting the warnings (asks why) · e N edit segment N in $EDITOR · s N K take suggestion K for segment N · "
    "d N CODE dismiss a warning · c comment · r reject · k skip (back to the queue) · q quit (keep the claim)"
)


def segment_panel(seg: SegmentView, lang: str) -> Panel:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("vi", Text(shown(seg.source)))
    table.add_row(lang, Text(shown(seg.target)) if seg.target else Text("(untranslated)", style="yellow"))
    origin = seg.origin or "-"
    if seg.updated_by:
        origin += f", last changed by {seg.updated_by}"
    table.add_row("from", Text(shown(origin), style="dim"))
    for t in seg.hints:
        if t["type"] == "term":
            line = Text(f"{shown(t['source'])} → {shown(t['target'] or '?')}  ")
            line.append(f"{t['confidence']} confidence", style=CONFIDENCE.get(t["confidence"], ""))
            if t["note"]:
                line.append(f" — {shown(t['note'])}", style="dim")
            table.add_row("term", line)
    for s in seg.suggestions:
        score = f"{s['score']:.0f}% " if s["score"] is not None else ""
        table.add_row(f"sugg {s['n']}", Text(f"{score}{shown(s['target'])}"))
    for c in seg.checks:
        if "dismissed" in c:
            table.add_row(
                "dismissed", Text(f"{shown(c['message'])} ({shown(c['dismissed']['reason'])})", "dim")
            )
        else:
            block = c["level"] == "block"
            table.add_row(
                "BLOCK" if block else "warn",
                Text(f"[{c['code']}] {shown(c['message'])}", style="red" if block else "yellow"),
            )
    for note in seg.comments:
        table.add_row("comment", Text(f"{shown(note['author'])}: {shown(note['text'])}"))
    return Panel(table, title=f"segment {seg.n} · {seg.state}", title_align="left")


def render(console: Console, view: DocView) -> None:
    head = Text(f"#{view.document} {view.slug} [{view.lang}] v{view.version} · {view.state}", style="bold")
    parts: list[Text | Panel] = [head]
    if view.reason:
        parts.append(Text(f"Rejected: {shown(view.reason)}", style="red"))
    parts += [Text(f"comment by {shown(c['author'])}: {shown(c['text'])}") for c in view.comments]
    console.print(Group(*parts))
    for seg in view.segments:
        console.print(segment_panel(seg, view.lang))


def work_on(app: App, view: DocView) -> None:
    """Show the item and take decisions until it is approved, rejected, skipped, or the reviewer quits."""
    from trilingo.commands import review as commands

    console = Console(highlight=False)
    while True:
        render(console, view)
        console.print(Text(HELP, style="dim"))
        answer = click.prompt("decision", default="q", show_default=True).strip().split()
        verb, args = (answer[0].lower(), answer[1:]) if answer else ("q", [])
        try:
            if verb == "q":
                click.echo(
                    f"Still claimed by {app.settings.user}; run `trilingo review next --lang {view.lang}` to resume."
                )
                return
            if verb == "a":
                _act(app, commands.approve, view, [])
                return
            if verb == "w":
                reason = click.prompt("why are the warnings acceptable")
                _act(app, commands.approve, view, ["--accept-warnings", "--reason", reason])
                return
            if verb == "r":
                reason = click.prompt("reason")
                code = click.prompt(
                    "code",
                    default="other",
                    type=click.Choice(
                        ["terminology", "meaning", "numbers", "script", "grammar", "style", "other"]
                    ),
                )
                _act(app, commands.reject, view, ["--code", code, "--reason", reason])
                return
            if verb == "k":
                from trilingo.review.actions import release_claim

                with app.session() as session:
                    release_claim(session, view.slug, view.lang, app.settings.user)
                click.echo("Skipped: back in the queue.")
                return
            if verb == "e" and len(args) == 1:
                _act(app, commands.edit, view, ["--segment", args[0], "--editor"])
            elif verb == "s" and len(args) == 2:
                _act(app, commands.edit, view, ["--segment", args[0], "--use-suggestion", args[1]])
            elif verb == "d" and len(args) == 2:
                reason = click.prompt("why does it not apply")
                _act(
                    app,
                    commands.dismiss,
                    view,
                    ["--segment", args[0], "--check", args[1], "--reason", reason],
                )
            elif verb == "c":
                _act(app, commands.comment, view, [click.prompt("comment")])
            else:
                click.echo("Not understood. " + HELP)
                continue
        except TrilingoError as exc:
            click.echo(f"Error: {shown(exc.message)}", err=True)
        except click.ClickException as exc:
            click.echo(f"Error: {shown(exc.format_message())}", err=True)
        view = commands._view(app, view.slug, view.lang)


def _act(app: App, command: click.Command, view: DocView, args: list[str]) -> None:
    """Run one review command on this item, as the same user, inside this process."""
    ctx = click.get_current_context()
    command.main(
        [view.slug, "--lang", view.lang, *args, "--as", app.settings.user],
        standalone_mode=False,
        obj=ctx.obj,
    )
