"""A run recorded through Prefect's REST API (trilingo.runrecord), against a stub of the server's API on
loopback: what it tells the server, in what order, and what it does when the server goes away. The
real server's view of it (its task runs, artifact and state in `trilingo runs`) is in test_flows."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.helpers import QuietHandler, local_server
from trilingo.errors import InputError
from trilingo.runrecord import RecordedRun, ServerLost


@contextmanager
def prefect_stub(down_after: int | None = None) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """Answers like Prefect's API; records (path, body). After `down_after` requests it answers 500."""
    calls: list[tuple[str, Any]] = []
    lock = threading.Lock()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                calls.append((self.path.removeprefix("/api"), body))
                broken = down_after is not None and len(calls) > down_after
            answer = (
                b""
                if self.path.endswith(("/events", "/set_state"))
                else json.dumps({"id": str(uuid.uuid4())}).encode()
            )
            self.send_response(500 if broken else (204 if not answer else 201))
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    with local_server(Handler) as base:
        yield f"{base}/api", calls


def _states(calls: list[tuple[str, Any]], kind: str) -> list[tuple[str, str | None]]:
    return [
        (body["state"]["name"], body["state"]["message"])
        for path, body in calls
        if path.startswith(f"/{kind}/") and path.endswith("/set_state")
    ]


def test_a_recorded_run_tells_the_server_what_prefects_engine_would() -> None:
    tags = ["trilingo", "kind:publish"]
    with (
        prefect_stub() as (api, calls),
        RecordedRun(api, "publish", "publish-now", tags, {"full": False}) as run,
    ):
        with run.task("publish-web", "publish-channel"):
            pass
        run.artifact("publish-summary", "# Publish", "What this run wrote")
        run.finish()
    paths = [path for path, _ in calls if path != "/events"]
    assert paths[:3] == ["/flows/", "/flow_runs/", f"/flow_runs/{run.id}/set_state"]
    created = calls[1][1]
    assert (created["name"], created["tags"], created["parameters"]) == (
        "publish-now",
        ["trilingo", "kind:publish"],
        {"full": False},
    )
    assert created["state"]["type"] == "PENDING"
    [task] = [body for path, body in calls if path == "/task_runs/"]
    assert (task["name"], task["flow_run_id"], task["state"]["type"]) == ("publish-web", run.id, "RUNNING")
    assert _states(calls, "task_runs") == [("Completed", None)]
    [artifact] = [body for path, body in calls if path == "/artifacts/"]
    assert (artifact["key"], artifact["type"], artifact["flow_run_id"]) == (
        "publish-summary",
        "markdown",
        run.id,
    )
    assert _states(calls, "flow_runs") == [("Running", None), ("Completed", None)]
    beats = [body[0] for path, body in calls if path == "/events"]
    assert beats and beats[0]["event"] == "prefect.flow-run.heartbeat"
    assert beats[0]["resource"]["prefect.resource.id"] == f"prefect.flow-run.{run.id}"


def test_heartbeats_go_on_while_the_run_works_and_stop_when_it_ends() -> None:
    with prefect_stub() as (api, calls):
        with RecordedRun(api, "publish", "n", [], {}, heartbeat=0.1):
            time.sleep(0.55)
        during = sum(path == "/events" for path, _ in calls)
        time.sleep(0.3)
        assert sum(path == "/events" for path, _ in calls) == during
    assert during >= 3


def test_a_failed_step_and_a_failed_run_carry_the_errors_message() -> None:
    with (
        prefect_stub() as (api, calls),
        pytest.raises(InputError),
        RecordedRun(api, "publish", "n", [], {}) as run,
    ):
        with pytest.raises(OSError), run.task("publish-kiosk", "publish-channel"):
            raise OSError("disk full")
        raise InputError("kiosk: disk full")
    assert _states(calls, "task_runs") == [("Failed", "disk full")]
    assert _states(calls, "flow_runs") == [("Running", None), ("Failed", "kiosk: disk full")]


def test_a_partial_run_is_completed_under_its_own_name() -> None:
    with prefect_stub() as (api, calls), RecordedRun(api, "publish", "n", [], {}) as run:
        run.finish("webhook: 1 event(s) dead")
    assert _states(calls, "flow_runs")[-1] == ("Partial", "webhook: 1 event(s) dead")
    assert [body["state"]["type"] for path, body in calls if path.endswith("/set_state")][-1] == "COMPLETED"


def test_a_server_that_stops_answering_does_not_stop_the_work_and_is_said_at_the_end() -> None:
    done: list[str] = []
    lost = pytest.raises(ServerLost, match="500")
    with (
        prefect_stub(down_after=3) as (api, calls),
        lost,
        RecordedRun(api, "publish", "n", [], {}, heartbeat=60) as run,
    ):
        for channel in ("web", "kiosk"):
            with run.task(f"publish-{channel}", "publish-channel"):
                done.append(channel)
    assert done == ["web", "kiosk"]
    asked = len(calls)
    assert asked <= 5  # after the first refusal, nothing more is sent but heartbeats


def test_no_server_at_all_is_said_before_any_work() -> None:
    with pytest.raises(ServerLost):
        RecordedRun("http://127.0.0.1:9/api", "publish", "n", [], {}).__enter__()
