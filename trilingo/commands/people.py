"""People and the rules that protect the public: users and their tokens, logging in to a Trilingo server,
the workspace's settings, and the audit log's check."""

from __future__ import annotations

import os
import sys

import click

from trilingo import client, i18n
from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.commands.document_view import when
from trilingo.commands.labels import label
from trilingo.errors import InputError
from trilingo.i18n import _
from trilingo.languages import TARGETS, names_of
from trilingo.text.terminal import shown


@click.group()
def users() -> None:
    """Who may do what: editors, reviewers (per language), operators, admins; their API tokens."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["editor", "reviewer", "operator", "admin"]),
    help="What they do.",
)
@click.option(
    "--lang",
    "langs",
    default="",
    help=f"Languages a reviewer reviews, comma-separated: {names_of(TARGETS)} (e.g. {','.join(TARGETS)}).",
)
@click.option(
    "--ui-lang",
    metavar="LANG",
    help="The language Trilingo speaks to them: en, vi, lo or zh (default: their machine's locale).",
)
@as_option
@json_option
@pass_app
@summary_output
def add(
    app: App, name: str, role: str, langs: str, ui_lang: str | None, as_user: str | None, as_json: bool
) -> None:
    """Add a person, or change a known person's role and languages (admins only)."""
    app.override(user=as_user)
    wanted = [x.strip() for x in langs.split(",") if x.strip()]
    person = app.call("users.add", name=name, role=role, langs=wanted, ui_lang=ui_lang)
    if as_json:
        echo_json(person)
        return
    if person["langs"]:
        click.echo(
            _("{name}: {role} for {langs}").format(
                name=shown(person["name"]), role=label(person["role"]), langs=", ".join(person["langs"])
            )
        )
    else:
        click.echo(f"{shown(person['name'])}: {label(person['role'])}")


@users.command("set")
@click.argument("name", required=False)
@click.option(
    "--ui-lang",
    required=True,
    metavar="LANG",
    help="en, vi, lo or zh; auto: as the machine's locale says.",
)
@as_option
@json_option
@pass_app
@summary_output
def set_(app: App, name: str | None, ui_lang: str, as_user: str | None, as_json: bool) -> None:
    """Your own settings (an admin: anyone's): the language Trilingo speaks to you."""
    app.override(user=as_user)
    person = app.call("users.set", name=name, ui_lang=ui_lang)
    if as_json:
        echo_json(person)
        return
    if name is None:
        i18n.prefer(person["ui_lang"])  # the answer already speaks the new language
    if person["ui_lang"]:
        said = _("Trilingo now speaks {language} to {name}.")
    else:
        said = _("Trilingo now speaks to {name} in the language of their machine's locale.")
    click.echo(said.format(language=i18n.language_name(person["ui_lang"] or ""), name=shown(person["name"])))


@users.command("list")
@as_option
@json_option
@pass_app
def list_(app: App, as_user: str | None, as_json: bool) -> None:
    """Everyone in this workspace."""
    app.override(user=as_user)
    people = app.call("users.list")
    if as_json:
        echo_json(people)
        return
    if not people:
        click.echo(_("Nobody yet: the first person to change something becomes the admin."))
    for p in people:
        langs = f" ({', '.join(p['langs'])})" if p["langs"] else ""
        off = "  " + _("DISABLED") if p["disabled"] else ""
        click.echo(f"{shown(p['name']):<24} {label(p['role'])}{langs}{off}")


@users.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable them again instead.")
@as_option
@json_option
@pass_app
@summary_output
def disable(app: App, name: str, enable: bool, as_user: str | None, as_json: bool) -> None:
    """Stop a person from acting, and their tokens from working (their history stays); --enable undoes it."""
    app.override(user=as_user)
    person = app.call("users.disable", name=name, enable=enable)
    if as_json:
        echo_json(person)
        return
    said = _("{name}: disabled") if person["disabled"] else _("{name}: enabled")
    click.echo(said.format(name=shown(person["name"])))


@users.command("token")
@click.argument("name")
@click.option("--expires", help="How long it works: 90d (the default), 12h, or never.")
@click.option("--name", "label", default="", help="What it is for (laptop, poedit at home).")
@as_option
@json_option
@pass_app
def token(app: App, name: str, expires: str | None, label: str, as_user: str | None, as_json: bool) -> None:
    """Make a personal API token for NAME (admins only). It is printed once and never again."""
    app.override(user=as_user)
    made = app.call("users.token", name=name, expires=expires, label=label)
    if as_json:
        echo_json(made)
        return
    info = made["info"]
    click.echo(made["token"])
    if info["expires_at"]:
        said = _(
            "Token {prefix} for {user}, until {expires}. It is shown only now: hand it over privately; they "
            "run `trilingo login URL` and paste it. `trilingo users revoke {prefix}` stops it."
        )
    else:
        said = _(
            "Token {prefix} for {user}, with no expiry. It is shown only now: hand it over privately; they "
            "run `trilingo login URL` and paste it. `trilingo users revoke {prefix}` stops it."
        )
    expires = when(info["expires_at"]) if info["expires_at"] else ""
    click.echo(said.format(prefix=info["prefix"], user=shown(info["user"]), expires=expires), err=True)


