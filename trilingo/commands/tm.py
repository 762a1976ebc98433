"""Commands: tm (translation memory import and export as TMX 1.4)."""

from __future__ import annotations

from pathlib import Path

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.i18n import _
from trilingo.languages import TARGETS
from trilingo.text.files import Upload, write_output


@click.group("tm")
def tm_group() -> None:
    """Translation memory: import and export TMX 1.4."""


@tm_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@as_option
@json_option
@pass_app
@summary_output
def import_command(app: App, file: Path, as_user: str | None, as_json: bool) -> None:
    """Add the vi → lo/zh pairs of FILE.tmx to the memory, flagged for native review."""
    # Deferred: tm.tmx loads the ORM; `tm export` (one app.call) needs none of it.
    from trilingo.tm.tmx import TMXError

    app.override(user=as_user)
    report = app.call("tm.import", file=Upload.read(file, TMXError))
    if as_json:
        echo_json(report)
        return
    click.echo(f"{file}: {report['summary']}")


@tm_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", "langs", multiple=True, type=click.Choice(TARGETS), help="Only this target language.")
@pass_app
@summary_output
def export_command(app: App, file: Path, langs: tuple[str, ...]) -> None:
    """Write the memory (vi → lo and zh) to FILE.tmx."""
    out = app.call("tm.export", langs=list(langs) or None)
    write_output(file, out["text"])
    click.echo(_("{file}: {count} pairs written").format(file=file, count=out["count"]))
