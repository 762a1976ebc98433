"""Operator commands: status and runs.

Setting up the database is commands.db, the local Prefect server commands.server, the API server
commands.api; serve, deploy and the demo run flows, so they live in commands.pipeline and commands.demo."""

from __future__ import annotations

from typing import Any

import click

from trilingo.commands.common import App, echo_json, json_option, pass_app
from trilingo.text.terminal import age, shown


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
    """The status report for a person, in the order an operator reads it: where, trouble, backlog, output."""
    _print_where(data)
    _print_stuck_work(data)
    _print_backlog(data)
    _print_engines(data["engines"])
    _print_channels(data)
    _print_safeguards(data)


def _print_where(data: dict[str, Any]) -> None:
    """The workspace, its database and whether Prefect answers."""
    prefect = data["prefect"]
    ui = prefect["api_url"].removesuffix("/api")
    click.echo(f"Workspace  {data['workspace']}")
    click.echo(f"Database   {data['database']}")
    click.echo(
        f"Prefect    {ui} "
        + ("(answering)" if prefect["answering"] else "(not answering: flow commands start the local one)")
    )


def _print_stuck_work(data: dict[str, Any]) -> None:
    """Runs that stopped heartbeating, translations of an older source, and segments MT could not do."""
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


def _print_backlog(data: dict[str, Any]) -> None:
    """Documents by state and language, the oldest wait for review, and when each channel last published."""
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


def _print_engines(engines: list[dict[str, Any]]) -> None:
    """Each MT engine's circuit breaker at the last run."""
    for health in engines:
        if health["breaker"] == "open":
            click.echo(
                f"ENGINE {health['engine']}: circuit breaker OPEN at the last run ({health['at'][:16]}Z), "
                f"so it was skipped: {shown(health['last_reason'])}"
            )
        else:
            tail = f", last failure: {shown(health['last_reason'])}" if health["last_reason"] else ""
            click.echo(f"Engine {health['engine']}: answering at the last run ({health['at'][:16]}Z){tail}")


def _print_channels(data: dict[str, Any]) -> None:
    """Failed publishes, retractions not yet carried out, each channel's facts and the webhook's outbox."""
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


def _print_safeguards(data: dict[str, Any]) -> None:
    """The four-eyes rule when it is off, and the last verification of the audit log."""
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
