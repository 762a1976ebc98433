"""Operator commands: status, the local Prefect server, and the demo."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.languages import TARGETS
from trilingo.text.terminal import shown

if TYPE_CHECKING:
    from trilingo.pretranslate.plan import EnginePlan


@click.command()
@as_option
@pass_app
@summary_output
def init(app: App, as_user: str | None) -> None:
    """Set up the workspace: its folder, the database schema and the starter border glossary."""
    from trilingo.identity import acting
    from trilingo.workspace import initialise

    app.local_only("init")
    app.override(user=as_user)
    with acting(app.settings.caller):
        report = initialise(app.settings)
    state = "created" if report.created else "already set up"
    click.echo(f"Workspace {report.home}: database {report.database} ({state}).")
    click.echo(f"Glossary version {report.glossary_version}.")
    if report.admin:
        click.echo(
            f"{app.settings.user} is the workspace's first user and its admin. Add the team with "
            f"`trilingo users add NAME --role editor|reviewer|operator|admin [--lang {','.join(TARGETS)}]`."
        )


@click.group("db")
def db_group() -> None:
    """The workspace database: its schema revision and migrations."""


@db_group.command("upgrade")
@pass_app
@summary_output
def db_upgrade(app: App) -> None:
    """Migrate the database to this Trilingo's schema (back it up first); makes the audit key if missing."""
    from trilingo.store.db import create_database
    from trilingo.store.schema import upgrade
    from trilingo.workspace import check_not_lost, load_audit_key

    app.local_only("db upgrade")
    settings = app.settings
    check_not_lost(settings.home, settings.database_url)
    if not load_audit_key(settings, create=True):
        raise AssertionError("unreachable: load_audit_key makes one")
    db = create_database(settings.database_url)
    try:
        done = upgrade(db)
    finally:
        db.dispose()
    if done.before == done.after:
        click.echo(f"{done.database}: already at schema revision {done.after}.")
    else:
        click.echo(f"{done.database}: schema revision {done.before or '(none)'} → {done.after}.")


@db_group.command("roles")
@click.option("--owner", default="trilingo_owner", show_default=True, help="The role that owns the schema.")
@click.option(
    "--app-role", default="trilingo_app", show_default=True, help="The role the server connects as."
)
@click.option("--apply", is_flag=True, help="Run the statements now (as a superuser or the schema's owner).")
@pass_app
def db_roles(app: App, owner: str, app_role: str, apply: bool) -> None:
    """PostgreSQL: print (or --apply) the GRANTs that keep the server's role from changing the schema or
    the audit log. Run it again after every `trilingo db upgrade`."""
    from sqlalchemy.exc import DBAPIError

    from trilingo.store import roles
    from trilingo.store.db import create_database, database_error
    from trilingo.workspace import check_not_lost

    app.local_only("db roles")
    settings = app.settings
    check_not_lost(settings.home, settings.database_url)
    db = create_database(settings.database_url)
    try:
        with db.begin() as conn:
            found = roles.plan(conn, owner, app_role)
            if apply:
                roles.apply(conn, found)
    except DBAPIError as exc:
        raise database_error(exc, db) from None
    finally:
        db.dispose()
    if apply:
        click.echo(
            f"Schema {found.schema}: owned by {found.owner}; {found.app} may read and write its data but not "
            f"change the schema or the audit log ({len(found.statements)} statements applied).",
        )
        click.echo(
            f"Run migrations as {found.owner} and the server as {found.app}; set their passwords with "
            f"ALTER ROLE … PASSWORD (docs/deploy.md).",
            err=True,
        )
        return
    for statement in found.statements:
        click.echo(statement + ";")


@click.command("api")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (a reverse proxy's backend)."
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8787, show_default=True, help="Port to listen on."
)
@click.option(
    "--certfile", type=click.Path(dir_okay=False), help="Serve TLS itself with this certificate (PEM)."
)
@click.option("--keyfile", type=click.Path(dir_okay=False), help="The certificate's private key (PEM).")
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies whose X-Forwarded-For names the client (for the failed-login limits).",
)
@pass_app
def api_command(
    app: App, host: str, port: int, certfile: str | None, keyfile: str | None, forwarded_allow_ips: str
) -> None:
    """Serve the Trilingo API: people work through it with personal tokens, not the database's password.

    Put it behind a reverse proxy that does TLS (docs/deploy.md), or give --certfile and --keyfile."""
    from trilingo.api.server import serve

    if bool(certfile) != bool(keyfile):
        raise click.UsageError("--certfile and --keyfile go together")
    serve(
        app.settings,
        host,
        port,
        certfile=certfile,
        keyfile=keyfile,
        proxies=forwarded_allow_ips,
        echo=click.echo,
    )


@click.command()
@json_option
@pass_app
def status(app: App, as_json: bool) -> None:
    """Where Trilingo is working, the backlog, failures, and what each channel last published."""
    data = app.call("status")
    if as_json:
        echo_json(data)
        return
    if app.remote:
        click.echo(f"Server     {app.transport.server}")
    _print_status(data)


