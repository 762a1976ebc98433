"""Operator commands: status and runs.

Setting up the database is commands.db, the local Prefect server commands.server, the API server
commands.api; serve, deploy and the demo run flows, so they live in commands.pipeline and commands.demo."""

from __future__ import annotations

from typing import Any

import click

from trilingo import i18n
from trilingo.commands.common import App, echo_json, json_option, pass_app
from trilingo.commands.labels import label, run_state
from trilingo.i18n import _, number, when
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
        click.echo(f"{_('Server'):<10} {app.transport.server}")
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
    click.echo(f"{_('Workspace'):<10} {data['workspace']}")
    click.echo(f"{_('Database'):<10} {data['database']}")
    click.echo(
        f"{_('Prefect'):<10} {ui} "
        + (
            _("(answering)")
            if prefect["answering"]
            else _("(not answering: flow commands start the local one)")
        )
    )


def _print_stuck_work(data: dict[str, Any]) -> None:
    """Runs that stopped heartbeating, translations of an older source, and segments MT could not do."""
    for run in data.get("silent_runs", []):
        click.echo(
            _(
                "SILENT RUN {run}: {why} The crash-detection automation or the next sweep marks it Crashed"
            ).format(run=shown(run["name"] or run["id"]), why=shown(run["why"]))
        )
    for lang, stale in data["out_of_date"].items():
        click.echo(
            _(
                "OUT OF DATE [{lang}]: {count} live translation(s) of an older Vietnamese text, the oldest "
                "for {age}: readers see a warning, or nothing in critical categories, until they "
                "are approved (`trilingo review queue` lists them first)"
            ).format(lang=lang, count=number(stale["count"]), age=age(stale["seconds"]))
        )
    for lang, failed in data["mt_failed"].items():
        reasons = "; ".join(f"{shown(r['reason'])} ({r['count']})" for r in failed["reasons"])
        click.echo(
            _(
                "MT FAILED [{lang}]: {count} segment(s) the engine could not translate: {reasons}. "
                "The next `trilingo pretranslate` retries them"
            ).format(lang=lang, count=number(failed["count"]), reasons=reasons)
        )


def _print_backlog(data: dict[str, Any]) -> None:
    """Documents by state and language, the oldest wait for review, and when each channel last published."""
    click.echo(_("{count} document(s)").format(count=number(data["documents"])))
    for state, by_lang in sorted(data["counts"].items()):
        click.echo(
            f"  {label(state):<14}" + "  ".join(f"{lang} {number(n)}" for lang, n in sorted(by_lang.items()))
        )
    if data["oldest_by_lang"]:
        oldest = ", ".join(
            _("{lang} for {age} (since {since})").format(
                lang=lang, age=age(o["seconds"]), since=when(o["since"])
            )
            for lang, o in data["oldest_by_lang"].items()
        )
        click.echo(_("Waiting for review, the oldest: {oldest}").format(oldest=oldest))
    else:
        click.echo(_("Nothing is waiting for review."))
    if data["channels"]:
        published = ", ".join(
            _("{channel} {age} ago ({files} files)").format(
                channel=channel, age=age(c["seconds"]), files=c["files"]
            )
            for channel, c in data["channels"].items()
        )
        click.echo(_("Last published: {channels}").format(channels=published))
    else:
        click.echo(_("Nothing published yet (`trilingo publish`)."))


def _print_engines(engines: list[dict[str, Any]]) -> None:
    """Each MT engine's circuit breaker at the last run."""
    for health in engines:
        if health["breaker"] == "open":
            click.echo(
                _(
                    "ENGINE {engine}: circuit breaker OPEN at the last run ({at}), so it was skipped: {reason}"
                ).format(engine=health["engine"], at=when(health["at"]), reason=shown(health["last_reason"]))
            )
        elif health["last_reason"]:
            click.echo(
                _("Engine {engine}: answering at the last run ({at}), last failure: {reason}").format(
                    engine=health["engine"], at=when(health["at"]), reason=shown(health["last_reason"])
                )
            )
        else:
            click.echo(
                _("Engine {engine}: answering at the last run ({at})").format(
                    engine=health["engine"], at=when(health["at"])
                )
            )


