"""Running a flow from the CLI: make sure the local server is up, point Prefect at it, run inline."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from trilingo import server
from trilingo.config import Settings
from trilingo.errors import UnavailableError


def run(settings: Settings, flow_fn: Callable[..., Any], **params: Any) -> Any:
    """Run `flow_fn(**params)` in this process, reported to the workspace's Prefect server."""
    if not server.healthy(settings.prefect_api_url):
        if not settings.prefect_api_url.startswith(("http://127.0.0.1", "http://localhost")):
            raise UnavailableError(f"the Prefect server at {settings.prefect_api_url} does not answer")
        server.start(settings, os.environ)
    # The process edge: Prefect reads these when it loads, so they must be set before the import.
    os.environ.update(server.prefect_env(settings, {}))
    if settings.database_url_has_secret:  # not a flow parameter: the inline flow finds it here
        os.environ["TRILINGO_DATABASE_URL"] = settings.database_url
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(
        {PREFECT_API_URL: settings.prefect_api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    ):
        return flow_fn(**params)


def drain() -> None:
    """Flush Prefect's log and event queues now, while the server still answers (not at interpreter exit)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)
