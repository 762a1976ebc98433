"""Admin commands: the people of a workspace, their roles and languages."""

from __future__ import annotations

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.text.terminal import shown


@click.group()
def users() -> None:
    """Who may do what: editors, reviewers (per language), operators, admins."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["editor", "reviewer", "operator", "admin"]),
    help="What they do.",
)
@click.option("--lang", "langs", default="", help="Languages a reviewer reviews: lo, zh or lo,zh.")
@as_option
@json_option
@pass_app
@summary_output
def add(app: App, name: str, role: str, langs: str, as_user: str | None, as_json: bool) -> None:
    """Add a person, or change a known person's role and languages (admins only)."""
    from trilingo.people import add_user
    from trilingo.store.models import Role

    app.override(user=as_user)
    wanted = [x.strip() for x in langs.split(",") if x.strip()]
    with app.session() as session:
        person = add_user(session, app.settings.user, name, Role(role), wanted)
    if as_json:
        echo_json(person)
        return
    where = f" for {', '.join(person.langs)}" if person.langs else ""
    click.echo(f"{shown(person.name)}: {person.role.value}{where}")


@users.command("list")
@as_option
@json_option
@pass_app
def list_(app: App, as_user: str | None, as_json: bool) -> None:
    """Everyone in this workspace."""
    from trilingo.people import authorize, list_users

    app.override(user=as_user)
    with app.session(write=False) as session:
        authorize(session, app.settings.user, "read")
        people = list_users(session)
    if as_json:
        echo_json(people)
        return
    if not people:
        click.echo("Nobody yet: the first person to change something becomes the admin.")
    for p in people:
        langs = f" ({', '.join(p.langs)})" if p.langs else ""
        off = "  DISABLED" if p.disabled else ""
        click.echo(f"{shown(p.name):<24} {p.role.value}{langs}{off}")


@users.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable them again instead.")
@as_option
@json_option
@pass_app
@summary_output
def disable(app: App, name: str, enable: bool, as_user: str | None, as_json: bool) -> None:
    """Stop a person from acting (their history stays); --enable undoes it."""
    from trilingo.people import set_disabled

    app.override(user=as_user)
    with app.session() as session:
        person = set_disabled(session, app.settings.user, name, disabled=not enable)
    if as_json:
        echo_json(person)
        return
    click.echo(f"{shown(person.name)}: {'disabled' if person.disabled else 'enabled'}")


COMMANDS = [users]
