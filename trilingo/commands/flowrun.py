"""Starting flow runs from commands. Only these paths import Prefect, and only after the checks pass."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trilingo import server
from trilingo.commands.common import App
from trilingo.config import Settings
from trilingo.errors import TrilingoError, UnavailableError
from trilingo.i18n import _
from trilingo.people import authorize
from trilingo.pretranslate.plan import EnginePlan, plan
from trilingo.store.documents import resolve_document

if TYPE_CHECKING:
    from trilingo.channels.publish import Fingerprint


def check_pipeline(
    app: App, langs: list[str], documents: list[str] | None = None, echo: Callable[[str], None] | None = None
) -> EnginePlan:
    """Before any flow run: the engine plan, the user's right to run the pipeline, the documents named."""
    settings = app.settings
    engine_plan = plan(settings.engine, settings.engine_options, langs)
    for note in engine_plan.notes:
        (echo or app.note)(note)
    with app.session() as session:
        authorize(session, settings.user, "pipeline")
        for ref in documents or []:
            resolve_document(session, ref)  # unknown documents fail before a flow run starts
    return engine_plan


def run_pretranslate(
    app: App, documents: list[str], langs: list[str], echo: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    settings = app.settings
    engine_plan = check_pipeline(app, langs, documents, echo)
    server.connect(settings, os.environ, announce=app.note, verbose=app.verbose)
    # Deferred (here and below): Prefect reads PREFECT_API_URL when it is imported, so only after connect.
    from trilingo.flows.context import pretranslate_params, run_identity
    from trilingo.flows.pretranslate import pretranslate_flow

    params = pretranslate_params(settings, engine_plan.engines, documents)
    name, tags = run_identity("pretranslate", engine_plan.engines)
    result: list[dict[str, Any]] = _run(settings, pretranslate_flow, run_name=name, run_tags=tags, **params)
    return result


def publish_state(app: App) -> tuple[Fingerprint | None, bool]:
    """Before a publish: the user's right to run the pipeline, what the publish would read (its
    fingerprint), and whether a publish of every channel would change nothing since the last one."""
    from trilingo.channels.publish import fingerprint, nothing_to_publish

    settings = app.settings
    with app.session() as session:  # a missing or older database is reported here, before a flow run starts
        authorize(session, settings.user, "pipeline")
        conn = session.connection()
        taken = fingerprint(conn, settings)
        return taken, nothing_to_publish(conn, settings, taken)


def run_publish(
    app: App, full: bool = False, state: tuple[Fingerprint | None, bool] | None = None
) -> list[dict[str, Any]]:
    """Publish every channel in a flow run (`full`: render every file again). `state` is what
    `publish_state` said, if the caller asked it already. When the run succeeded on every channel, the
    fingerprint taken before it is kept for the next `publish_state`."""
    from trilingo.channels.publish import keep_fingerprint

    settings = app.settings
    taken, _idle = state or publish_state(app)
    server.connect(settings, os.environ, announce=app.note, verbose=app.verbose)
    from trilingo.flows.context import run_identity
    from trilingo.flows.publish import publish_flow

    name, tags = run_identity("publish")
    keep_fingerprint(settings, None)  # a run that fails, or is killed, leaves none behind
    result: list[dict[str, Any]] = _run(
        settings,
        publish_flow,
        run_name=name,
        run_tags=tags,
        home=str(settings.home),
        user=settings.user,
        full=full,
    )
    clean = isinstance(result, list) and not any(
        r.get("failed") or r.get("dead_total") or r.get("pending_total") for r in result
    )
    keep_fingerprint(settings, taken if clean else None)
    return result


def _run(settings: Settings, flow_fn: Callable[..., Any], **params: Any) -> Any:
    """Run a flow inline; a Prefect server that goes away mid-run is one error line, not tracebacks."""
    from trilingo.flows.runtime import run

    # Prefect's log shipper prints a traceback for every batch it cannot send; the run's fate is reported below.
    logging.raiseExceptions = False
    try:
        return run(settings, flow_fn, **params)
    except TrilingoError:
        raise
    except Exception as exc:
        if server.healthy(settings.prefect_api_url):
            raise
        raise UnavailableError(
            _(
                "the Prefect server at {url} stopped answering during the run ({error}); the work finished "
                "before that is saved. Start it with `trilingo server start`, then run this command again "
                "to finish"
            ).format(url=settings.prefect_api_url.removesuffix("/api"), error=exc.__class__.__name__)
        ) from None
