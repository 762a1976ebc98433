"""Commands: tm (translation memory import and export as TMX 1.4)."""

from __future__ import annotations

from pathlib import Path

import click

from trilingo.commands.common import App, as_option, pass_app, summary_output
from trilingo.languages import TARGETS


@click.group("tm")
def tm_group() -> None:
    """Translation memory: import and export TMX 1.4."""


@tm_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@as_option
@pass_app
@summary_output
def import_command(app: App, file: Path, as_user: str | None) -> None:
    """Add the vi → lo/zh pairs of FILE.tmx to the memory, flagged for native review."""
    from trilingo.tm.tmx import import_tmx

    app.override(user=as_user)
    with app.session() as session:
        report = import_tmx(session, file, app.settings.user)
    click.echo(f"{file}: {report.line()}")


@tm_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", "langs", multiple=True, type=click.Choice(TARGETS), help="Only this target language.")
@pass_app
@summary_output
def export_command(app: App, file: Path, langs: tuple[str, ...]) -> None:
    """Write the memory (vi → lo and zh) to FILE.tmx."""
    from trilingo.tm.tmx import export_tmx

    with app.session(write=False) as session:
        count = export_tmx(session, file, langs or TARGETS)
    click.echo(f"{file}: {count} pairs written")


COMMANDS = [tm_group]
