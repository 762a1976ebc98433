"""Reviewer commands: queue, next, show, history, edit, approve, reject, dismiss, comment.

Each calls one operation (trilingo.service.review), here or on the Trilingo server, and prints its
JSON contract with --json or renders it; none of them imports Prefect."""

from __future__ import annotations

import sys
from typing import Any

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.commands.document_view import echo_checks, render_doc_view, when
from trilingo.commands.editing import new_text
from trilingo.commands.labels import label
from trilingo.i18n import _, number, retranslate
from trilingo.languages import TARGETS, names_of
from trilingo.review.states import REJECT_CODES
from trilingo.text.terminal import shown

LANG = click.option("--lang", required=True, help=f"Target language: {names_of(TARGETS)}.")
SEGMENT = click.option("--segment", "n", required=True, type=int, help="Segment number (see `review show`).")


@click.group()
def review() -> None:
    """Review machine drafts: approve, fix or reject them."""


@review.command()
@click.option("--lang", help=f"Only this target language ({names_of(TARGETS)}).")
@as_option
@json_option
@pass_app
def queue(app: App, lang: str | None, as_user: str | None, as_json: bool) -> None:
    """Documents waiting for a reviewer, oldest first."""
    app.override(user=as_user)
    items = app.call("review.queue", lang=lang)
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo(_("The review queue is empty."))
    for i in items:
        # Each optional clause carries its own separator, so a language can use its own punctuation.
        blocked = (
            _(", {count} untranslated").format(count=number(i["untranslated"])) if i["untranslated"] else ""
        )
        warned = _(", {count} with warnings").format(count=number(i["warnings"])) if i["warnings"] else ""
        claimed = _(", claimed by {who}").format(who=shown(i["claimed_by"])) if i["claimed_by"] else ""
        reason = _(" — rejected: {reason}").format(reason=shown(i["reason"])) if i["reason"] else ""
        stale = (
            _("OUT OF DATE since {since}: ").format(since=when(i["outdated_since"]))
            if i.get("outdated_since")
            else ""
        )
        click.echo(
            _(
                "{stale}#{document} {slug} [{lang}] {state}, {segments} segments"
                "{blocked}{warned}{claimed}, waiting since {since}{reason}"
            ).format(
                stale=stale,
                document=i["document"],
                slug=i["slug"],
                lang=i["lang"],
                state=label(i["state"]),
                segments=number(i["segments"]),
                blocked=blocked,
                warned=warned,
                claimed=claimed,
                since=when(i["waiting_since"]),
                reason=reason,
            )
        )


@review.command()
@click.argument("document")
@LANG
@click.option("--diff", is_flag=True, help="Also show what changed since the approved version.")
@as_option
@json_option
@pass_app
def show(app: App, document: str, lang: str, diff: bool, as_user: str | None, as_json: bool) -> None:
    """Source and draft side by side: glossary terms, checks, suggestions, comments."""
    app.override(user=as_user)
    view = app.call("review.show", document=document, lang=lang, diff=diff)
    if as_json:
        echo_json(view)
    else:
        render_doc_view(view, color=None)


@review.command()
@click.argument("document")
@LANG
@as_option
@json_option
@pass_app
def history(app: App, document: str, lang: str, as_user: str | None, as_json: bool) -> None:
    """Who did what, when: every edit (old and new text), decision and reason, oldest first."""
    app.override(user=as_user)
    events = app.call("review.history", document=document, lang=lang)
    if as_json:
        echo_json(events)
        return
    for e in events:
        who = (
            shown(e["actor"])
            if not e.get("via")
            else _("{via} as {actor}").format(via=shown(e["via"]), actor=shown(e["actor"]))
        )
        at = when(e["at"], seconds=True)
        if e["segment"] is not None:
            line = _("{at}  {who}  {action} segment {segment}").format(
                at=at, who=who, action=e["action"], segment=e["segment"]
            )
        else:
            line = f"{at}  {who}  {e['action']}"
        click.echo(line)
        if e["old"] is not None and e["action"] == "edit":
            click.echo("    " + _("was: {text}").format(text=shown(e["old"])))
        if e["new"] is not None and e["action"] in ("edit", "comment"):
            click.echo("    " + _("now: {text}").format(text=shown(e["new"])))
        if e["reason"]:
            click.echo("    " + _("reason: {reason}").format(reason=shown(e["reason"])))
        if e["action"] == "dismiss":
            click.echo("    " + _("check: {code}").format(code=shown(str(e["detail"].get("check")))))
    if not events:
        click.echo(_("No history."))


@review.command()
@click.argument("document")
@LANG
@SEGMENT
@click.option("--text", help="The translation for this segment; - reads it from standard input.")
@click.option("--editor", is_flag=True, help="Open $EDITOR on the current draft.")
@click.option("--use-suggestion", "k", type=int, help="Take memory suggestion K (numbered in `review show`).")
@click.option(
    "--expect", type=int, help="Refuse if the segment changed since this row version (from --json)."
)
@as_option
@json_option
@pass_app
@summary_output
def edit(
    app: App,
    document: str,
    lang: str,
    n: int,
    text: str | None,
    editor: bool,
    k: int | None,
    expect: int | None,
    as_user: str | None,
    as_json: bool,
) -> None:
    """Write or fix the translation of one segment, and see its checks."""
    if sum(x for x in (text is not None, editor, k is not None)) != 1:
        raise click.UsageError(_("give exactly one of --text, --editor or --use-suggestion"))
    app.override(user=as_user)
    new = None if k is not None else new_text(app, document, lang, n, text, editor)
    out = app.call(
        "review.edit", document=document, lang=lang, segment=n, text=new, suggestion=k, expect=expect
    )
    if as_json:
        echo_json(out)
        return
    click.echo(
        _("{slug} [{lang}]: {detail}; now {state}").format(
            slug=out["slug"], lang=out["lang"], detail=retranslate(out["detail"]), state=label(out["state"])
        )
    )
    echo_checks(out["checks"])


