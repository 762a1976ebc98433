"""Reading flow runs back from the Prefect REST API, as an operator would."""

from __future__ import annotations

import httpx


def flow_runs(api: str, flow_name: str) -> list[dict]:
    """Runs of the flow called `flow_name`, newest first."""
    body = {"flows": {"name": {"any_": [flow_name]}}, "sort": "EXPECTED_START_TIME_DESC", "limit": 50}
    response = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def task_runs(api: str, flow_run_id: str) -> list[dict]:
    """The task runs of one flow run."""
    body = {"flow_runs": {"id": {"any_": [flow_run_id]}}, "limit": 200}
    response = httpx.post(f"{api}/task_runs/filter", json=body, timeout=10)
    response.raise_for_status()
    return response.json()
