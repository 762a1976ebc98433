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

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from trilingo.channels.fingerprint import Fingerprint
    from trilingo.pretranslate.plan import EnginePlan


def check_pipeline(
    app: App, langs: list[str], documents: list[str] | None = None, echo: Callable[[str], None] | None = None
) -> EnginePlan:
    """Before any flow run: the engine plan, the user's right to run the pipeline, the documents named."""
    from trilingo.people import authorize
    from trilingo.pretranslate.plan import plan
    from trilingo.store.documents import resolve_document

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
    fingerprint), and whether a publish of every channel would change nothing since the last one.
    In SQLAlchemy Core, so that a publish with nothing to do loads neither the ORM nor a channel."""
    from trilingo.access import may
    from trilingo.channels.fingerprint import fingerprint, nothing_to_publish
    from trilingo.errors import WorkspaceError
    from trilingo.identity import acting
    from trilingo.service.context import Context

    settings = app.settings

    def state(conn: Connection) -> tuple[Fingerprint | None, bool]:
        taken = fingerprint(conn, settings)
        return taken, nothing_to_publish(conn, settings, taken)

    ctx = Context(settings, settings.caller, echo=app.note)
    try:
        with acting(ctx.caller), ctx.reader(authorize=False) as conn:  # an older database is reported here
            if may(conn, settings.user, "pipeline"):
                return state(conn)
    except WorkspaceError:
        pass  # no database yet: the session below makes it, as any first change does
    from trilingo.people import authorize

    with app.session() as session:  # nobody in the workspace yet: its first change makes its admin
        authorize(session, settings.user, "pipeline")
        return state(session.connection())


def run_publish(
    app: App, full: bool = False, state: tuple[Fingerprint | None, bool] | None = None
) -> list[dict[str, Any]]:
    """Publish every channel (`full`: render every file again) in this process, recorded on the Prefect
    server as a run of the publish flow (trilingo.runrecord: the same run, task runs and artifact as the
    flow's, without Prefect's engine and its 4 s). `state` is what `publish_state` said, if the caller
    asked it already. When every channel succeeded, the fingerprint taken before is kept for the next
    `publish_state`."""
    from functools import partial

    from trilingo import progress
    from trilingo.channels import names as channel_names
    from trilingo.channels.fingerprint import keep_fingerprint
    from trilingo.channels.run import channel_step, conclude, with_retries
    from trilingo.flows.context import run_identity
    from trilingo.i18n import N_
    from trilingo.reports import publish_markdown
    from trilingo.runrecord import RecordedRun, ServerLost

    settings = app.settings
    taken, _idle = state or publish_state(app)
    server.connect(settings, os.environ, announce=app.note, verbose=app.verbose)
    name, tags = run_identity("publish")
    home, user, todo = str(settings.home), settings.user, list(channel_names())
    parameters = {"home": home, "user": user, "channels": None, "full": full}
    keep_fingerprint(settings, None)  # a run that fails, or is killed, leaves none behind
    results: list[dict[str, Any]] = []
    errors: list[tuple[str, BaseException | None]] = []
    url = settings.prefect_api_url.removesuffix("/api")
    run = RecordedRun(settings.prefect_api_url, "publish", name, tags, parameters)
    try:
        with run:
            progress.begin(N_("Publishing (channels)"), len(todo))
            for channel in todo:  # every channel, whatever happened to the one before
                try:
                    with run.task(f"publish-{channel}", "publish-channel"):
                        results.append(with_retries(partial(channel_step, home, channel, user, full)))
                except Exception as exc:
                    errors.append((channel, exc))
                progress.advance()
            run.artifact("publish-summary", publish_markdown(results), "What this run wrote")
            run.finish(conclude(home, user, todo, results, errors))
    except ServerLost as lost:
        if not run.id:
            raise UnavailableError(
                _("the Prefect server at {url} does not answer ({error}); nothing was published").format(
                    url=url, error=lost
                )
            ) from None
        raise UnavailableError(
            _(
                "published, but the Prefect server at {url} stopped answering during the run ({error}), "
                "so `trilingo runs` may not show how it ended. Start it with `trilingo server start`"
            ).format(url=url, error=lost)
        ) from None
    clean = not any(r.get("failed") or r.get("dead_total") or r.get("pending_total") for r in results)
    keep_fingerprint(settings, taken if clean else None)
    return results


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