def _print_channels(data: dict[str, Any]) -> None:
    """Failed publishes, retractions not yet carried out, each channel's facts and the webhook's outbox."""
    for channel, failure in data.get("channel_failures", {}).items():
        click.echo(
            _(
                "CHANNEL {channel}: the last publish FAILED ({at}): {error}; "
                "it stays shown until a publish of the channel succeeds"
            ).format(channel=channel, at=when(failure["at"]), error=shown(failure["error"]))
        )
    for item in data.get("pending_retractions", []):
        if item["channel"]:
            message = _(
                "RETRACTION PENDING: {document} [{lang}] is retracted since {since} but not yet off "
                "the {channel} channel; the next `trilingo publish` takes it down"
            )
        else:
            message = _(
                "RETRACTION PENDING: {document} [{lang}] is retracted since {since} but not yet off "
                "every channel; the next `trilingo publish` takes it down"
            )
        click.echo(
            message.format(
                document=shown(item["document"]),
                lang=item["lang"],
                since=when(item["since"]),
                channel=item["channel"],
            )
        )
    for name, facts in data.get("channel_status", {}).items():
        if name != "webhook":  # (the webhook's facts have their own line, below)
            listed = ", ".join(f"{k} {shown(str(v))}" for k, v in facts.items())
            click.echo(_("Channel {name}: {facts}").format(name=name, facts=listed))
    hook = data["webhook"]
    if hook["pending"] or hook["dead"]:
        click.echo(
            _(
                "WEBHOOK: {pending} event(s) waiting to be delivered, {dead} dead "
                "(last error: {error}); `trilingo webhook retry` sends the dead ones again"
            ).format(pending=hook["pending"], dead=hook["dead"], error=shown(str(hook["last_error"])))
        )


def _print_safeguards(data: dict[str, Any]) -> None:
    """The four-eyes rule when it is off, and the last verification of the audit log."""
    if not data["four_eyes"]:
        click.echo(
            _(
                "The four-eyes rule is OFF: reviewers may approve their own edits (an admin turns it on with "
                "`trilingo settings set four_eyes on --reason …`)."
            )
        )
    verified = data.get("audit_verified")
    if not verified:
        click.echo(_("Audit log: never verified (`trilingo audit verify`)."))
    elif verified.get("ok"):
        click.echo(
            _("Audit log: verified up to #{seq} at {at} by {by}.").format(
                seq=verified["seq"], at=when(verified["at"]), by=shown(verified["by"])
            )
        )
    else:
        click.echo(
            _("AUDIT LOG DOES NOT VERIFY (checked {at}): {problem}").format(
                at=when(verified["at"]), problem=shown(str(verified["first_problem"]))
            )
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
        what = " ".join(filter(None, [", ".join(run_state(s) for s in states), flow]))
        click.echo(_("No {what} flow runs.").format(what=what) if what else _("No flow runs."))
        return
    click.echo(
        f"  {_('started ({zone})').format(zone=i18n.zone_offset()):<17}  {_('state'):<10} {_('took'):>10}  {_('flow'):<13} {_('by'):<8} "
        f"{_('name')}"
    )
    for row in rows:
        seconds = row["seconds"]
        took = "-" if seconds is None else f"{seconds:.1f} s" if seconds < 10 else age(seconds)
        started = when(row["started"]) if row["started"] else _("not started")
        click.echo(
            f"{'!' if row['problem'] else '':1} {started:<17}  {run_state(row['state']):<10} {took:>10}  {row['flow']:<13} "
            f"{row['started_by']:<8} {row['name']}"
        )
        if row["message"] and row["problem"]:
            click.echo(f"    {shown(row['message'])}")
    failed = sum(1 for r in rows if r["problem"])
    if failed:
        click.echo(
            _("{failed} of {total} run(s) did not fully succeed (marked !).").format(
                failed=failed, total=len(rows)
            )
        )
