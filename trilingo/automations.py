"""Prefect automations Trilingo installs on its server, through the REST API with httpx (no Prefect import).

Crash detection: a flow run whose process dies (a worker killed, a machine switched off at the gate)
stops sending heartbeats; without this automation it would stay Running forever. The recipe is
Prefect's own: a proactive trigger that fires when a running flow run sends no heartbeat, and no
final state, for three heartbeat periods, and marks the run Crashed. The sweeps then redo its work.
"""

from __future__ import annotations

from typing import Any

import httpx

from trilingo.errors import UnavailableError

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
                "message": f"No heartbeat for {heartbeat * 3} s: the process running this flow run has died.",
            }
        ],
    }


def ensure_crash_detection(api_url: str, heartbeat: int = HEARTBEAT_SECONDS, timeout: float = 10.0) -> bool:
    """Install the automation, or bring an older one of that name up to date. True if it was created now."""
    wanted = crash_detection(heartbeat)
    try:
        with httpx.Client(base_url=api_url, timeout=timeout) as client:
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
            f"could not install the crash-detection automation on {api_url} ({exc.__class__.__name__}: {exc})"
        ) from None
    return True


def _same(trigger: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return sorted(trigger.get("after") or []) == sorted(wanted["after"]) and float(
        trigger.get("within") or 0
    ) == float(wanted["within"])