def _print_status(data: dict[str, Any]) -> None:
    from trilingo.text.terminal import age

    prefect = data["prefect"]
    ui = prefect["api_url"].removesuffix("/api")
    click.echo(f"Workspace  {data['workspace']}")
    click.echo(f"Database   {data['database']}")
    click.echo(
        f"Prefect    {ui} "
        + ("(answering)" if prefect["answering"] else "(not answering: flow commands start the local one)")
    )
    for run in data.get("silent_runs", []):
        click.echo(
            f"SILENT RUN {shown(run['name'] or run['id'])}: {shown(run['why'])} The crash-detection automation "
            "or the next sweep marks it Crashed"
        )
    for lang, stale in data["out_of_date"].items():
        click.echo(
            f"OUT OF DATE [{lang}]: {stale['count']} live translation(s) of an older Vietnamese text, the oldest "
            f"for {age(stale['seconds'])}: readers see a warning, or nothing in critical categories, until they "
            "are approved (`trilingo review queue` lists them first)"
        )
    for lang, failed in data["mt_failed"].items():
        reasons = "; ".join(f"{shown(r['reason'])} ({r['count']})" for r in failed["reasons"])
        click.echo(
            f"MT FAILED [{lang}]: {failed['count']} segment(s) the engine could not translate: {reasons}. "
            "The next `trilingo pretranslate` retries them"
        )
    click.echo(f"{data['documents']} document(s)")
    for state, by_lang in sorted(data["counts"].items()):
        click.echo(f"  {state:<14}" + "  ".join(f"{lang} {n}" for lang, n in sorted(by_lang.items())))
    if data["oldest_by_lang"]:
        click.echo(
            "Waiting for review, the oldest: "
            + ", ".join(
                f"{lang} for {age(o['seconds'])} (since {o['since'][:16]}Z)"
                for lang, o in data["oldest_by_lang"].items()
            )
        )
    else:
        click.echo("Nothing is waiting for review.")
    if data["channels"]:
        click.echo(
            "Last published: "
            + ", ".join(
                f"{channel} {age(c['seconds'])} ago ({c['files']} files)"
                for channel, c in data["channels"].items()
            )
        )
    else:
        click.echo("Nothing published yet (`trilingo publish`).")
    for health in data["engines"]:
        if health["breaker"] == "open":
            click.echo(
                f"ENGINE {health['engine']}: circuit breaker OPEN at the last run ({health['at'][:16]}Z), "
                f"so it was skipped: {shown(health['last_reason'])}"
            )
        else:
            tail = f", last failure: {shown(health['last_reason'])}" if health["last_reason"] else ""
            click.echo(f"Engine {health['engine']}: answering at the last run ({health['at'][:16]}Z){tail}")
    for channel, failure in data.get("channel_failures", {}).items():
        click.echo(
            f"CHANNEL {channel}: the last publish FAILED ({failure['at'][:16]}Z): {shown(failure['error'])}; "
            "it stays shown until a publish of the channel succeeds"
        )
    for item in data.get("pending_retractions", []):
        where = f"the {item['channel']} channel" if item["channel"] else "every channel"
        click.echo(
            f"RETRACTION PENDING: {shown(item['document'])} [{item['lang']}] is retracted since "
            f"{item['since'][:16]}Z but not yet off {where}; the next `trilingo publish` takes it down"
        )
    for name, facts in data.get("channel_status", {}).items():
        if name != "webhook":  # (the webhook's facts have their own line, below)
            click.echo(f"Channel {name}: " + ", ".join(f"{k} {shown(str(v))}" for k, v in facts.items()))
    hook = data["webhook"]
    if hook["pending"] or hook["dead"]:
        click.echo(
            f"WEBHOOK: {hook['pending']} event(s) waiting to be delivered, {hook['dead']} dead "
            f"(last error: {shown(str(hook['last_error']))}); `trilingo webhook retry` sends the dead ones again"
        )
    if not data["four_eyes"]:
        click.echo(
            "The four-eyes rule is OFF: reviewers may approve their own edits (an admin turns it on with "
            "`trilingo settings set four_eyes on --reason …`)."
        )
    verified = data.get("audit_verified")
    if not verified:
        click.echo("Audit log: never verified (`trilingo audit verify`).")
    elif verified.get("ok"):
        click.echo(
            f"Audit log: verified up to #{verified['seq']} at {verified['at'][:16]}Z by {shown(verified['by'])}."
        )
    else:
        click.echo(
            f"AUDIT LOG DOES NOT VERIFY (checked {verified['at'][:16]}Z): {shown(str(verified['first_problem']))}"
        )


