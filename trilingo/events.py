"""Telling `trilingo serve` that there is work: Prefect events, posted to the REST API.

`submit` says `trilingo.document.submitted`, `approve` says `trilingo.doclang.approved`, `retract` says
`trilingo.doclang.retracted`. The deployments that `serve` (or `deploy`) registers are triggered by them.
Events are best-effort: when no server answers, the command still succeeds, says so in one line, and
the deployments' sweeps pick the work up. Prefect is never imported here, nor httpx: `webclient`
posts the event with the standard library (httpx's import and TLS set-up were 0.2 s of every `submit`,
which the scale benchmark felt at 500 notices a process).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from trilingo.config import Settings
from trilingo.i18n import N_
from trilingo.webclient import request

SUBMITTED = "trilingo.document.submitted"
APPROVED = "trilingo.doclang.approved"
RETRACTED = "trilingo.doclang.retracted"
TIMEOUT = 2.0
# A submit of more notices than this says so in several events, each naming at most this many, so that
# each starts its own flow run and several workers share a bulk import. Each run on a worker is a fresh
# process, about 4 s of Prefect's own start and stop: 500 notices (about 20,000 segment-languages, 5 s
# with the offline engine) keep that under half of the run.
DOCUMENTS_PER_EVENT = 500


def resource_id(settings: Settings) -> str:
    """What every event of this workspace is about; triggers match on it."""
    return f"trilingo.workspace.{settings.workspace_key}"


def event_body(
    settings: Settings,
    name: str,
    payload: dict[str, Any],
    now: datetime | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "occurred": (now or datetime.now(UTC)).isoformat(),
        "event": name,
        "resource": {
            "prefect.resource.id": resource_id(settings),
            "prefect.resource.name": settings.home.name,
            "trilingo.actor": actor or settings.user,
        },
        "payload": payload,
    }


def emit(
    settings: Settings,
    name: str,
    payload: dict[str, Any] | Sequence[dict[str, Any]],
    note: Callable[[str], None] | None = None,
    *,
    timeout: float = TIMEOUT,
    actor: str | None = None,
) -> bool:
    """Post one event, or one per payload in a single request. False (after one line to `note`) if no
    server took them; never raises."""
    url = settings.prefect_api_url.rstrip("/") + "/events"
    payloads = [payload] if isinstance(payload, dict) else list(payload)
    body = [event_body(settings, name, p, actor=actor) for p in payloads]
    reply = request("POST", url, body=body, timeout=timeout)
    ok = reply.status in (200, 201, 204)
    why = reply.error if reply.status is None else N_("it answered {status}").format(status=reply.status)
    if not ok and note is not None:
        note(
            N_(
                "Note: the Prefect server at {url} did not take the {name} event ({why}); saved all the same: "
                "`trilingo serve` picks it up at its next sweep, or run the step by hand"
            ).format(url=settings.prefect_api_url.removesuffix("/api"), name=name, why=why)
        )
    return ok


def documents_payload(slugs: Sequence[str], **extra: Any) -> dict[str, Any]:
    return {"documents": list(slugs), **extra}


def documents_payloads(slugs: Sequence[str], per: int | None = None) -> list[dict[str, Any]]:
    """The payloads of the events that announce `slugs`: at most `per` (DOCUMENTS_PER_EVENT) each, in
    order."""
    per = per or DOCUMENTS_PER_EVENT
    return [documents_payload(slugs[i : i + per]) for i in range(0, len(slugs), per)]
