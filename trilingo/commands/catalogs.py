"""Offline review: export a language's waiting segments as a PO file, import the reviewed file back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from trilingo import i18n
from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.i18n import _, retranslate
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
        _(
            "{path}: {count} segment(s) in {lang}. Confirm entries by clearing their fuzzy mark ('Needs work' in "
            "Poedit), then run `trilingo catalogs import {path}`."
        ).format(path=output, count=out["count"], lang=lang),
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
            _(
                "{file} [{lang}]: {entries} entries, {edited} edited, {unchanged} unchanged, "
                "{approved} document(s) approved"
            ).format(
                file=file,
                lang=report["lang"],
                entries=report["entries"],
                edited=report["edited"],
                unchanged=report["unchanged"],
                approved=len(report["approved"]),
            )
        )
        for slug in report["approved"]:
            click.echo("  " + _("approved: {document}").format(document=shown(slug)))
        for item in report["not_approved"]:
            click.echo(
                "  "
                + _("not approved: {document}: {reason}").format(
                    document=shown(item["document"]), reason=shown(retranslate(item["reason"]))
                )
            )
        for item in report["refused"]:
            click.echo(
                "  "
                + _("refused: {context} (line {line}): {reason}").format(
                    context=shown(item["context"]),
                    line=item["line"],
                    reason=shown(retranslate(item["reason"])),
                )
            )
    if report["refused"]:
        refused, entries = len(report["refused"]), report["entries"]
        said = (
            _("all {entries} entries refused (listed above); nothing was applied").format(entries=entries)
            if refused == entries
            else _("{refused} of {entries} entries refused (listed above); the others were applied").format(
                refused=refused, entries=entries
            )
        )
        click.echo(_("Error: {message}").format(message=said), err=True)
        click.get_current_context().exit(1)


@catalogs.command("ui-status")
@json_option
def ui_status(as_json: bool) -> None:
    """The interface strings per language, the site's and the CLI's: untranslated, and fuzzy (waiting
    for a native review)."""
    # Deferred, like ui-extract's: polib, the templates and the commands serve only these strings.
    from trilingo import i18n_catalog
    from trilingo.channels import ui

    found: list[tuple[str, Any, Path]] = [("site", s, ui.po_path(s.lang)) for s in ui.status()]
    found += [("cli", s, i18n.po_path(s.lang)) for s in i18n_catalog.status()]
    if as_json:
        echo_json([{"domain": domain, **vars(s)} for domain, s, _path in found])
        return
    for domain, s, path in found:
        click.echo(
            _(
                "{lang}: {total} strings, {untranslated} untranslated, {fuzzy} fuzzy (needs a native review), "
                "{missing} missing from {path}"
            ).format(
                lang=f"{domain} {s.lang}",
                total=s.total,
                untranslated=len(s.untranslated),
                fuzzy=len(s.fuzzy),
                missing=len(s.missing),
                path=path,
            )
        )
        for msgid in s.missing:
            click.echo("  " + _("missing: {msgid}").format(msgid=shown(msgid)))
        for msgid in s.untranslated:
            click.echo("  " + _("untranslated: {msgid}").format(msgid=shown(msgid)))
    if any(s.fuzzy for _domain, s, _path in found):
        click.echo(
            _("Review fuzzy strings in the PO file (Poedit), clear their fuzzy mark, and commit the file.")
        )
    if any(s.missing for _domain, s, _path in found):
        click.get_current_context().exit(1)


@catalogs.command("ui-extract")
@summary_output
def ui_extract() -> None:
    """Write catalogs/trilingo.pot (the site's templates) and catalogs/trilingo-cli.pot (the CLI), and add
    new strings to each language's PO files."""
    import polib

    from trilingo import i18n_catalog
    from trilingo.channels.ui import catalogs_dir, po_path, template_pot

    pot = template_pot()
    pot.save(str(catalogs_dir() / "trilingo.pot"))
    for lang in ALL:
        po = polib.pofile(str(po_path(lang)), wrapwidth=0)
        po.merge(pot)
        po.save(str(po_path(lang)))
    click.echo(
        _("{path}: {count} strings; merged into {langs}").format(
            path=catalogs_dir() / "trilingo.pot", count=len(pot), langs=", ".join(ALL)
        )
    )
    cli_pot = i18n_catalog.template()
    i18n_catalog.merge(cli_pot)
    click.echo(
        _("{path}: {count} strings; merged into {langs}").format(
            path=i18n_catalog.pot_path(), count=len(cli_pot), langs=", ".join(ALL)
        )
    )
