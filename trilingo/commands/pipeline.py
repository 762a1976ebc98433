"""Pipeline commands: pretranslate and publish now, serve (run by itself) and deploy (for workers).

They run Prefect flows (commands.flowrun), which need the ORM; the lazy group in cli.py loads this module
only for these commands, so no cold command pays for it. Prefect itself still loads only once a flow runs
(after the server is reached: it reads its settings when imported)."""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from typing import Any

import click

from trilingo import channels, progress
from trilingo import server as srv
from trilingo.commands.common import App, echo_json, json_option, pass_app, summary_output
from trilingo.commands.flowrun import check_pipeline, publish_state, run_pretranslate, run_publish
from trilingo.errors import PartialFailure, UnavailableError
from trilingo.i18n import _, retranslate
from trilingo.languages import TARGETS, names_of
from trilingo.pretranslate.plan import EnginePlan
from trilingo.text.terminal import shown


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
    app.local_only("pretranslate")
    app.override(engine=engine, engine_options={("libre", "url"): libre_url} if libre_url else None)

    with progress.bar(_("Pretranslating: finding the waiting work"), quiet=app.quiet):
        results = run_pretranslate(app, list(documents), list(langs), echo=app.note)
    if as_json:
        echo_json(results)
    else:
        if not results:
            click.echo(_("Nothing is waiting for pretranslation."))
        for r in results:
            click.echo(
                _(
                    "[{lang}] {documents} document(s), {segments} segment(s): tm {tm}, "
                    "glossary {glossary}, {engine} {engine_drafts}, untranslated {untranslated}, "
                    "failed {failed}, with warnings {warnings}"
                ).format(**r)  # the fields are the result's own keys
            )
            for failure in r["failures"][:5]:
                click.echo("  " + _("failed {failure}").format(failure=shown(failure)))
    _fail_loudly(results)


def _fail_loudly(results: list[dict[str, Any]]) -> None:
    """A run in which segments failed is not a success: exit 10 if the engine gave nothing, else 3."""
    failed = [r for r in results if r["failed"]]
    if not failed:
        return
    count = sum(r["failed"] for r in failed)
    first = f"{failed[0]['lang']} {failed[0]['failures'][0]}" if failed[0]["failures"] else failed[0]["lang"]
    if not any(r["engine_drafts"] for r in failed):
        raise UnavailableError(
            _(
                "the {engine} engine translated nothing ({first}); {count} segment(s) stay mt_failed "
                "and the next `trilingo pretranslate` retries them"
            ).format(engine=failed[0]["engine"], first=first, count=count)
        )
    raise PartialFailure(
        _(
            "some segments failed ({first}); {count} segment(s) stay mt_failed "
            "and the next `trilingo pretranslate` retries them"
        ).format(first=first, count=count)
    )


@click.command()
@click.option(
    "--full",
    is_flag=True,
    help="Render every file of every channel again, as if nothing were published (a new kiosk, an upgrade).",
)
@json_option
@pass_app
@summary_output
def publish(app: App, full: bool, as_json: bool) -> None:
    """Publish approved translations (and the Vietnamese originals) to the channels."""
    app.local_only("publish")
    state = publish_state(app)
    if state[1] and not full:  # no flow run: nothing would change
        if as_json:
            echo_json([])
        else:
            click.echo(
                _(
                    "Nothing to publish: no approval, retraction, expiry, webhook event or renderer "
                    "change since the last publish. `trilingo publish --full` renders everything again."
                )
            )
        return
    with progress.bar(_("Publishing"), quiet=app.quiet):
        results = run_publish(app, full=full, state=state)
    if as_json:
        echo_json(results)

    for r in [] if as_json else results:
        for line in channels.get(r["channel"]).report(r, app.settings.public_dir / r["channel"]):
            click.echo(shown(retranslate(line)))
    dead = sum(r.get("dead_total", 0) for r in results)
    if dead:
        raise PartialFailure(
            _(
                "published, but {dead} webhook event(s) are dead after max_tries and were not sent; "
                "`trilingo webhook retry` sends them again"
            ).format(dead=dead)
        )


