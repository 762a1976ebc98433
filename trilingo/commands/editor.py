"""Editor commands: submit and retract. The pipeline that translates and publishes is commands.pipeline."""

from __future__ import annotations

from pathlib import Path

import click

from trilingo import progress
from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.i18n import _, number, retranslate
from trilingo.languages import ALL, names_of
from trilingo.text.files import MAX_INPUT_BYTES, Upload
from trilingo.text.terminal import shown

PROGRESS_FROM = 20  # files: fewer go by before a bar would be drawn


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--force-language",
    is_flag=True,
    help="Store notices even if they do not look Vietnamese (the override is audited).",
)
@click.option(
    "--update",
    is_flag=True,
    help="A file without `slug:` whose title makes a stored notice's slug is a new version of that notice "
    "(without it, such a file is refused as a different notice).",
)
@as_option
@json_option
@pass_app
@summary_output
def submit(
    app: App,
    files: tuple[Path, ...],
    force_language: bool,
    update: bool,
    as_user: str | None,
    as_json: bool,
) -> None:
    """Submit Vietnamese notices (Markdown with YAML front matter). All or nothing."""
    app.override(user=as_user)
    # Here, the workspace's own limit; a Trilingo server checks its own again.
    most = MAX_INPUT_BYTES if app.remote else app.settings.limits.notice_bytes
    with progress.bar(_("Reading notices"), total=len(files), quiet=app.quiet or len(files) < PROGRESS_FROM):
        uploads = []
        for f in files:  # every file is checked before anything is stored
            uploads.append(Upload.read(f, max_bytes=most))
            progress.advance()
        results = app.call("submit", files=uploads, force_language=force_language, update=update)
    if as_json:
        echo_json(results)
        return
    for r in results:
        if r["created"]:
            line = _("{slug} (#{id}): version {version}, {segments} segments; to translate: {changed}")
        else:
            line = _(
                "{slug} (#{id}): unchanged (version {version}), {segments} segments; to translate: {changed}"
            )
        click.echo(
            line.format(
                slug=r["slug"],
                id=r["id"],
                version=r["version"],
                segments=number(r["segments"]),
                changed=", ".join(f"{lang} {number(n)}" for lang, n in r["changed"].items()),
            )
        )


@click.command()
@click.argument("document")
@click.option("--lang", help=f"Only this language ({names_of(ALL)}); default: every published language.")
@click.option(
    "--channel",
    help="Only this channel (web, print, kiosk, screens, or one the office added); default: every channel.",
)
@click.option("--reason", required=True, help="Why it comes down (kept in the audit log).")
@as_option
@json_option
@pass_app
@summary_output
def retract(
    app: App,
    document: str,
    lang: str | None,
    channel: str | None,
    reason: str,
    as_user: str | None,
    as_json: bool,
) -> None:
    """Take published content down now. It comes back only with a newly approved version."""
    app.override(user=as_user)
    out = app.call("retract", document=document, reason=reason, lang=lang, channel=channel)
    if as_json:
        echo_json(out)
        return
    done, removed = out["retracted"], out["removed"]
    if done["channel"]:
        line = _("{slug} [{langs}]: retracted from the {channel} channel ({reason})")
    else:
        line = _("{slug} [{langs}]: retracted from every channel ({reason})")
    click.echo(
        line.format(
            slug=done["slug"],
            langs=", ".join(done["langs"]),
            channel=done["channel"],
            reason=shown(retranslate(done["reason"])),
        )
    )
    if removed:
        click.echo(
            "  "
            + _("{count} file(s) removed: {files}").format(count=len(removed), files=", ".join(removed[:8]))
        )
    else:
        click.echo("  " + _("{count} file(s) removed").format(count=len(removed)))
