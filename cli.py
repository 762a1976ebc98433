"""The `trilingo` command: parse, call one core function, render. No logic lives here."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import click

from trilingo import bytecode, i18n
from trilingo.commands.common import App
from trilingo.errors import ExitStatus, TrilingoError
from trilingo.text.terminal import shown, undecodable

i18n.install_click()

# Each command by name: where it lives ("module:attribute") and the first paragraph of its help.
# `trilingo --help` lists them from here, and a command's module is imported only when that command runs
# or shows its own help, so a cold `trilingo review queue` loads neither Prefect nor the ORM.
# tests/test_refactor_cli_lazy.py checks this table against the commands themselves.
COMMANDS: dict[str, tuple[str, str]] = {
    "api": (
        "trilingo.commands.api:api_command",
        "Serve the Trilingo API: people work through it with personal tokens, not the database's password.",
    ),
    "audit": (
        "trilingo.commands.people:audit_group",
        "The audit log: a chain of MACs that a person with the database alone cannot forge.",
    ),
    "catalogs": (
        "trilingo.commands.catalogs:catalogs",
        "gettext PO files: offline review of translations in Poedit or Weblate, and the site's own strings.",
    ),
    "db": ("trilingo.commands.db:db_group", "The workspace database: its schema revision and migrations."),
    "demo": (
        "trilingo.commands.demo:demo",
        "Run the whole loop on the shipped samples: submit, pretranslate, review, publish.",
    ),
    "deploy": (
        "trilingo.commands.pipeline:deploy",
        "Register the pipeline's deployments in a work pool, for Prefect workers (docs/scale-out.md).",
    ),
    "glossary": (
        "trilingo.commands.glossary:glossary_group",
        "The border glossary: terms in every language, with status and confidence.",
    ),
    "guide": (
        "trilingo.commands.guide:guide",
        "A short guide to your work, in your language: editor, reviewer or operator.",
    ),
    "init": (
        "trilingo.commands.db:init",
        "Set up the workspace: its folder, the database schema and the starter border glossary.",
    ),
    "kiosk": ("trilingo.commands.kiosk:kiosk", "The offline lookup bundle for the self-service kiosks."),
    "login": (
        "trilingo.commands.people:login",
        "Work through the Trilingo server at URL with your personal token (asked for, never echoed).",
    ),
    "logout": (
        "trilingo.commands.people:logout",
        "Forget the saved login: commands work on a local workspace again.",
    ),
    "pretranslate": (
        "trilingo.commands.pipeline:pretranslate",
        "Pretranslate everything waiting (or the named documents) now, as a Prefect flow run.",
    ),
    "publish": (
        "trilingo.commands.pipeline:publish",
        "Publish approved translations (and the Vietnamese originals) to the channels.",
    ),
    "retract": (
        "trilingo.commands.editor:retract",
        "Take published content down now. It comes back only with a newly approved version.",
    ),
    "review": ("trilingo.commands.review:review", "Review machine drafts: approve, fix or reject them."),
    "runs": (
        "trilingo.commands.ops:runs",
        "Recent flow runs, newest first, from the Prefect server (future scheduled runs are hidden).",
    ),
    "serve": (
        "trilingo.commands.pipeline:serve_command",
        "Run the pipeline by itself until Ctrl-C: pretranslate what is submitted, publish what is approved.",
    ),
    "server": ("trilingo.commands.server:server", "The local Prefect server that records flow runs."),
    "settings": (
        "trilingo.commands.people:settings_group",
        "The workspace's rules that protect the public (the four-eyes rule): admins change them.",
    ),
    "status": (
        "trilingo.commands.ops:status",
        "Where Trilingo is working, the backlog, failures, and what each channel last published.",
    ),
    "submit": (
        "trilingo.commands.editor:submit",
        "Submit Vietnamese notices (Markdown with YAML front matter). All or nothing.",
    ),
    "tm": ("trilingo.commands.tm:tm_group", "Translation memory: import and export TMX 1.4."),
    "users": (
        "trilingo.commands.people:users",
        "Who may do what: editors, reviewers (per language), operators, admins; their API tokens.",
    ),
    "webhook": ("trilingo.commands.webhook:webhook", "Events for the provincial portal (HMAC-signed POSTs)."),
    "whoami": (
        "trilingo.commands.people:whoami",
        "Who you are to Trilingo: your name, role and languages, and where you work (here or a server).",
    ),
}


def load(where: str) -> click.Command:
    """Import a command's module and return the command; `where` is "module:attribute"."""
    module_name, attribute = where.split(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{where} is not a click command")
    return i18n.localize(command)


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands, each imported the first time it is looked up.

    Everything that reads a group's `commands` (click itself, shell completion, tests) sees every
    command; only the ones it touches are imported. Membership and listing never import anything."""

    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        self.table = table
        self.loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.loaded:
            if name not in self.table:
                raise KeyError(name)
            self.loaded[name] = load(self.table[name][0])
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.loaded.pop(name, None)
        self.table = {k: v for k, v in self.table.items() if k != name}

    def __contains__(self, name: object) -> bool:
        return name in self.table or name in self.loaded

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*self.table, *self.loaded}))

    def __len__(self) -> int:
        return len({*self.table, *self.loaded})

    def listed(self, name: str) -> click.Command:
        """The command as `--help` lists it: the loaded one, or a stand-in with the help from the table."""
        if name in self.loaded:
            return self.loaded[name]
        return click.Command(name, help=i18n.help_text(self.table[name][1]))


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, from a table of name → "module:attribute"."""

    def __init__(self, *args: Any, lazy_commands: dict[str, tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = LazyCommands(dict(lazy_commands or {}))
        for name, command in self.commands.items():
            self.lazy[name] = command
        self.commands = self.lazy

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        i18n.localize(self)  # `--help` exits before the group's callback could localise it
        super().format_help(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click.Group's, but from the table: listing every command must not import every command.
        commands = [(name, self.lazy.listed(name)) for name in self.list_commands(ctx)]
        commands = [(name, cmd) for name, cmd in commands if not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, cmd.get_short_help_str(limit)) for name, cmd in commands]
            with formatter.section(i18n._("Commands")):
                formatter.write_dl(rows)


class TrilingoGroup(LazyGroup):
    """Turns every TrilingoError, from any subcommand, into one `Error: …` line and its exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Python decodes bytes that are not UTF-8 into lone surrogates, which fail much later, when the
        # text is stored or printed. Every argument is checked here, before any command runs.
        for position, arg in enumerate(args, start=1):
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                raise click.ClickException(
                    i18n._("not valid UTF-8 text on the command line: {text} (argument {position})").format(
                        text=undecodable(arg), position=position
                    )
                ) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrilingoError as exc:
            click.echo(
                i18n._("Error: {message}").format(message=shown(i18n.retranslate(exc.message))), err=True
            )
            ctx.exit(int(exc.exit_status))


def _choose_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    if i18n.normalise(value) is None:
        raise click.BadParameter(
            i18n._("{value} is not a language Trilingo speaks (en, vi, lo or zh)").format(value=value)
        )
    i18n.use(value)
    i18n.localize(ctx.command)


@click.group(cls=TrilingoGroup, lazy_commands=COMMANDS)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    help="Workspace folder (default: $TRILINGO_HOME or ./.trilingo).",
)
@click.option(
    "--database-url", help="Database URL (default: SQLite in the workspace; or $TRILINGO_DATABASE_URL)."
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Only errors and the output asked for: no progress, notes or summaries.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also print notes on what is happening, and Prefect's own log lines.",
)
@click.option(
    "--ui-lang",
    metavar="LANG",
    expose_value=False,
    is_eager=True,
    callback=_choose_language,
    help="The language Trilingo speaks to you: en, vi, lo or zh (default: $TRILINGO_UI_LANG, then $LANG).",
)
@click.version_option(package_name="trilingo")
@click.pass_context
def cli(ctx: click.Context, home: str | None, database_url: str | None, quiet: bool, verbose: bool) -> None:
    """Trilingo: Vietnamese → Lao and Chinese for Điện Biên's border gates.

    Editors submit, reviewers approve, operators watch the flow runs. NO_COLOR=1 turns colour off.
    """
    if quiet and verbose:
        raise click.UsageError(i18n._("--quiet and --verbose cannot be used together"))
    if os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        ctx.color = False
    ctx.obj = App({"home": home, "database_url": database_url}, quiet=quiet, verbose=verbose)


def _announce_compiling() -> None:
    click.echo(
        i18n._("Preparing Trilingo on this machine, once after an install: compiling Python files…"), err=True
    )


def main() -> None:
    i18n.use(*i18n.decide(sys.argv[1:]))
    bytecode.ensure_compiled(_announce_compiling)
    try:
        cli.main(prog_name="trilingo")
    except TrilingoError as exc:  # raised while parsing, before a group could catch it
        click.echo(i18n._("Error: {message}").format(message=shown(i18n.retranslate(exc.message))), err=True)
        sys.exit(int(exc.exit_status))
    sys.exit(int(ExitStatus.OK))
