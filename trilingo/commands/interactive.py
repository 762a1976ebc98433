"""`review next` on a terminal: one claimed item laid out with rich, and a prompt for the decision.

Every decision is one operation (trilingo.service.review) through the same transport as the command,
so the loop works the same on this machine and through a Trilingo server. Only a terminal reaches this
module; pipes and --json never prompt (commands.review)."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trilingo.commands.common import App
from trilingo.commands.document_view import echo_checks
from trilingo.commands.editing import edit_in_editor
from trilingo.commands.labels import label
from trilingo.errors import TrilingoError
from trilingo.i18n import N_, _, retranslate
from trilingo.languages import SOURCE
from trilingo.review.states import REJECT_CODES
from trilingo.text.terminal import shown

CONFIDENCE = {"high": "green", "medium": "yellow", "low": "red"}
# How each confidence of a glossary term reads; another confidence reads "{level} confidence".
CONFIDENCE_LABEL = {
    "high": N_("high confidence"),
    "medium": N_("medium confidence"),
    "low": N_("low confidence"),
}
HELP = N_(
    "a approve · w approve accepting the warnings (asks why) · e N edit segment N in $EDITOR · s N K take suggestion K for segment N · "
    "d N CODE dismiss a warning · c comment · r reject · k skip (back to the queue) · q quit (keep the claim)"
)


def segment_panel(seg: dict[str, Any], lang: str) -> Panel:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row(SOURCE, Text(shown(seg["source"])))
    table.add_row(
        lang, Text(shown(seg["target"])) if seg["target"] else Text(_("(untranslated)"), style="yellow")
    )
    origin = label(seg["origin"] or "-")
    if seg["updated_by"]:
        origin = _("{origin}, last changed by {who}").format(origin=origin, who=seg["updated_by"])
    table.add_row(_("from"), Text(shown(origin), style="dim"))
    for t in seg["hints"]:
        if t["type"] == "term":
            line = Text(f"{shown(t['source'])} → {shown(t['target'] or '?')}  ")
            worded = CONFIDENCE_LABEL.get(t["confidence"])
            confidence = _(worded) if worded else _("{level} confidence").format(level=t["confidence"])
            line.append(confidence, style=CONFIDENCE.get(t["confidence"], ""))
            if t["note"]:
                line.append(f" — {shown(t['note'])}", style="dim")
            table.add_row(_("term"), line)
    for s in seg["suggestions"]:
        score = f"{s['score']:.0f}% " if s["score"] is not None else ""
        table.add_row(_("sugg {n}").format(n=s["n"]), Text(f"{score}{shown(s['target'])}"))
    for c in seg["checks"]:
        if "dismissed" in c:
            table.add_row(
                _("dismissed"),
                Text(f"{shown(retranslate(c['message']))} ({shown(c['dismissed']['reason'])})", "dim"),
            )
        else:
            block = c["level"] == "block"
            table.add_row(
                _("BLOCK") if block else _("warn"),
                Text(f"[{c['code']}] {shown(retranslate(c['message']))}", style="red" if block else "yellow"),
            )
    for note in seg["comments"]:
        table.add_row(_("comment"), Text(f"{shown(note['author'])}: {shown(note['text'])}"))
    title = _("segment {n} · {state}").format(n=seg["n"], state=label(seg["state"]))
    return Panel(table, title=title, title_align="left")


def render(console: Console, view: dict[str, Any]) -> None:
    head = Text(
        f"#{view['document']} {view['slug']} [{view['lang']}] v{view['version']} · {label(view['state'])}",
        style="bold",
    )
    parts: list[Text | Panel] = [head]
    if view["reason"]:
        parts.append(Text(_("Rejected: {reason}").format(reason=shown(view["reason"])), style="red"))
    parts += [
        Text(_("comment by {author}: {text}").format(author=shown(c["author"]), text=shown(c["text"])))
        for c in view["comments"]
    ]
    console.print(Group(*parts))
    for seg in view["segments"]:
        console.print(segment_panel(seg, view["lang"]))


def _number(text: str) -> int:
    if not text.isdigit():
        raise click.UsageError(_("{text} is not a number").format(text=repr(text)))
    return int(text)


def work_on(app: App, view: dict[str, Any]) -> None:
    """Show the item and take decisions until it is approved, rejected, skipped, or the reviewer quits."""
    console = Console(highlight=False)
    item = {"document": view["slug"], "lang": view["lang"]}
    while True:
        render(console, view)
        console.print(Text(_(HELP), style="dim"))
        verb, args = _ask()
        try:
            if _finish(app, item, verb):
                return
            if not _act(app, item, view, verb, args):
                click.echo(_("Not understood. {help}").format(help=_(HELP)))
                continue
        except TrilingoError as exc:
            click.echo(_("Error: {message}").format(message=shown(retranslate(exc.message))), err=True)
        except click.ClickException as exc:
            click.echo(_("Error: {message}").format(message=shown(exc.format_message())), err=True)
        view = app.call("review.show", **item)


def _ask() -> tuple[str, list[str]]:
    """The reviewer's decision as a verb and its arguments; an empty answer quits."""
    answer = click.prompt(_("decision"), default="q", show_default=True).strip().split()
    return (answer[0].lower(), answer[1:]) if answer else ("q", [])


