"""Offline review: export a language's waiting segments as a PO file, import the reviewed file back."""

from __future__ import annotations

from pathlib import Path

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.languages import ALL, TARGETS, names_of
from trilingo.text.files import Upload, write_output
from trilingo.text.terminal import shown


@click.group()
def catalogs() -> None:
    """gettext PO files: offline review of translations in Poedit or Weblate, and the site's own strings."""


@catalogs.command("export")
@click.option("--lang", required=True, help=f"Target language: {names_of(TARGETS)}.")
@click.option(
    "--state",
    default="waiting",
    show_default=True,
    type=click.Choice(["waiting", "all"]),
    help="waiting: what the review queue holds; all: every document-language.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout)."
)
@as_option
@pass_app
def export_(app: App, lang: str, state: str, output: Path | None, as_user: str | None) -> None:
    """Write a PO file to review offline; machine drafts come flagged fuzzy."""
    app.override(user=as_user)
    out = app.call("catalogs.export", lang=lang, state=state)
    if output is None:
        click.echo(out["text"], nl=False)
        return

    write_output(output, out["text"])
    click.echo(
        f"{output}: {out['count']} segment(s) in {lang}. Confirm entries by clearing their fuzzy mark ('Needs work' in Poedit), then run `trilingo catalogs import {output}`.",
        err=True,
    )


@catalogs.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@as_option
@json_option
@pass_app
@summary_output
def import_(app: App, file: Path, as_user: str | None, as_json: bool) -> None:
    """Apply a reviewed PO file: edits through the usual checks; fully confirmed documents are approved."""
    # Deferred: catalogs.po loads the ORM, which `catalogs export` (one app.call) must not.
    from trilingo.catalogs.po import MAX_PO_BYTES, POError

    app.override(user=as_user)
    report = app.call("catalogs.import", file=Upload.read(file, POError, MAX_PO_BYTES))
    if as_json:
        echo_json(report)
    else:
        click.echo(
            f"{file} [{report['lang']}]: {report['entries']} entries, {report['edited']} edited, "
            f"{report['unchanged']} unchanged, {len(report['approved'])} document(s) approved"
        )
        for slug in report["approved"]:
            click.echo(f"  approved: {shown(slug)}")
        for item in report["not_approved"]:
            click.echo(f"  not approved: {shown(item['document'])}: {shown(item['reason'])}")
        for item in report["refused"]:
            click.echo(f"  refused: {shown(item['context'])} (line {item['line']}): {shown(item['reason'])}")
    if report["refused"]:
        refused, entries = len(report["refused"]), report["entries"]
        said = (
            f"all {entries} entries refused (listed above); nothing was applied"
            if refused == entries
            else f"{refused} of {entries} entries refused (listed above); the others were applied"
        )
        click.echo(f"Error: {said}", err=True)
        click.get_current_context().exit(1)


@catalogs.command("ui-status")
@json_option
def ui_status(as_json: bool) -> None:
    """The site's interface strings per language: untranslated, and fuzzy (waiting for a native review)."""
    # Deferred, like ui-extract's: polib and the site's templates serve only the interface strings.
    from trilingo.channels.ui import po_path, status

    found = status()
    if as_json:
        echo_json(found)
        return
    for s in found:
        click.echo(
            f"{s.lang}: {s.total} strings, {len(s.untranslated)} untranslated, {len(s.fuzzy)} fuzzy (needs a native "
            f"review), {len(s.missing)} missing from {po_path(s.lang)}"
        )
        for msgid in s.missing:
            click.echo(f"  missing: {shown(msgid)}")
        for msgid in s.untranslated:
            click.echo(f"  untranslated: {shown(msgid)}")
    if any(s.fuzzy for s in found):
        click.echo(
            "Review fuzzy strings in the PO file (Poedit), clear their fuzzy mark, and commit the file."
        )
    if any(s.missing for s in found):
        click.get_current_context().exit(1)


@catalogs.command("ui-extract")
@summary_output
def ui_extract() -> None:
    """Write catalogs/trilingo.pot from the templates and add new strings to each language's PO file."""
    import polib

    from trilingo.channels.ui import catalogs_dir, po_path, template_pot

    pot = template_pot()
    pot.save(str(catalogs_dir() / "trilingo.pot"))
    for lang in ALL:
        po = polib.pofile(str(po_path(lang)), wrapwidth=0)
        po.merge(pot)
        po.save(str(po_path(lang)))
    click.echo(f"{catalogs_dir() / 'trilingo.pot'}: {len(pot)} strings; merged into {', '.join(ALL)}")
