"""A flow run on the Prefect server for work this process does itself, told through the REST API.

`trilingo publish` runs the same steps as the publish flow (trilingo.channels.run) but not under
Prefect's engine: importing Prefect and starting its engine cost about 4 s of every publish on this
project's two-core machine, when a publish after one approval has 2 s in all. The run it records is
what Prefect's engine would have recorded for an inline run, so `trilingo runs`, `status` and the UI
see no difference:

- a flow run of the named flow, with its name, tags and parameters, Pending then Running;
- one task run per step (`publish-web` …), Running then Completed or Failed with the error;
- heartbeats every HEARTBEAT_SECONDS while it runs: the crash-detection automation marks it Crashed
  if this process dies;
- its Markdown artifacts;
- its final state: Completed, Completed named Partial (published, but not all of it went out), or
  Failed with the error's message.

Prefect is never imported: the calls go through httpx (trilingo.prefect_rest, which asks again while
the server says it is busy). A server that stops answering mid-run does not stop the work: the run
ends, and `ServerLost` says what was done and what the server was not told.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from trilingo import prefect_rest
from trilingo.automations import HEARTBEAT_SECONDS


class ServerLost(Exception):
    """The Prefect server stopped answering while the run was recorded."""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _state(kind: str, name: str, message: str | None = None) -> dict[str, Any]:
    return {"type": kind, "name": name, "message": message}


class RecordedRun:
    """`with RecordedRun(api_url, "publish", name, tags, parameters) as run:` … `run.finish()`.

    Leaving the block with an exception records the run Failed with its message (and raises it on);
    leaving it without `finish` records it Completed."""

    def __init__(
        self,
        api_url: str,
        flow: str,
        name: str,
        tags: list[str],
        parameters: dict[str, Any],
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.api_url = api_url
        self.flow, self.name, self.tags, self.parameters = flow, name, tags, parameters
        self.heartbeat = heartbeat
        self.id = ""
        self.flow_id = ""
        self.lost: httpx.HTTPError | None = None  # the first call the server did not answer
        self._client = prefect_rest.client(api_url, timeout=10.0)
        self._stop = threading.Event()
        self._beats: threading.Thread | None = None
        self._ended = False

    # The server's part -------------------------------------------------------------------------------

    def _call(self, path: str, body: dict[str, Any] | list[Any]) -> Any:
        """POST `body` to `path`; its JSON answer, or None once the server has stopped answering."""
        if self.lost is not None:
            return None
        try:
            answer = self._client.post(path, json=body)
            answer.raise_for_status()
        except httpx.HTTPError as exc:
            self.lost = exc
            return None
        return answer.json() if answer.content else {}

    def __enter__(self) -> RecordedRun:
        flow = self._call("/flows/", {"name": self.flow})
        if flow is None:
            raise ServerLost(self._why())
        self.flow_id = flow["id"]
        run = self._call(
            "/flow_runs/",
            {
                "flow_id": self.flow_id,
                "name": self.name,
                "tags": self.tags,
                "parameters": self.parameters,
                "state": _state("PENDING", "Pending"),
            },
        )
        if run is None:
            raise ServerLost(self._why())
        self.id = run["id"]
        self._set(f"/flow_runs/{self.id}/set_state", _state("RUNNING", "Running"))
        self._beats = threading.Thread(target=self._beat, name="trilingo-heartbeat", daemon=True)
        self._beats.start()
        return self

    def _set(self, path: str, state: dict[str, Any]) -> None:
        self._call(path, {"state": state, "force": False})

    def _beat(self) -> None:
        resource = {"prefect.resource.id": f"prefect.flow-run.{self.id}", "prefect.resource.name": self.name}
        related = [
            {
                "prefect.resource.id": f"prefect.flow.{self.flow_id}",
                "prefect.resource.role": "flow",
                "prefect.resource.name": self.flow,
            }
        ]
        while not self._stop.is_set():
            event = {
                "id": str(uuid.uuid4()),
                "occurred": _now(),
                "event": "prefect.flow-run.heartbeat",
                "resource": resource,
                "related": related,
                "payload": {},
            }
            try:  # its own client: httpx clients are not shared between threads here
                with prefect_rest.client(self.api_url, timeout=10.0, patience=5.0) as client:
                    client.post("/events", json=[event])
            except httpx.HTTPError:
                pass  # a missed heartbeat is what the automation watches for; the final state says more
            self._stop.wait(self.heartbeat)

    @contextmanager
    def task(self, name: str, key: str) -> Iterator[None]:
        """A task run named `name` around the block: Completed, or Failed with the block's error."""
        created = self._call(
            "/task_runs/",
            {
                "flow_run_id": self.id,
                "task_key": key,
                "dynamic_key": uuid.uuid4().hex[:8],
                "name": name,
                "state": _state("RUNNING", "Running"),
            },
        )
        try:
            yield
        except BaseException as exc:
            if created is not None:
                self._set(f"/task_runs/{created['id']}/set_state", _state("FAILED", "Failed", _said(exc)))
            raise
        if created is not None:
            self._set(f"/task_runs/{created['id']}/set_state", _state("COMPLETED", "Completed"))

    def artifact(self, key: str, markdown: str, description: str) -> None:
        self._call(
            "/artifacts/",
            {
                "key": key,
                "type": "markdown",
                "data": markdown,
                "description": description,
                "flow_run_id": self.id,
            },
        )

    def finish(self, partial: str | None = None) -> None:
        """Completed, or Completed named Partial with what was not done."""
        state = (
            _state("COMPLETED", "Completed") if partial is None else _state("COMPLETED", "Partial", partial)
        )
        self._end(state)

    def _end(self, state: dict[str, Any]) -> None:
        if self._ended:
            return
        self._ended = True
        self._stop.set()
        self._set(f"/flow_runs/{self.id}/set_state", state)
        if self._beats is not None:
            self._beats.join(timeout=5)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        try:
            if exc is not None:
                failed = "Cancelled" if isinstance(exc, KeyboardInterrupt) else "Failed"
                self._end(_state(failed.upper(), failed, _said(exc)))
            else:
                self.finish()
        finally:
            self._client.close()
        if exc is None and self.lost is not None:
            raise ServerLost(self._why())

    def _why(self) -> str:
        if isinstance(self.lost, httpx.HTTPStatusError):
            return f"{self.lost.response.status_code} {self.lost.response.reason_phrase}"
        return self.lost.__class__.__name__ if self.lost is not None else ""


def _said(exc: BaseException) -> str:
    return str(exc) or exc.__class__.__name__
