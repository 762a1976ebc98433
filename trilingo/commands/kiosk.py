"""Kiosk commands: search a bundle as a device would, and verify a copy against its manifest."""

from __future__ import annotations

from pathlib import Path

import click

from trilingo.channels.kiosk_bundle import search as run_search
from trilingo.channels.kiosk_bundle import verify as run_verify
from trilingo.commands.common import App, echo_json, json_option, pass_app
from trilingo.i18n import _
from trilingo.languages import ALL, names_of
from trilingo.text.terminal import shown


@click.group()
def kiosk() -> None:
    """The offline lookup bundle for the self-service kiosks."""


@kiosk.command()
@click.argument("query")
@click.option("--lang", help=f"Only this language: {names_of(ALL)}.")
@click.option(
    "--bundle",
    type=click.Path(path_type=Path),
    help="The bundle folder (default: the workspace's public/kiosk).",
)
@json_option
@pass_app
def search(app: App, query: str, lang: str | None, bundle: Path | None, as_json: bool) -> None:
    """Search the published notices in the kiosk bundle, and nothing else (no database, no server)."""
    result = run_search(bundle or app.settings.public_dir / "kiosk", query, lang)
    if as_json:
        echo_json(result)
        return
    if not result.hits:
        click.echo(_("No notice matches {query}.").format(query=repr(shown(result.query))))
    for hit in result.hits:
        click.echo(f"[{hit.lang}] {shown(hit.title)}  ({hit.slug}, {hit.updated})")
        if hit.summary:
            click.echo(f"     {shown(hit.summary)}")


@kiosk.command()
@click.argument("folder", type=click.Path(path_type=Path))
@json_option
def verify(folder: Path, as_json: bool) -> None:
    """Check a copy of the bundle against its manifest (every file and its SHA-256)."""
    done = run_verify(folder)
    if as_json:
        echo_json(done)
        return
    click.echo(
        _("{folder}: bundle {version}, {files} file(s) match the manifest").format(
            folder=folder, version=done.version, files=done.files
        )
    )
