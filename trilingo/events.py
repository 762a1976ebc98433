"""Telling `trilingo serve` that there is work: Prefect events, posted to the REST API with httpx.

`submit` says `trilingo.document.submitted`, `approve` says `trilingo.doclang.approved`, `retract` says
`trilingo.doclang.retracted`. The deployments that `serve` (or `deploy`) registers are triggered by them.
Events are best-effort: when no server answers, the command still succeeds, says so in one line, and
the deployments' sweeps pick the work up. Prefect is never imported here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from trilingo.config import Settings

SUBMITTED = "trilingo.document.submitted"
APPROVED = "trilingo.doclang.approved"
RETRACTED = "trilingo.doclang.retracted"
TIMEOUT = 2.0


def resource_id(settings: Settings) -> str:
    """What every event of this workspace is about; triggers match on it."""
    return f"trilingo.workspace.{settings.workspace_key}"


def event_body(
    settings: Settings, name: str, payload: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "occurred": (now or datetime.now(UTC)).isoformat(),
        "event": name,
        "resource": {
            "prefect.resource.id": resource_id(settings),
            "prefect.resource.name": settings.home.name,
            "trilingo.actor": settings.user,
        },
        "payload": payload,
    }


def emit(
    settings: Settings,
    name: str,
    payload: dict[str, Any],
    note: Callable[[str], None] | None = None,
    *,
    timeout: float = TIMEOUT,
) -> bool:
    """Post one event. False (after one line to `note`) if no server took it; never raises."""
    url = settings.prefect_api_url.rstrip("/") + "/events"
    try:
        response = httpx.post(url, json=[event_body(settings, name, payload)], timeout=timeout)
        ok = response.status_code in (200, 201, 204)
        why = "" if ok else f"it answered {response.status_code}"
    except httpx.HTTPError as exc:
        ok, why = False, exc.__class__.__name__
    if not ok and note is not None:
        note(
            f"Note: the Prefect server at {settings.prefect_api_url.removesuffix('/api')} did not take the "
            f"{name} event ({why}); saved all the same: `trilingo serve` picks it up at its next sweep, or run "
            "the step by hand"
        )
    return ok


def documents_payload(slugs: Sequence[str], **extra: Any) -> dict[str, Any]:
    return {"documents": list(slugs), **extra}
