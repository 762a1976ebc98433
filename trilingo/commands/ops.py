"""Operator commands: status, the local Prefect server, and the demo."""

from __future__ import annotations

import os

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app
from trilingo.text.terminal import shown


@click.command()
@as_option
@pass_app
def init(app: App, as_user: str | None) -> None:
    """Set up the workspace: its folder, the database schema and the starter border glossary."""
    from trilingo.workspace import initialise

    app.override(user=as_user)
    report = initialise(app.settings)
    state = "created" if report.created else "already set up"
    click.echo(f"Workspace {report.home}: database {report.database} ({state}).")
    click.echo(f"Glossary version {report.glossary_version}.")
    if report.admin:
        click.echo(
            f"{app.settings.user} is the workspace's first user and its admin. Add the team with "
            "`trilingo users add NAME --role editor|reviewer|operator|admin [--lang lo,zh]`."
        )


@click.group("db")
def db_group() -> None:
    """The workspace database: its schema revision and migrations."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Migrate the database to this Trilingo's schema (back it up first)."""
    from trilingo.store.db import create_database
    from trilingo.store.schema import upgrade
    from trilingo.workspace import check_not_lost

    settings = app.settings
    check_not_lost(settings.home, settings.database_url)
    db = create_database(settings.database_url)
    try:
        done = upgrade(db)
    finally:
        db.dispose()
    if done.before == done.after:
        click.echo(f"{done.database}: already at schema revision {done.after}.")
    else:
        click.echo(f"{done.database}: schema revision {done.before or '(none)'} → {done.after}.")


@click.command()
@json_option
@pass_app
def status(app: App, as_json: bool) -> None:
    """Counts by state and language, and the oldest item waiting for review."""
    from trilingo.channels.webhook import counts as webhook_counts
    from trilingo.review.status import status as load_status

    with app.session(write=False) as session:
        data = load_status(session)
        data["webhook"] = webhook_counts(session)
    data["four_eyes"] = app.settings.four_eyes
    if as_json:
        echo_json(data)
        return
    for lang, stale in data["out_of_date"].items():
        click.echo(
            f"OUT OF DATE [{lang}]: {stale['count']} live translation(s) of an older Vietnamese text, the oldest "
            f"since {stale['since'][:16]}Z ({stale['seconds'] / 3600:.1f} h): readers see a warning, or nothing in "
            "critical categories, until they are approved (`trilingo review queue` lists them first)"
        )
    click.echo(f"{data['documents']} document(s)")
    for state, by_lang in sorted(data["counts"].items()):
        click.echo(f"  {state:<14}" + "  ".join(f"{lang} {n}" for lang, n in sorted(by_lang.items())))
    if data["oldest_waiting"]:
        hours = data["oldest_waiting_seconds"] / 3600
        click.echo(f"Oldest waiting for review: since {data['oldest_waiting']} ({hours:.1f} h)")
    else:
        click.echo("Nothing is waiting for review.")
    hook = data["webhook"]
    if hook["pending"] or hook["dead"]:
        click.echo(
            f"WEBHOOK: {hook['pending']} event(s) waiting to be delivered, {hook['dead']} dead "
            f"(last error: {shown(str(hook['last_error']))}); `trilingo webhook retry` sends the dead ones again"
        )
    if not app.settings.four_eyes:
        click.echo(
            "The four-eyes rule is OFF: reviewers may approve their own edits "
            "(four_eyes in config.toml, or TRILINGO_FOUR_EYES)."
        )


@click.group()
def server() -> None:
    """The local Prefect server that records flow runs (UI at http://127.0.0.1:4200)."""


@server.command()
@pass_app
def start(app: App) -> None:
    """Start the server in the background (its home is inside the workspace)."""
    from trilingo import server as srv

    st = srv.start(app.settings, os.environ)
    click.echo(f"Prefect server running at {st.ui_url} (pid {st.pid or 'not ours'})")


@server.command()
@pass_app
def stop(app: App) -> None:
    """Stop the server Trilingo started."""
    from trilingo import server as srv

    click.echo(
        "Prefect server stopped." if srv.stop(app.settings) else "No Trilingo-managed server was running."
    )


@server.command(name="status")
@pass_app
def server_status(app: App) -> None:
    """Whether the server answers."""
    from trilingo import server as srv
    from trilingo.errors import UnavailableError

    st = srv.status(app.settings)
    if not st.running:
        raise UnavailableError(f"no Prefect server answers at {st.api_url}; run `trilingo server start`")
    click.echo(
        f"Prefect server running at {st.ui_url}"
        + (f" (pid {st.pid})" if st.pid else " (not started by Trilingo)")
    )


@click.command()
@pass_app
def demo(app: App) -> None:
    """Run the whole loop on the shipped samples: submit, pretranslate, review, publish."""
    from trilingo.commands.demo import run_demo

    run_demo(app, click.echo)


COMMANDS = [init, status, db_group, server, demo]
