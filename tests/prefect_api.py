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


def artifacts(api: str, flow_run_id: str) -> dict[str, dict]:
    """The artifacts of one flow run, by key (data as Prefect stores it: text, or a table's JSON)."""
    body = {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200}
    response = httpx.post(f"{api}/artifacts/filter", json=body, timeout=10)
    response.raise_for_status()
    return {a["key"]: a for a in response.json()}


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of a markdown artifact, as rows of cells (the header first, the |---| line left out)."""
    tables: list[list[list[str]]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
        previous = line
    return tables
