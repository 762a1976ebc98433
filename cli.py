"""The `trilingo` command: parse, call one core function, render. No logic lives here."""

from __future__ import annotations

import os
import sys

import click

from trilingo.commands.common import App
from trilingo.errors import ExitStatus, TrilingoError
from trilingo.text.terminal import shown, undecodable


class TrilingoGroup(click.Group):
    """Turns every TrilingoError, from any subcommand, into one `Error: …` line and its exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Python decodes bytes that are not UTF-8 into lone surrogates, which fail much later, when the
        # text is stored or printed. Every argument is checked here, before any command runs.
        for position, arg in enumerate(args, start=1):
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                raise click.ClickException(
                    f"not valid UTF-8 text on the command line: {undecodable(arg)} (argument {position})"
                ) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrilingoError as exc:
            click.echo(f"Error: {shown(exc.message)}", err=True)
            ctx.exit(int(exc.exit_status))


@click.group(cls=TrilingoGroup)
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
@click.version_option(package_name="trilingo")
@click.pass_context
def cli(ctx: click.Context, home: str | None, database_url: str | None, quiet: bool, verbose: bool) -> None:
    """Trilingo: Vietnamese → Lao and Chinese for Điện Biên's border gates.

    Editors submit, reviewers approve, operators watch the flow runs. NO_COLOR=1 turns colour off.
    """
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    if os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        ctx.color = False
    ctx.obj = App({"home": home, "database_url": database_url}, quiet=quiet, verbose=verbose)


def _register() -> None:
    from trilingo.commands import catalogs, editor, glossary, kiosk, ops, people, review, tm, webhook

    for module in (editor, review, people, catalogs, kiosk, webhook, ops, glossary, tm):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    try:
        cli.main(prog_name="trilingo")
    except TrilingoError as exc:  # raised while parsing, before a group could catch it
        click.echo(f"Error: {shown(exc.message)}", err=True)
        sys.exit(int(exc.exit_status))
    sys.exit(int(ExitStatus.OK))
