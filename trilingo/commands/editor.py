"""Editor and pipeline commands: submit, pretranslate, publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.languages import ALL, TARGETS, names_of
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
    from trilingo import progress
    from trilingo.text.files import MAX_INPUT_BYTES, Upload

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
@click.argument("documents", nargs=-1)
@click.option("--engine", help="memory (offline, default), google, microsoft, mymemory, libre, baidu.")
@click.option("--libre-url", help="LibreTranslate server URL (for --engine libre).")
@click.option(
    "--lang", "langs", multiple=True, help=f"Only this target language ({names_of(TARGETS)}); repeatable."
)
@json_option
@pass_app
@summary_output
def pretranslate(
    app: App,
    documents: tuple[str, ...],
    engine: str | None,
    libre_url: str | None,
    langs: tuple[str, ...],
    as_json: bool,
) -> None:
    """Pretranslate everything waiting (or the named documents) now, as a Prefect flow run."""
    from trilingo.commands.flowrun import run_pretranslate

    app.local_only("pretranslate")
    app.override(engine=engine, engine_options={("libre", "url"): libre_url} if libre_url else None)
    from trilingo import progress

    with progress.bar("Pretranslating: finding the waiting work", quiet=app.quiet):
        results = run_pretranslate(app, list(documents), list(langs), echo=app.note)
    if as_json:
        echo_json(results)
    else:
        if not results:
            click.echo("Nothing is waiting for pretranslation.")
        for r in results:
            click.echo(
                f"[{r['lang']}] {r['documents']} document(s), {r['segments']} segment(s): tm {r['tm']}, "
                f"glossary {r['glossary']}, {r['engine']} {r['engine_drafts']}, untranslated {r['untranslated']}, "
                f"failed {r['failed']}, with warnings {r['warnings']}"
            )
            for failure in r["failures"][:5]:
                click.echo(f"  failed {shown(failure)}")
    _fail_loudly(results)


def _fail_loudly(results: list[dict[str, Any]]) -> None:
    """A run in which segments failed is not a success: exit 10 if the engine gave nothing, else 3."""
    from trilingo.errors import PartialFailure, UnavailableError

    failed = [r for r in results if r["failed"]]
    if not failed:
        return
    count = sum(r["failed"] for r in failed)
    first = f"{failed[0]['lang']} {failed[0]['failures'][0]}" if failed[0]["failures"] else failed[0]["lang"]
    tail = f"{count} segment(s) stay mt_failed and the next `trilingo pretranslate` retries them"
    if not any(r["engine_drafts"] for r in failed):
        raise UnavailableError(f"the {failed[0]['engine']} engine translated nothing ({first}); {tail}")
    raise PartialFailure(f"some segments failed ({first}); {tail}")


@click.command()
@json_option
@pass_app
@summary_output
def publish(app: App, as_json: bool) -> None:
    """Publish approved translations (and the Vietnamese originals) to the channels."""
    from trilingo import progress
    from trilingo.commands.flowrun import run_publish

    app.local_only("publish")
    with progress.bar("Publishing", quiet=app.quiet):
        results = run_publish(app)
    if as_json:
        echo_json(results)
    from trilingo import channels

    for r in [] if as_json else results:
        for line in channels.get(r["channel"]).report(r, app.settings.public_dir / r["channel"]):
            click.echo(shown(line))
    dead = sum(r.get("dead_total", 0) for r in results)
    if dead:
        from trilingo.errors import PartialFailure

        raise PartialFailure(
            f"published, but {dead} webhook event(s) are dead after max_tries and were not sent; "
            "`trilingo webhook retry` sends them again"
        )


COMMANDS = [submit, pretranslate, publish]


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


COMMANDS.append(retract)
