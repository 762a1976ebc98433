"""Running a flow inline from the CLI, reported to the workspace's Prefect server.

Call `trilingo.server.connect(settings)` before importing this module: Prefect reads its settings
from the environment when it loads.
"""

from __future__ import annotations

from typing import Any, cast

from prefect import Flow, State, tags
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from trilingo.config import Settings


def run(
    settings: Settings,
    flow_fn: Flow[..., Any],
    *,
    run_name: str | None = None,
    run_tags: list[str] | None = None,
    **params: Any,
) -> Any:
    """Run `flow_fn(**params)` in this process, sending heartbeats like the runs under `serve`: a run
    whose command is killed turns Crashed (the crash-detection automation, installed on every server
    Trilingo meets) instead of staying Running for ever."""
    from trilingo.automations import HEARTBEAT_SECONDS

    if run_name:
        flow_fn = flow_fn.with_options(flow_run_name=run_name)
    with (
        temporary_settings(
            {PREFECT_API_URL: settings.prefect_api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: HEARTBEAT_SECONDS}
        ),
        tags(*(run_tags or [])),
    ):
        state = cast("State[Any]", flow_fn(**params, return_state=True))
        # A run that failed with an exception raises it here, as calling the flow would have. A run that
        # returned Failed with its results (pretranslate, when nothing could be drafted) hands them back:
        # the command reports them and picks its exit code.
        outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def drain() -> None:
    """Flush Prefect's log and event queues now, while the server still answers (not at interpreter exit)."""
    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)
