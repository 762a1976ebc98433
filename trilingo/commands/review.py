"""Reviewer commands: queue, show, edit, approve, reject."""

from __future__ import annotations

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app
from trilingo.text.terminal import shown

LANG = click.option("--lang", required=True, help="Target language: lo or zh.")


@click.group()
def review() -> None:
    """Review machine drafts: approve, fix or reject them."""


@review.command()
@click.option("--lang", help="Only this target language (lo or zh).")
@json_option
@pass_app
def queue(app: App, lang: str | None, as_json: bool) -> None:
    """Documents waiting for a reviewer, oldest first."""
    from trilingo.review.queue import queue as load_queue

    with app.session(write=False) as session:
        items = load_queue(session, lang)
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("The review queue is empty.")
    for i in items:
        blocked = f", {i.untranslated} untranslated" if i.untranslated else ""
        warned = f", {i.warnings} with warnings" if i.warnings else ""
        reason = f" — rejected: {shown(i.reason)}" if i.reason else ""
        click.echo(
            f"#{i.document} {i.slug} [{i.lang}] {i.state}, {i.segments} segments{blocked}{warned}, "
            f"waiting since {i.waiting_since:%Y-%m-%d %H:%M}Z{reason}"
        )


@review.command()
@click.argument("document")
@LANG
@json_option
@pass_app
def show(app: App, document: str, lang: str, as_json: bool) -> None:
    """Source and draft side by side, with origins, glossary terms and warnings."""
    from trilingo.commands.render import render_doc_view
    from trilingo.glossary.store import load
    from trilingo.review.queue import show as load_view

    with app.session(write=False) as session:
        view = load_view(session, document, lang, load(session))
    if as_json:
        echo_json(view)
    else:
        render_doc_view(view, color=None)


@review.command()
@click.argument("document")
@LANG
@click.option("--segment", "n", required=True, type=int, help="Segment number (see `review show`).")
@click.option("--text", required=True, help="The translation for this segment.")
@as_option
@pass_app
def edit(app: App, document: str, lang: str, n: int, text: str, as_user: str | None) -> None:
    """Write or fix the translation of one segment."""
    from trilingo.review.actions import edit as do_edit

    app.override(user=as_user)
    with app.session() as session:
        out = do_edit(session, document, lang, n, text, app.settings.user)
    click.echo(f"{out.slug} [{out.lang}]: {out.detail}; now {out.state}")


@review.command()
@click.argument("document")
@LANG
@as_option
@pass_app
def approve(app: App, document: str, lang: str, as_user: str | None) -> None:
    """Approve a translation; it goes out with the next publish."""
    from trilingo.review.actions import approve as do_approve

    app.override(user=as_user)
    with app.session() as session:
        out = do_approve(session, document, lang, app.settings.user)
    click.echo(f"{out.slug} [{out.lang}]: approved ({out.detail})")


@review.command()
@click.argument("document")
@LANG
@click.option("--reason", required=True, help="Why; the translator sees it.")
@as_option
@pass_app
def reject(app: App, document: str, lang: str, reason: str, as_user: str | None) -> None:
    """Send a translation back to work, with a reason."""
    from trilingo.review.actions import reject as do_reject

    app.override(user=as_user)
    with app.session() as session:
        out = do_reject(session, document, lang, reason, app.settings.user)
    click.echo(f"{out.slug} [{out.lang}]: rejected ({shown(out.detail)})")


COMMANDS = [review]
