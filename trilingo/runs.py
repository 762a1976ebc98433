"""Recent flow runs, read straight from the Prefect REST API with httpx: `trilingo runs` never imports Prefect.

Future scheduled runs (the sweeps `serve` plans ahead) are hidden: only runs expected to have started
by now are listed, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from trilingo import prefect_rest
from trilingo.errors import InputError, UnavailableError
from trilingo.i18n import N_

# What an operator types → the Prefect state types it means. "failed" is everything that did not finish.
STATE_TYPES = {
    "completed": ["COMPLETED"],
    "failed": ["FAILED", "CRASHED"],
    "crashed": ["CRASHED"],
    "running": ["RUNNING"],
    "pending": ["PENDING"],
    "late": ["SCHEDULED"],  # a scheduled run whose time has passed
    "cancelled": ["CANCELLED", "CANCELLING"],
    "paused": ["PAUSED"],
}
STATE_NAMES = {"partial": "Partial"}  # Completed runs in which some work failed (see flows.pretranslate)
STATES = sorted([*STATE_TYPES, *STATE_NAMES])
MAX_LIMIT = 200


@dataclass(frozen=True)
class RunRow:
    id: str
    name: str
    flow: str
    state: str  # the state's name: Completed, Partial, Failed, Crashed, Running, …
    state_type: str
    message: str
    started: str | None  # ISO 8601, UTC
    seconds: float | None  # run time so far, or in total
    tags: list[str]
    deployment_id: str | None
    started_by: str  # cli (an inline run), event (an automation), schedule (a sweep or cron), or manual
    # Ended without fully succeeding: Failed, Crashed, Cancelled, or Completed with failed work (Partial).
    # The one rule every client shows (`runs` marks these with "!"), so none has to make up its own.
    problem: bool = False

    @property
    def ok(self) -> bool:
        return self.state_type == "COMPLETED" and self.state == "Completed"


UNFINISHED = ("RUNNING", "PENDING", "SCHEDULED", "PAUSED")


def is_problem(state_type: str, state: str) -> bool:
    """Whether a run in this state ended without fully succeeding."""
    return state_type not in UNFINISHED and not (state_type == "COMPLETED" and state == "Completed")


def recent_runs(
    api_url: str,
    *,
    states: list[str] | None = None,
    flow: str | None = None,
    limit: int = 20,
    now: datetime | None = None,
    timeout: float = 5.0,
) -> list[RunRow]:
    """The newest `limit` runs (optionally of one flow, in some states), newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(
            N_("--limit must be between 1 and {most}, got {limit}").format(most=MAX_LIMIT, limit=limit)
        )
    now = now or datetime.now(UTC)
    runs_filter: dict[str, Any] = {"expected_start_time": {"before_": now.isoformat()}}
    types = [t for s in states or [] if s in STATE_TYPES for t in STATE_TYPES[s]]
    names = [STATE_NAMES[s] for s in states or [] if s in STATE_NAMES]
    if types or names:
        # Either matches: "failed or partial" means both.
        state: dict[str, Any] = {"operator": "or_"}
        if types:
            state["type"] = {"any_": types}
        if names:
            state["name"] = {"any_": names}
        runs_filter["state"] = state
    body: dict[str, Any] = {"flow_runs": runs_filter, "sort": "EXPECTED_START_TIME_DESC", "limit": limit}
    if flow:
        body["flows"] = {"name": {"any_": [flow]}}
    with prefect_rest.client(api_url, timeout) as client:
        runs = _post(client, "/flow_runs/filter", body)
        flow_ids = sorted({r["flow_id"] for r in runs})
        flows = (
            {
                f["id"]: f["name"]
                for f in _post(client, "/flows/filter", {"flows": {"id": {"any_": flow_ids}}})
            }
            if flow_ids
            else {}
        )
    return [_row(r, flows, now) for r in runs]


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    base = str(client.base_url).rstrip("/")
    try:
        response = client.post(path, json=body)
    except httpx.HTTPError as exc:
        raise UnavailableError(
            N_(
                "no Prefect server answers at {url} ({error}); start the local one with "
                "`trilingo server start`, or check prefect_api_url"
            ).format(url=base, error=exc.__class__.__name__)
        ) from None
    if response.status_code != 200:
        raise UnavailableError(
            N_("the Prefect server at {url} answered {status} to {path}").format(
                url=base, status=response.status_code, path=path
            )
        )
    data = response.json()
    if not isinstance(data, list):
        raise UnavailableError(
            N_("the Prefect server at {url} answered {path} with something that is not a list").format(
                url=base, path=path
            )
        )
    return data


def _row(run: dict[str, Any], flows: dict[str, str], now: datetime) -> RunRow:
    state = run.get("state") or {}
    started = run.get("start_time")
    seconds: float | None = run.get("total_run_time")
    if state.get("type") == "RUNNING" and started:
        seconds = (now - datetime.fromisoformat(started)).total_seconds()
    name = state.get("name") or run.get("state_name") or "?"
    kind = state.get("type") or run.get("state_type") or "?"
    return RunRow(
        id=run["id"],
        name=run.get("name") or "",
        flow=flows.get(run["flow_id"], "?"),
        state=name,
        state_type=kind,
        message=state.get("message") or "",
        started=started,
        seconds=seconds,
        tags=list(run.get("tags") or []),
        deployment_id=run.get("deployment_id"),
        started_by=_started_by(run),
        problem=is_problem(kind, name),
    )


def _started_by(run: dict[str, Any]) -> str:
    if not run.get("deployment_id"):
        return "cli"
    if (run.get("created_by") or {}).get("type") == "AUTOMATION":
        return "event"
    return "schedule" if run.get("auto_scheduled") else "manual"
