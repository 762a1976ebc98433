"""Prefect automations Trilingo installs on its server, through the REST API with httpx (no Prefect import).

Crash detection: a flow run whose process dies (a worker killed, a machine switched off at the gate)
stops sending heartbeats; without this automation it would stay Running forever. The recipe is
Prefect's own: a proactive trigger that fires when a running flow run sends no heartbeat, and no
final state, for three heartbeat periods, and marks the run Crashed. The sweeps then redo its work.
Because Prefect evaluates such triggers erratically, the pretranslate sweep also applies the same rule
itself (`reap_silent_runs`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from trilingo import prefect_rest
from trilingo.errors import UnavailableError
from trilingo.i18n import N_

CRASH_DETECTION = "trilingo: flow runs that stop heartbeating are Crashed"
HEARTBEAT_SECONDS = (
    30  # PREFECT_FLOWS_HEARTBEAT_FREQUENCY for runs under `serve` and the workers (Prefect's minimum)
)


def crash_detection(heartbeat: int = HEARTBEAT_SECONDS) -> dict[str, Any]:
    return {
        "name": CRASH_DETECTION,
        "description": "Marks a flow run Crashed when it has sent no heartbeat for three heartbeat periods.",
        "enabled": True,
        "trigger": {
            "type": "event",
            "posture": "Proactive",
            # Running too, which the server itself records: a run killed before its first heartbeat went
            # out is caught as well.
            "after": ["prefect.flow-run.heartbeat", "prefect.flow-run.Running"],
            "expect": [
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            ],
            "match": {"prefect.resource.id": ["prefect.flow-run.*"]},
            "for_each": ["prefect.resource.id"],
            "threshold": 1,
            "within": heartbeat * 3,
        },
        "actions": [
            {
                "type": "change-flow-run-state",
                "state": "CRASHED",
                "name": "Crashed",
                "message": N_(
                    "No heartbeat for {seconds} s: the process running this flow run has died."
                ).format(seconds=heartbeat * 3),
            }
        ],
    }


def ensure_crash_detection(api_url: str, heartbeat: int = HEARTBEAT_SECONDS, timeout: float = 10.0) -> bool:
    """Install the automation, or bring an older one of that name up to date. True if it was created now."""
    wanted = crash_detection(heartbeat)
    try:
        with prefect_rest.client(api_url, timeout) as client:
            found = client.post(
                "/automations/filter", json={"automations": {"name": {"any_": [CRASH_DETECTION]}}}
            )
            found.raise_for_status()
            if existing := found.json():
                if not _same(existing[0]["trigger"], wanted["trigger"]):
                    client.put(f"/automations/{existing[0]['id']}", json=wanted).raise_for_status()
                return False
            created = client.post("/automations/", json=wanted)
            created.raise_for_status()
    except httpx.HTTPError as exc:
        raise UnavailableError(
            N_("could not install the crash-detection automation on {url} ({kind}: {exc})").format(
                url=api_url, kind=exc.__class__.__name__, exc=exc
            )
        ) from None
    return True


def _same(trigger: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return sorted(trigger.get("after") or []) == sorted(wanted["after"]) and float(
        trigger.get("within") or 0
    ) == float(wanted["within"])


def reap_silent_runs(
    api_url: str,
    heartbeat: int = HEARTBEAT_SECONDS,
    *,
    now: datetime | None = None,
    timeout: float = 10.0,
) -> dict[str, str]:
    """Mark Crashed every Running flow run that has shown no sign of life (a heartbeat, or its Running
    state) for three heartbeat periods, and every one that a worker took (Pending) but never started in
    ten; return their ids, each with why.

    The same rule as the automation, checked by the sweeps themselves. Prefect evaluates proactive
    triggers erratically (issue 18838 upstream): here a run killed before its first heartbeat stayed
    Running for minutes, and a 150 s run that sent none was never flagged. Every run Trilingo starts
    sends heartbeats (inline runs from the CLI too, since December 2026). A run that ended meanwhile is
    left alone: the server refuses to move a finished run to Crashed without `force`, which is never sent.

    A worker marks a run Pending when it takes it, and the run's own process marks it Running seconds
    later. A worker killed in between leaves the run Pending for ever; no heartbeat or automation can
    tell, so a Pending run is judged by its age alone, with a wide margin."""
    reaped: dict[str, str] = {}
    try:
        with prefect_rest.client(api_url, timeout) as client:
            for run, why in _silent(client, heartbeat, now or datetime.now(UTC)):
                reaped.update(_crash(client, run["id"], why))
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise UnavailableError(
            N_("could not check for flow runs that stopped heartbeating on {url} ({kind}: {exc})").format(
                url=api_url, kind=exc.__class__.__name__, exc=exc
            )
        ) from None
    return reaped


@dataclass(frozen=True)
class SilentRun:
    id: str
    name: str
    why: str


def silent_runs(
    api_url: str, heartbeat: int = HEARTBEAT_SECONDS, *, now: datetime | None = None, timeout: float = 5.0
) -> list[SilentRun]:
    """The runs `reap_silent_runs` would mark Crashed, for `status` to show (it changes nothing)."""
    try:
        with prefect_rest.client(api_url, timeout) as client:
            return [
                SilentRun(str(run["id"]), str(run.get("name") or ""), why)
                for run, why in _silent(client, heartbeat, now or datetime.now(UTC))
            ]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise UnavailableError(
            N_("could not ask {url} for silent flow runs ({kind}: {exc})").format(
                url=api_url, kind=exc.__class__.__name__, exc=exc
            )
        ) from None


def _silent(client: httpx.Client, heartbeat: int, now: datetime) -> Iterator[tuple[dict[str, Any], str]]:
    silence = timedelta(seconds=heartbeat * 3)
    never_started = timedelta(seconds=heartbeat * 10)
    found = client.post(
        "/flow_runs/filter",
        json={"flow_runs": {"state": {"type": {"any_": ["RUNNING", "PENDING"]}}}, "limit": 200},
    )
    found.raise_for_status()
    for run in found.json():
        last = _when(run["state"]["timestamp"])
        if run["state"]["type"] == "PENDING":
            if run.get("deployment_id") and now - last > never_started:
                waited = int((now - last).total_seconds())
                yield (
                    run,
                    N_("Pending for {seconds} s: the worker that took it has died.").format(seconds=waited),
                )
            continue
        if now - last <= silence:
            continue
        beats = client.post(
            "/events/filter",
            json={
                "filter": {
                    "occurred": {"since": last.isoformat(), "until": (now + silence).isoformat()},
                    "event": {"name": ["prefect.flow-run.heartbeat"]},
                    "resource": {"id": [f"prefect.flow-run.{run['id']}"]},
                    "order": "DESC",
                },
                "limit": 1,
            },
        )
        beats.raise_for_status()
        if events := beats.json().get("events"):
            last = max(last, _when(events[0]["occurred"]))
        if now - last <= silence:
            continue
        quiet = int((now - last).total_seconds())
        yield (
            run,
            N_("No heartbeat for {seconds} s: the process running this flow run has died.").format(
                seconds=quiet
            ),
        )


def _crash(client: httpx.Client, run_id: str, message: str) -> dict[str, str]:
    """{run_id: message} if the server moved the run to Crashed; {} if it refused (it ended meanwhile)."""
    answer = client.post(
        f"/flow_runs/{run_id}/set_state",
        json={"state": {"type": "CRASHED", "name": "Crashed", "message": message}},
    )
    answer.raise_for_status()
    return {str(run_id): message} if answer.json().get("status") == "ACCEPT" else {}


def _when(stamp: str) -> datetime:
    when = datetime.fromisoformat(stamp)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def earlier_sweep(api_url: str, deployment_id: str, me: str, *, timeout: float = 10.0) -> str | None:
    """The id of a sweep of this deployment that is Running and started before run `me`, if any.

    A sweep that starts while another is still at work stops at once: overlapping sweeps all find the
    same waiting work, and on a loaded machine each new one (every minute, or every few seconds in the
    tests) slowed the others until none finished. The earliest goes on; ties go to the smaller id. Dead
    runs are not counted for long: `reap_silent_runs`, called first, marks them Crashed."""
    try:
        with prefect_rest.client(api_url, timeout) as client:
            found = client.post(
                "/flow_runs/filter",
                json={
                    "flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}},
                    "deployments": {"id": {"any_": [deployment_id]}},
                    "limit": 200,
                },
            )
            found.raise_for_status()
        sweeps = [
            (r.get("start_time") or r["state"]["timestamp"], str(r["id"]))
            for r in found.json()
            if (r.get("parameters") or {}).get("sweep") or str(r["id"]) == me
        ]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise UnavailableError(
            N_("could not list the running sweeps on {url} ({kind}: {exc})").format(
                url=api_url, kind=exc.__class__.__name__, exc=exc
            )
        ) from None
    first = min(((_when(t), i) for t, i in sweeps), default=None)
    return first[1] if first is not None and first[1] != me else None


def remove_covered_runs(api_url: str, deployment_id: str, me: str, *, timeout: float = 10.0) -> list[str]:
    """Remove the runs that events queued behind run `me` of a deployment that runs one at a time
    (publish), created before `me` took its slot; returns their ids.

    Each publish writes everything approved or retracted when it reads the database, which `me` does
    after it took the slot: what those runs were queued for is published by `me`. Ten approvals in a
    few seconds made ten publishes, one after the other; now they make two. Only runs that events
    started are removed (a schedule's are left to it), and only those the server created before `me`'s
    own state, by the server's clock, so no approval is left behind by a difference of clocks. No other
    run can start meanwhile: `me` holds the deployment's one slot."""
    try:
        with prefect_rest.client(api_url, timeout) as client:
            mine = client.get(f"/flow_runs/{me}")
            mine.raise_for_status()
            since = _when(mine.json()["state"]["timestamp"])
            found = client.post(
                "/flow_runs/filter",
                json={
                    "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                    "deployments": {"id": {"any_": [deployment_id]}},
                    "limit": 200,
                },
            )
            found.raise_for_status()
            covered = [
                str(r["id"])
                for r in found.json()
                if str(r["id"]) != me
                and (r.get("created_by") or {}).get("type") == "AUTOMATION"
                and _when(r["created"]) < since
            ]
            for run_id in covered:
                gone = client.delete(f"/flow_runs/{run_id}")
                if gone.status_code not in (200, 204, 404):
                    gone.raise_for_status()
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise UnavailableError(
            N_("could not list the queued runs on {url} ({kind}: {exc})").format(
                url=api_url, kind=exc.__class__.__name__, exc=exc
            )
        ) from None
    return covered