@review.command()
@click.argument("document")
@LANG
@click.option("--accept-warnings", is_flag=True, help="Approve despite open warnings (needs --reason).")
@click.option("--reason", help="Why the warnings are acceptable (with --accept-warnings).")
@as_option
@json_option
@pass_app
@summary_output
def approve(
    app: App,
    document: str,
    lang: str,
    accept_warnings: bool,
    reason: str | None,
    as_user: str | None,
    as_json: bool,
) -> None:
    """Approve a translation; it goes out with the next publish."""
    if accept_warnings and not reason:
        raise click.UsageError(_('--accept-warnings needs --reason "…"'))
    if reason and not accept_warnings:
        raise click.UsageError(_("--reason goes with --accept-warnings"))
    app.override(user=as_user)
    out = app.call("review.approve", document=document, lang=lang, accept_warnings=reason)
    if as_json:
        echo_json(out)
        return
    click.echo(
        _("{slug} [{lang}]: approved ({detail})").format(
            slug=out["slug"], lang=out["lang"], detail=retranslate(out["detail"])
        )
    )


@review.command()
@click.argument("document")
@LANG
@click.option(
    "--code",
    default="other",
    show_default=True,
    type=click.Choice(REJECT_CODES),
    help="The kind of problem.",
)
@click.option("--reason", required=True, help="Why; the translator sees it until the next approval.")
@as_option
@json_option
@pass_app
@summary_output
def reject(
    app: App, document: str, lang: str, code: str, reason: str, as_user: str | None, as_json: bool
) -> None:
    """Send a translation back to work, with a reason."""
    app.override(user=as_user)
    out = app.call("review.reject", document=document, lang=lang, reason=reason, code=code)
    if as_json:
        echo_json(out)
        return
    click.echo(
        _("{slug} [{lang}]: rejected ({detail})").format(
            slug=out["slug"], lang=out["lang"], detail=shown(retranslate(out["detail"]))
        )
    )


@review.command()
@click.argument("document")
@LANG
@SEGMENT
@click.option("--check", "code", required=True, help="The warning's code, e.g. numbers (see `review show`).")
@click.option("--reason", required=True, help="Why this warning does not apply.")
@as_option
@json_option
@pass_app
@summary_output
def dismiss(
    app: App, document: str, lang: str, n: int, code: str, reason: str, as_user: str | None, as_json: bool
) -> None:
    """Dismiss one warning on one segment (it comes back if the text changes)."""
    app.override(user=as_user)
    out = app.call("review.dismiss", document=document, lang=lang, segment=n, check=code, reason=reason)
    if as_json:
        echo_json(out)
        return
    click.echo(f"{out['slug']} [{out['lang']}]: {out['detail']}")


@review.command()
@click.argument("document")
@LANG
@click.option("--segment", "n", type=int, help="On one segment (default: the whole document).")
@click.argument("text")
@as_option
@json_option
@pass_app
@summary_output
def comment(
    app: App, document: str, lang: str, n: int | None, text: str, as_user: str | None, as_json: bool
) -> None:
    """Leave a note for editors and reviewers (shown by `show` and `next`)."""
    app.override(user=as_user)
    out = app.call("review.comment", document=document, lang=lang, text=text, segment=n)
    if as_json:
        echo_json(out)
        return
    click.echo(f"{out['slug']} [{out['lang']}]: {out['detail']}")


@review.command("next")
@LANG
@click.option("--minutes", default=30, show_default=True, help="How long the claim lasts.")
@as_option
@json_option
@pass_app
def next_(app: App, lang: str, minutes: int, as_user: str | None, as_json: bool) -> None:
    """Claim the oldest waiting item in LANG and work on it.

    On a terminal it walks you through the item; otherwise (or with --json) it prints the claimed item
    and you act with `review edit|approve|reject`."""
    app.override(user=as_user)
    view: Any = app.call("review.next", lang=lang, minutes=minutes)
    if view is None:
        if as_json:
            echo_json(None)
        else:
            click.echo(_("Nothing is waiting in {lang}.").format(lang=lang))
        return
    if as_json or not (sys.stdin.isatty() and sys.stdout.isatty()):
        if as_json:
            echo_json(view)
        else:
            render_doc_view(view, color=None)
            click.echo(
                "\n"
                + _(
                    "Claimed for {minutes} minutes. Act with `trilingo review edit|approve|reject "
                    "{slug} --lang {lang}`."
                ).format(minutes=minutes, slug=view["slug"], lang=lang)
            )
        return
    # Deferred: rich, which only a terminal session needs; pipes and --json never load it.
    from trilingo.commands.interactive import work_on

    work_on(app, view)
