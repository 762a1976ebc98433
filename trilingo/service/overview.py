"""What waits and how the pipeline stands: the review queue, the operator's status, the recent flow runs.

SQLAlchemy Core only (store.tables): a cold `review queue` or `status` never loads the ORM.
"""

from __future__ import annotations

from typing import Any

from trilingo.service.context import Context


def queue(ctx: Context, lang: str | None = None) -> Any:
    """Documents waiting for a reviewer, oldest first (out-of-date live translations before them)."""
    from trilingo.review.queue import queue as load_queue

    with ctx.reader() as conn:
        return load_queue(conn, lang)


def status(ctx: Context) -> dict[str, Any]:
    """The workspace, its database and Prefect server, the backlog, failures, channels, engines, the
    webhook, the workspace's rules and the audit log's last verification."""
    from trilingo import channels, rules
    from trilingo import server as srv
    from trilingo.mt.health import load as engine_health
    from trilingo.status import channel_failures, pending_retractions
    from trilingo.status import status as load_status
    from trilingo.store.db import redact

    settings = ctx.settings
    with ctx.reader() as conn:
        data = load_status(conn)
        data["channel_status"] = channels.statuses(conn)
        data["webhook"] = data["channel_status"]["webhook"]  # (its own key too, as before)
        data["channel_failures"] = channel_failures(conn)
        data["pending_retractions"] = pending_retractions(conn)
        data["four_eyes"] = bool(rules.read(conn, "four_eyes"))
        data["audit_verified"] = rules.read(conn, rules.AUDIT_VERIFIED)
    data["workspace"] = str(settings.home)
    data["database"] = redact(settings.database_url)
    answering = srv.answers(settings.prefect_api_url)
    data["prefect"] = {"api_url": settings.prefect_api_url, "answering": answering}
    data["silent_runs"] = _silent_runs(settings.prefect_api_url) if answering else []
    data["engines"] = engine_health(settings.home)
    return data


def runs(
    ctx: Context, states: list[str] | None = None, flow: str | None = None, limit: int = 20
) -> list[Any]:
    """Recent flow runs, newest first, from the workspace's Prefect server; each says whether it fully
    succeeded (`ok`), so no client has to tell a Partial or a Crashed run from a good one itself."""
    from trilingo.runs import recent_runs

    with ctx.reader():  # readers only: an unknown name is refused before the Prefect server is asked
        pass
    return recent_runs(ctx.settings.prefect_api_url, states=states or [], flow=flow, limit=limit)


def _silent_runs(api_url: str) -> list[Any]:
    """Flow runs that are Running but send no heartbeat: their process died (a killed command)."""
    from trilingo.automations import silent_runs
    from trilingo.errors import UnavailableError

    try:
        return silent_runs(api_url)
    except UnavailableError:
        return []  # the Prefect server's own trouble is reported by its line in status
