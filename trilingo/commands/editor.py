"""Editor commands: submit and retract. The pipeline that translates and publishes is commands.pipeline."""

from __future__ import annotations

from pathlib import Path

import click

from trilingo import progress
from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
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
@as_option
@json_option
@pass_app
@summary_output
def submit(
    app: App, files: tuple[Path, ...], force_language: bool, as_user: str | None, as_json: bool
) -> None:
    """Submit Vietnamese notices (Markdown with YAML front matter). All or nothing."""
    app.override(user=as_user)
    # Here, the workspace's own limit; a Trilingo server checks its own again.
    most = MAX_INPUT_BYTES if app.remote else app.settings.limits.notice_bytes
    with progress.bar("Reading notices", total=len(files), quiet=app.quiet or len(files) < PROGRESS_FROM):
        uploads = []
        for f in files:  # every file is checked before anything is stored
            uploads.append(Upload.read(f, max_bytes=most))
            progress.advance()
        results = app.call("submit", files=uploads, force_language=force_language)
    if as_json:
        echo_json(results)
        return
    for r in results:
        what = f"version {r['version']}" if r["created"] else f"unchanged (version {r['version']})"
        click.echo(
            f"{r['slug']} (#{r['id']}): {what}, {r['segments']} segments; to translate: "
            + ", ".join(f"{lang} {n}" for lang, n in r["changed"].items())
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
    where = f"the {done['channel']} channel" if done["channel"] else "every channel"
    click.echo(
        f"{done['slug']} [{', '.join(done['langs'])}]: retracted from {where} ({shown(done['reason'])})"
    )
    click.echo(f"  {len(removed)} file(s) removed" + (": " + ", ".join(removed[:8]) if removed else ""))