def _finish(app: App, item: dict[str, str], verb: str) -> bool:
    """Carry out a decision that ends the work on this item (quit, approve, reject, skip); False for others."""
    if verb == "q":
        click.echo(
            _("Still claimed by you; run `trilingo review next --lang {lang}` to resume.").format(
                lang=item["lang"]
            )
        )
    elif verb in ("a", "w"):
        reason = click.prompt(_("why are the warnings acceptable")) if verb == "w" else None
        out = app.call("review.approve", **item, accept_warnings=reason)
        click.echo(
            _("{slug} [{lang}]: approved ({detail})").format(
                slug=out["slug"], lang=out["lang"], detail=retranslate(out["detail"])
            )
        )
    elif verb == "r":
        reason = click.prompt(_("reason"))
        code = click.prompt(_("code"), default="other", type=click.Choice(REJECT_CODES))
        out = app.call("review.reject", **item, reason=reason, code=code)
        click.echo(
            _("{slug} [{lang}]: rejected ({detail})").format(
                slug=out["slug"], lang=out["lang"], detail=shown(retranslate(out["detail"]))
            )
        )
    elif verb == "k":
        app.call("review.release", **item)
        click.echo(_("Skipped: back in the queue."))
    else:
        return False
    return True


def _act(app: App, item: dict[str, str], view: dict[str, Any], verb: str, args: list[str]) -> bool:
    """Carry out a decision that keeps the item open (edit, suggestion, dismiss, comment); False if not one."""
    if verb == "e" and len(args) == 1:
        _edit_segment(app, item, view, _number(args[0]))
    elif verb == "s" and len(args) == 2:
        _edited(app.call("review.edit", **item, segment=_number(args[0]), suggestion=_number(args[1])))
    elif verb == "d" and len(args) == 2:
        reason = click.prompt(_("why does it not apply"))
        out = app.call("review.dismiss", **item, segment=_number(args[0]), check=args[1], reason=reason)
        click.echo(f"{out['slug']} [{out['lang']}]: {out['detail']}")
    elif verb == "c":
        out = app.call("review.comment", **item, text=click.prompt(_("comment")))
        click.echo(f"{out['slug']} [{out['lang']}]: {out['detail']}")
    else:
        return False
    return True


def _edit_segment(app: App, item: dict[str, str], view: dict[str, Any], n: int) -> None:
    """Segment N's draft, edited in $EDITOR and saved."""
    current = next((s for s in view["segments"] if s["n"] == n), None)
    if current is None:
        raise click.UsageError(_("{document} has no segment {n}").format(document=item["document"], n=n))
    text = edit_in_editor(current["source"], current["target"] or "", item["lang"])
    _edited(app.call("review.edit", **item, segment=n, text=text))


def _edited(out: dict[str, Any]) -> None:
    click.echo(
        _("{slug} [{lang}]: {detail}; now {state}").format(
            slug=out["slug"], lang=out["lang"], detail=retranslate(out["detail"]), state=label(out["state"])
        )
    )
    echo_checks(out["checks"])