@users.command("tokens")
@click.argument("name", required=False)
@as_option
@json_option
@pass_app
def tokens_(app: App, name: str | None, as_user: str | None, as_json: bool) -> None:
    """API tokens (never their text): everyone's for an admin, your own for anyone else."""
    app.override(user=as_user)
    found = app.call("users.tokens", name=name)
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo(_("No tokens."))
    for t in found:
        expires = when(t["expires_at"]) if t["expires_at"] else _("never")
        used = when(t["last_used_at"]) if t["last_used_at"] else _("never")
        label = f"  ({shown(t['name'])})" if t["name"] else ""
        click.echo(
            _("{prefix}  {user} {state} made {made}, last used {used}, expires {expires}").format(
                prefix=t["prefix"],
                user=f"{shown(t['user']):<16}",
                state=f"{t['state']:<8}",
                made=when(t["created_at"]),
                used=used,
                expires=expires,
            )
            + label
        )


@users.command("revoke")
@click.argument("prefix")
@as_option
@json_option
@pass_app
@summary_output
def revoke(app: App, prefix: str, as_user: str | None, as_json: bool) -> None:
    """Revoke an API token at once (yours, or anyone's for an admin), by its prefix."""
    app.override(user=as_user)
    t = app.call("users.revoke", prefix=prefix)
    if as_json:
        echo_json(t)
        return
    click.echo(
        _("Token {prefix} of {user}: {state}").format(
            prefix=t["prefix"], user=shown(t["user"]), state=t["state"]
        )
    )


@click.command()
@as_option
@json_option
@pass_app
def whoami(app: App, as_user: str | None, as_json: bool) -> None:
    """Who you are to Trilingo: your name, role and languages, and where you work (here or a server)."""
    app.override(user=as_user)
    me = app.call("whoami")
    if as_json:
        echo_json(me)
        return
    who = (
        _("{via} as {name}").format(via=shown(me["via"]), name=shown(me["name"]))
        if me["via"]
        else shown(me["name"])
    )
    where = _("on {server}").format(server=app.transport.server) if app.remote else _("on this machine")
    said = _("{who}: {role} for {langs}, {where}") if me["langs"] else _("{who}: {role}, {where}")
    click.echo(said.format(who=who, role=label(me["role"]), langs=", ".join(me["langs"]), where=where))


@click.command()
@click.argument("url")
@click.option("--token-stdin", is_flag=True, help="Read the token from standard input (for scripts).")
def login(url: str, token_stdin: bool) -> None:
    """Work through the Trilingo server at URL with your personal token (asked for, never echoed)."""
    server = client.check_server_url(url)
    if token_stdin or not sys.stdin.isatty():
        secret = sys.stdin.readline().strip()
    else:
        secret = click.prompt(_("Token (from `trilingo users token` on the server)"), hide_input=True).strip()
    if not secret:
        raise InputError(_("no token was given"))
    transport = client.RemoteTransport(client.Login(server, secret), env=os.environ)
    me = transport.call("whoami")
    path = client.save_login(os.environ, client.Login(server, secret))
    if me["langs"]:
        said = _("Logged in to {server} as {name} ({role} for {langs}); saved in {path}.")
    else:
        said = _("Logged in to {server} as {name} ({role}); saved in {path}.")
    click.echo(
        said.format(
            server=server,
            name=shown(me["name"]),
            role=label(me["role"]),
            langs=", ".join(me["langs"]),
            path=path,
        )
    )


@click.command()
def logout() -> None:
    """Forget the saved login: commands work on a local workspace again."""
    path = client.login_file(os.environ)
    if path.exists():
        path.unlink()
        click.echo(_("Logged out (removed {path}).").format(path=path))
    else:
        click.echo(_("Not logged in."))


@click.group("settings")
def settings_group() -> None:
    """The workspace's rules that protect the public (the four-eyes rule): admins change them."""


@settings_group.command("show")
@json_option
@pass_app
def settings_show(app: App, as_json: bool) -> None:
    """Every rule, its value, and who set it when."""
    found = app.call("settings.show")
    if as_json:
        echo_json(found)
        return
    for v in found:
        value = {True: "on", False: "off"}.get(v["value"], str(v["value"]))
        if v["default"]:
            said = _("{key} = {value} (default): {means}").format(key=v["key"], value=value, means=v["means"])
        else:
            said = _("{key} = {value} (set by {user} {when}): {means}").format(
                key=v["key"],
                value=value,
                user=shown(v["updated_by"]),
                when=when(v["updated_at"]),
                means=v["means"],
            )
        click.echo(said)


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@as_option
@json_option
@pass_app
@summary_output
def settings_set(app: App, key: str, value: str, reason: str, as_user: str | None, as_json: bool) -> None:
    """Change a rule (admins only), e.g. `settings set four_eyes off --reason "one-person office"`."""
    app.override(user=as_user)
    v = app.call("settings.set", key=key, value=value, reason=reason)
    if as_json:
        echo_json(v)
        return
    shown_value = {True: "on", False: "off"}.get(v["value"], str(v["value"]))
    click.echo(f"{v['key']} = {shown_value}: {v['means']}")


@click.group("audit")
def audit_group() -> None:
    """The audit log: a chain of MACs that a person with the database alone cannot forge."""


@audit_group.command("verify")
@json_option
@pass_app
def audit_verify(app: App, as_json: bool) -> None:
    """Walk the chain and name every event that was deleted, inserted, changed or reordered (exit 1)."""
    found = app.call("audit.verify")
    if as_json:
        echo_json(found)
    else:
        if found["ok"]:
            if found["before_chain"]:
                said = _(
                    "The audit log verifies: {events} event(s), after {before} from before the chain, up to #{head}."
                )
            else:
                said = _("The audit log verifies: {events} event(s), up to #{head}.")
            click.echo(said.format(events=found["events"], before=found["before_chain"], head=found["head"]))
        for problem in found["problems"][:20]:
            click.echo(f"  {shown(problem)}")
    if not found["ok"]:
        raise InputError(_("the audit log does not verify: {problem}").format(problem=found["problems"][0]))
