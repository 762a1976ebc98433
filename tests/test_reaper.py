"""The sweeps' own crash detection (`reap_silent_runs`), against the session's real Prefect server: a
deployment's run silent for three heartbeat periods, or taken by a worker and never started in ten,
turns Crashed; one that beat recently, an inline run (which sends no heartbeats) and a finished run are
left alone."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from trilingo.automations import earlier_sweep, reap_silent_runs
from trilingo.errors import UnavailableError

pytestmark = pytest.mark.prefect


def _post(http: httpx.Client, path: str, body: Any) -> Any:
    response = http.post(path, json=body)
    response.raise_for_status()
    return response.json() if response.content else None  # /events answers 204


def _get(http: httpx.Client, path: str) -> Any:
    response = http.get(path)
    response.raise_for_status()
    return response.json()


def _state(http: httpx.Client, run_id: str) -> str:
    return str(_get(http, f"/flow_runs/{run_id}")["state"]["type"])


def _move(http: httpx.Client, run_id: str, *states: str) -> None:
    for state in states:
        answer = _post(http, f"/flow_runs/{run_id}/set_state", {"state": {"type": state}})
        assert answer["status"] == "ACCEPT", answer


def test_a_silent_run_is_crashed_and_nothing_else_is(prefect_api: str, prefect_http: httpx.Client) -> None:
    flow_id = _post(prefect_http, "/flows/", {"name": f"reaper-{uuid.uuid4().hex[:8]}"})["id"]
    deployment = _post(prefect_http, "/deployments/", {"name": "d", "flow_id": flow_id})["id"]

    def deployed(*states: str) -> str:
        run_id = str(_post(prefect_http, f"/deployments/{deployment}/create_flow_run", {})["id"])
        _move(prefect_http, run_id, *states)
        return run_id

    silent, beating = deployed("PENDING", "RUNNING"), deployed("PENDING", "RUNNING")
    finished = deployed("PENDING", "RUNNING", "COMPLETED")
    taken = deployed("PENDING")  # a worker took it, and died before its process started
    inline = str(_post(prefect_http, "/flow_runs/", {"flow_id": flow_id})["id"])
    _move(prefect_http, inline, "RUNNING")  # created Pending

    # Seen from 40 s on, with a 10 s heartbeat: every run started 40 s ago; `beating` beat 10 s ago.
    now = datetime.now(UTC) + timedelta(seconds=40)
    beat = {
        "id": str(uuid.uuid4()),
        "occurred": (now - timedelta(seconds=10)).isoformat(),
        "event": "prefect.flow-run.heartbeat",
        "resource": {"prefect.resource.id": f"prefect.flow-run.{beating}"},
    }
    _post(prefect_http, "/events", [beat])
    # The heartbeat itself, not any event of that run: the server's own Pending and Running events for it
    # may be stored first (in CI they were, and the reaper, asked too soon, crashed `beating`).
    query = {
        "filter": {
            "occurred": {"until": (now + timedelta(seconds=60)).isoformat()},
            "event": {"name": ["prefect.flow-run.heartbeat"]},
            "resource": {"id": [f"prefect.flow-run.{beating}"]},
        }
    }
    deadline = time.monotonic() + 60
    while [e["id"] for e in _post(prefect_http, "/events/filter", query)["events"]] != [beat["id"]]:
        assert time.monotonic() < deadline, "the heartbeat event was never stored"
        time.sleep(0.2)  # stored a moment after it is sent

    reaped = reap_silent_runs(prefect_api, heartbeat=10, now=now)
    # An inline run (the CLI's own) sends heartbeats too, since December 2026: silent, it is judged alike.
    assert silent in reaped and inline in reaped and not {beating, taken} & reaped.keys()
    quiet = re.fullmatch(
        r"No heartbeat for (\d+) s: the process running this flow run has died\.", reaped[silent]
    )
    assert quiet and 40 <= int(quiet[1]) < 70  # 40 s, and the time taken to set the runs up
    run = _get(prefect_http, f"/flow_runs/{silent}")
    assert (run["state"]["type"], run["state"]["message"]) == ("CRASHED", reaped[silent])
    states = [_state(prefect_http, r) for r in (beating, inline, finished, taken)]
    assert states == ["RUNNING", "CRASHED", "COMPLETED", "PENDING"]

    # 110 s on: `beating` has been silent for 80 s, `taken` Pending for 110 s (over ten periods).
    later = reap_silent_runs(prefect_api, heartbeat=10, now=now + timedelta(seconds=70))
    assert beating in later and taken in later and not {silent, inline} & later.keys()
    waited = re.fullmatch(r"Pending for (\d+) s: the worker that took it has died\.", later[taken])
    assert waited and 110 <= int(waited[1]) < 140
    states = [_state(prefect_http, r) for r in (beating, taken, inline, finished)]
    assert states == ["CRASHED", "CRASHED", "CRASHED", "COMPLETED"]


def test_a_server_that_does_not_answer_is_an_error_with_its_address() -> None:
    with pytest.raises(UnavailableError, match=r"could not check for flow runs .* on http://127.0.0.1:9/api"):
        reap_silent_runs("http://127.0.0.1:9/api", timeout=2)


def test_a_sweep_that_starts_while_an_earlier_one_runs_gives_way(
    prefect_api: str, prefect_http: httpx.Client
) -> None:
    flow_id = _post(prefect_http, "/flows/", {"name": f"sweeps-{uuid.uuid4().hex[:8]}"})["id"]
    deployment = _post(prefect_http, "/deployments/", {"name": "d", "flow_id": flow_id})["id"]

    def running(sweep: bool) -> str:
        body = {"parameters": {"sweep": sweep}}
        run_id = str(_post(prefect_http, f"/deployments/{deployment}/create_flow_run", body)["id"])
        _move(prefect_http, run_id, "PENDING", "RUNNING")
        return run_id

    event_run = running(False)  # started first, but not a sweep: it does not hold the sweeps back
    first, second = running(True), running(True)
    assert earlier_sweep(prefect_api, deployment, second) == first
    assert earlier_sweep(prefect_api, deployment, first) is None
    _move(prefect_http, first, "COMPLETED")
    assert earlier_sweep(prefect_api, deployment, second) is None
    assert _state(prefect_http, event_run) == "RUNNING"
    with pytest.raises(UnavailableError, match="could not list the running sweeps"):
        earlier_sweep("http://127.0.0.1:9/api", deployment, second, timeout=2)
