"""Setting up and migrating the workspace database: init, db upgrade and db roles.

They work on the database itself, so SQLAlchemy loads with this module; the lazy group in cli.py keeps
it away from status, runs and the reviewers' commands."""

from __future__ import annotations

import click
from sqlalchemy.exc import DBAPIError

from trilingo.commands.common import App, as_option, pass_app, summary_output
from trilingo.databases import upgrade
from trilingo.i18n import _
from trilingo.identity import acting
from trilingo.languages import TARGETS
from trilingo.store import roles
from trilingo.store.db import create_database, database_error
from trilingo.workspace import check_not_lost, initialise, load_audit_key


@click.command()
@as_option
@pass_app
@summary_output
def init(app: App, as_user: str | None) -> None:
    """Set up the workspace: its folder, the database schema and the starter border glossary."""
    app.local_only("init")
    app.override(user=as_user)
    with acting(app.settings.caller):
        report = initialise(app.settings)
    if report.created:
        line = _("Workspace {home}: database {database} (created).")
    else:
        line = _("Workspace {home}: database {database} (already set up).")
    click.echo(line.format(home=report.home, database=report.database))
    click.echo(_("Glossary version {version}.").format(version=report.glossary_version))
    if report.admin:
        click.echo(
            _(
                "{user} is the workspace's first user and its admin. Add the team with "
                "`trilingo users add NAME --role editor|reviewer|operator|admin [--lang {langs}]`."
            ).format(user=app.settings.user, langs=",".join(TARGETS))
        )


@click.group("db")
def db_group() -> None:
    """The workspace database: its schema revision and migrations."""


@db_group.command("upgrade")
@pass_app
@summary_output
def db_upgrade(app: App) -> None:
    """Migrate the database to this Trilingo's schema (back it up first); makes the audit key if missing."""
    app.local_only("db upgrade")
    settings = app.settings
    check_not_lost(settings.home, settings.database_url)
    if not load_audit_key(settings, create=True):
        raise AssertionError("unreachable: load_audit_key makes one")
    db = create_database(settings.database_url)
    try:
        done = upgrade(db)
    finally:
        db.dispose()
    if done.before == done.after:
        click.echo(
            _("{database}: already at schema revision {revision}.").format(
                database=done.database, revision=done.after
            )
        )
    else:
        click.echo(
            _("{database}: schema revision {before} → {after}.").format(
                database=done.database, before=done.before or _("(none)"), after=done.after
            )
        )


@db_group.command("roles")
@click.option("--owner", default="trilingo_owner", show_default=True, help="The role that owns the schema.")
@click.option(
    "--app-role", default="trilingo_app", show_default=True, help="The role the server connects as."
)
@click.option("--apply", is_flag=True, help="Run the statements now (as a superuser or the schema's owner).")
@pass_app
def db_roles(app: App, owner: str, app_role: str, apply: bool) -> None:
    """PostgreSQL: print (or --apply) the GRANTs that keep the server's role from changing the schema or
    the audit log. Run it again after every `trilingo db upgrade`."""
    app.local_only("db roles")
    settings = app.settings
    check_not_lost(settings.home, settings.database_url)
    db = create_database(settings.database_url)
    try:
        with db.begin() as conn:
            found = roles.plan(conn, owner, app_role)
            if apply:
                roles.apply(conn, found)
    except DBAPIError as exc:
        raise database_error(exc, db) from None
    finally:
        db.dispose()
    if apply:
        click.echo(
            _(
                "Schema {schema}: owned by {owner}; {app} may read and write its data but not "
                "change the schema or the audit log ({count} statements applied)."
            ).format(schema=found.schema, owner=found.owner, app=found.app, count=len(found.statements)),
        )
        click.echo(
            _(
                "Run migrations as {owner} and the server as {app}; set their passwords with "
                "ALTER ROLE … PASSWORD (docs/deploy.md)."
            ).format(owner=found.owner, app=found.app),
            err=True,
        )
        return
    for statement in found.statements:
        click.echo(statement + ";")