def sweep_options(fn: Any) -> Any:
    """--sweep and --publish-sweep, shared by `serve` and `deploy`."""
    fn = click.option(
        "--publish-sweep",
        type=click.IntRange(30, 86400),
        default=300,
        show_default=True,
        help="Seconds between publish sweeps.",
    )(fn)
    return click.option(
        "--sweep",
        type=click.IntRange(10, 3600),
        default=60,
        show_default=True,
        help="Seconds between pretranslate sweeps.",
    )(fn)


def _pipeline_on_server(app: App) -> EnginePlan:
    """What `serve` and `deploy` do first: check the pipeline, reach the server, install crash detection."""
    engine_plan = check_pipeline(app, list(TARGETS))
    srv.connect(app.settings, os.environ, announce=app.note, verbose=app.verbose)  # crash detection too
    return engine_plan


@click.command("serve")
@sweep_options
@click.option(
    "--limit",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Flow runs at once in this process.",
)
@pass_app
def serve_command(app: App, sweep: int, publish_sweep: int, limit: int) -> None:
    """Run the pipeline by itself until Ctrl-C: pretranslate what is submitted, publish what is approved.

    Submit, approve and retract send events that start a run at once; sweeps (one as it starts, then on
    schedule) catch anything an event missed, and an hourly run takes expired notices off the kiosk and
    screens. Each run started and ended is one line (not with --quiet); runs report to the workspace's
    Prefect server (`trilingo runs` lists them)."""
    # Deferred (with flows.serve below): httpx and Prefect; `serve --help` and `deploy --help` load neither.
    from trilingo import automations

    app.local_only("serve")
    settings = app.settings
    engine_plan = _pipeline_on_server(app)
    # Heartbeats on, so the crash-detection automation can tell a dead runner's runs from live ones.
    os.environ["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] = str(automations.HEARTBEAT_SECONDS)
    from trilingo.flows.serve import serve_forever

    ui = settings.prefect_api_url.removesuffix("/api")
    click.echo(
        _(
            "Serving {home} ({key}) on {ui}: pretranslate on each submit and every "
            "{sweep} s; publish on each approval, every {publish_sweep} s, and hourly for expiry. Ctrl-C stops."
        ).format(
            home=settings.home, key=settings.workspace_key, ui=ui, sweep=sweep, publish_sweep=publish_sweep
        )
    )

    def stopped() -> None:
        click.echo(
            _("Stopped. The schedules are paused until the next `trilingo serve`; events still queue runs.")
        )

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how an operator stops it: no traceback
        serve_forever(
            settings,
            engine_plan.engines,
            sweep=timedelta(seconds=sweep),
            publish_sweep=timedelta(seconds=publish_sweep),
            limit=limit,
            echo=app.note,
            report=None if app.quiet else click.echo,  # a line per run started and ended
            on_stop=stopped,
        )
    stopped()


@click.command()
@click.option(
    "--pool", default="trilingo", show_default=True, help="The process work pool (made if missing)."
)
@sweep_options
@pass_app
@summary_output
def deploy(app: App, pool: str, sweep: int, publish_sweep: int) -> None:
    """Register the pipeline's deployments in a work pool, for Prefect workers (docs/scale-out.md).

    Then start workers with `prefect worker start --pool POOL --type process`. Runs again safely:
    the deployments are updated in place."""
    # Deferred (with flows.serve below): httpx and Prefect; `serve --help` and `deploy --help` load neither.
    from trilingo import automations

    app.local_only("deploy")
    settings = app.settings
    engine_plan = _pipeline_on_server(app)
    from trilingo.flows.serve import deploy_to_pool

    created, names = deploy_to_pool(
        settings,
        engine_plan.engines,
        pool,
        sweep=timedelta(seconds=sweep),
        publish_sweep=timedelta(seconds=publish_sweep),
        heartbeat=automations.HEARTBEAT_SECONDS,
    )
    if created:
        click.echo(_("Work pool {pool}: created (process).").format(pool=pool))
    else:
        click.echo(_("Work pool {pool}: already there (process).").format(pool=pool))
    for name in names:
        click.echo("  " + _("deployment {name}").format(name=name))
    click.echo(
        _(
            "Start workers with: PREFECT_API_URL={url} prefect worker start --pool {pool} --type process"
        ).format(url=settings.prefect_api_url, pool=pool)
    )