@click.command()
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(
        ["completed", "partial", "failed", "crashed", "running", "pending", "late", "cancelled"]
    ),
    help="Only runs in this state; repeatable. `failed` includes Crashed; `partial` is Completed with failures.",
)
@click.option("--flow", help="Only runs of this flow: pretranslate or publish.")
@click.option("--limit", type=int, default=20, show_default=True, help="How many runs, newest first (1–200).")
@json_option
@pass_app
def runs(app: App, states: tuple[str, ...], flow: str | None, limit: int, as_json: bool) -> None:
    """Recent flow runs, newest first, from the Prefect server (future scheduled runs are hidden)."""
    from trilingo.text.terminal import age

    rows = app.call("runs", states=list(states) or None, flow=flow, limit=limit)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        what = " ".join(filter(None, [", ".join(states), flow]))
        click.echo(f"No {what + ' ' if what else ''}flow runs.")
        return
    click.echo(f"  {'started (UTC)':<17}  {'state':<10} {'took':>10}  {'flow':<13} {'by':<8} name")
    for row in rows:
        seconds = row["seconds"]
        took = "-" if seconds is None else f"{seconds:.1f} s" if seconds < 10 else age(seconds)
        started = f"{row['started'][:16]}Z" if row["started"] else "not started"
        click.echo(
            f"{'!' if row['problem'] else '':1} {started:<17}  {row['state']:<10} {took:>10}  {row['flow']:<13} "
            f"{row['started_by']:<8} {row['name']}"
        )
        if row["message"] and row["problem"]:
            click.echo(f"    {shown(row['message'])}")
    failed = sum(1 for r in rows if r["problem"])
    if failed:
        click.echo(f"{failed} of {len(rows)} run(s) did not fully succeed (marked !).")


class _ServerGroup(click.Group):
    """Its help names this workspace's own address, not a fixed default port."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from trilingo import config
        from trilingo.errors import TrilingoError

        try:
            url = config.load(home=(ctx.find_object(App) or App()).cli_values.get("home")).prefect_api_url
            where = f"UI at {url.removesuffix('/api')}, from this workspace's prefect_port"
        except TrilingoError:
            where = "its address comes from prefect_port in config.toml"
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(f"The local Prefect server that records flow runs ({where}).")


@click.group(cls=_ServerGroup)
def server() -> None:
    """The local Prefect server that records flow runs."""


@server.command()
@pass_app
@summary_output
def start(app: App) -> None:
    """Start the server in the background (its home is inside the workspace)."""
    from trilingo import server as srv

    st = srv.start(app.settings, os.environ, announce=app.note)
    click.echo(f"Prefect server running at {st.ui_url} (pid {st.pid or 'not ours'})")


@server.command()
@pass_app
@summary_output
def stop(app: App) -> None:
    """Stop the server Trilingo started."""
    from trilingo import server as srv

    click.echo(
        "Prefect server stopped." if srv.stop(app.settings) else "No Trilingo-managed server was running."
    )


@server.command(name="status")
@pass_app
def server_status(app: App) -> None:
    """Whether the server answers."""
    from trilingo import server as srv
    from trilingo.errors import UnavailableError

    st = srv.status(app.settings)
    if not st.running:
        raise UnavailableError(f"no Prefect server answers at {st.api_url}; run `trilingo server start`")
    click.echo(
        f"Prefect server running at {st.ui_url}"
        + (f" (pid {st.pid})" if st.pid else " (not started by Trilingo)")
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
    from trilingo import server as srv
    from trilingo.commands.flowrun import check_pipeline
    from trilingo.languages import TARGETS

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

    Submit, approve and retract send events that start a run at once; sweeps catch anything an event
    missed, and an hourly run takes expired notices off the kiosk and screens. Runs report to the
    workspace's Prefect server (`trilingo runs` lists them)."""
    from datetime import timedelta

    from trilingo import automations

    app.local_only("serve")
    settings = app.settings
    engine_plan = _pipeline_on_server(app)
    # Heartbeats on, so the crash-detection automation can tell a dead runner's runs from live ones.
    os.environ["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] = str(automations.HEARTBEAT_SECONDS)
    from trilingo.flows.serve import serve_forever

    ui = settings.prefect_api_url.removesuffix("/api")
    click.echo(
        f"Serving {settings.home} ({settings.workspace_key}) on {ui}: pretranslate on each submit and every "
        f"{sweep} s; publish on each approval, every {publish_sweep} s, and hourly for expiry. Ctrl-C stops."
    )
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how an operator stops it: no traceback
        serve_forever(
            settings,
            engine_plan.engines,
            sweep=timedelta(seconds=sweep),
            publish_sweep=timedelta(seconds=publish_sweep),
            limit=limit,
            echo=app.note,
        )
    click.echo("Stopped. The schedules are paused until the next `trilingo serve`; events still queue runs.")


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
    from datetime import timedelta

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
    click.echo(f"Work pool {pool}: {'created' if created else 'already there'} (process).")
    for name in names:
        click.echo(f"  deployment {name}")
    click.echo(
        f"Start workers with: PREFECT_API_URL={settings.prefect_api_url} prefect worker start --pool {pool} "
        "--type process"
    )


@click.command()
@pass_app
@summary_output
def demo(app: App) -> None:
    """Run the whole loop on the shipped samples: submit, pretranslate, review, publish."""
    from trilingo.commands.demo import run_demo

    app.local_only("demo")
    run_demo(app, click.echo)


COMMANDS = [init, status, runs, serve_command, deploy, db_group, server, demo, api_command]
