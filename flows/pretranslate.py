"""The pretranslate flow: one task to find the waiting work, then one task per (batch, language)."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY
from prefect.states import Completed, Failed

from trilingo import progress
from trilingo.automations import HEARTBEAT_SECONDS, earlier_sweep, reap_silent_runs
from trilingo.errors import UnavailableError
from trilingo.flows.context import run_identity, settings_from, workspace_db
from trilingo.flows.retry import retry_unless_our_error
from trilingo.flows.throttle import limiter_for
from trilingo.i18n import N_, set_zone
from trilingo.jsonable import to_json
from trilingo.languages import SOURCE, TARGETS
from trilingo.mt.health import record as record_health
from trilingo.mt.registry import make_engine, require_pair
from trilingo.pretranslate.jobs import batches, draft_batch, find_waiting, lanes
from trilingo.reports import backlog_description, pretranslate_markdown, review_backlog
from trilingo.store.db import optimize, session_scope
from trilingo.store.models import utcnow
from trilingo.workspace import open_database


@task(name="find-waiting", retries=2, retry_delay_seconds=[2, 5], retry_condition_fn=retry_unless_our_error)
def find_waiting_task(
    home: str,
    user: str,
    documents: list[str],
    langs: list[str],
    sweep: bool = False,
    grace_seconds: int = 0,
) -> dict[str, list[int]]:
    db = workspace_db(home, user)
    return find_waiting(db, documents, langs, sweep=sweep, grace=timedelta(seconds=grace_seconds))


@task(
    name="pretranslate-batch",
    task_run_name="pretranslate-{lang}-{engine_name}",
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_unless_our_error,
)
def pretranslate_batch_task(
    home: str,
    user: str,
    engine_name: str,
    engine_options: dict[str, dict[str, Any]],
    lang: str,
    doclang_ids: list[int],
) -> dict[str, Any]:
    settings = settings_from(home, user, engine_name, engine_options)
    engine = make_engine(engine_name, settings.engine_options)
    require_pair(engine, SOURCE, lang)
    db = open_database(settings.database_url, user, settings.home)
    try:
        summary = draft_batch(
            db, lang, doclang_ids, engine, user, limiter_for(engine, PREFECT_API_URL.value())
        )
    finally:
        record_health(settings.home, engine_name, engine)
    progress.advance(len(doclang_ids))  # a bar only when the CLI runs this flow in its own process
    return to_json(summary)


@task(name="analyze", retries=1, retry_delay_seconds=[5], retry_condition_fn=retry_unless_our_error)
def analyze_task(home: str, user: str) -> None:
    """Fresh planner statistics after the drafts: the queue and status stay fast."""
    optimize(workspace_db(home, user))


def _run_name() -> str:
    """`pretranslate-lo-zh-2026-11-27T10:15`, for runs that a deployment starts (the CLI names its own)."""
    from prefect.runtime import flow_run

    engines = flow_run.parameters.get("engines") or dict.fromkeys(TARGETS, "memory")
    return run_identity("pretranslate", engines)[0]


@flow(name="pretranslate", log_prints=False, flow_run_name=_run_name)
def pretranslate_flow(
    home: str,
    user: str,
    engines: dict[str, str] | None = None,
    engine_options: dict[str, dict[str, Any]] | None = None,
    documents: list[str] | None = None,
    sweep: bool = False,
    grace_seconds: int = 0,
) -> list[dict[str, Any]] | State[Any]:
    """Draft every waiting (document, language), or those of the named documents.

    `engines` maps each target language to its engine (default: memory for lo and zh). A `sweep`
    (the deployments' schedule) drafts only new work and segments that failed, and leaves alone what
    was submitted less than `grace_seconds` ago (the run its event started has it)."""
    engines = engines or dict.fromkeys(TARGETS, "memory")
    if sweep:
        _reap_silent_runs()
        if (other := _earlier_sweep()) is not None:
            get_run_logger().info("The sweep %s is still at work on what waits: this one stops.", other)
            return []
    todo = find_waiting_task(home, user, documents or [], list(engines), sweep, grace_seconds)
    progress.begin(N_("Pretranslating (document-languages)"), sum(len(ids) for ids in todo.values()))
    # At most `lanes` batches at once (jobs.lanes says why), the languages taking turns.
    results: list[dict[str, Any]] = []
    in_flight: deque[PrefectFuture[dict[str, Any]]] = deque()
    width = lanes(engines)
    for lang, ids in batches(todo):
        if len(in_flight) >= width:
            results.append(in_flight.popleft().result())
        in_flight.append(
            pretranslate_batch_task.submit(home, user, engines[lang], engine_options or {}, lang, ids)
        )
    results.extend(f.result() for f in in_flight)
    order = {lang: n for n, lang in enumerate(todo)}
    results.sort(key=lambda r: order[r["lang"]])  # language by language again, for the reports
    if results:
        analyze_task(home, user)
    logger = get_run_logger()
    failed = sum(r["failed"] for r in results)
    for r in results:
        for failure in r["failures"]:
            logger.warning("%s: %s", r["lang"], failure)
        logger.info(
            "%s: %d segments (tm %d, glossary %d, engine %d, untranslated %d, failed %d)",
            r["lang"],
            r["segments"],
            r["tm"],
            r["glossary"],
            r["engine_drafts"],
            r["untranslated"],
            r["failed"],
        )
    _leave_artifacts(home, user, results)
    if failed:
        # Not a plain success: the run's state says so, with the counts (the segments stay mt_failed).
        segments = sum(r["segments"] for r in results)
        message = N_("{failed} of {segments} segment(s) failed; the next run retries them").format(
            failed=failed, segments=segments
        )
        if not sum(r["tm"] + r["glossary"] + r["engine_drafts"] for r in results):
            return Failed(
                data=results, message=N_("nothing could be drafted: {message}").format(message=message)
            )
        return Completed(data=results, name="Partial", message=message)
    return results


def _reap_silent_runs() -> None:
    """Runs of dead workers turn Crashed here, should Prefect's automation miss them (see automations)."""
    logger = get_run_logger()
    heartbeat = PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() or HEARTBEAT_SECONDS
    try:
        reaped = reap_silent_runs(PREFECT_API_URL.value(), heartbeat)
    except UnavailableError as exc:
        logger.warning("%s", exc.message)
        return
    for run_id, why in reaped.items():
        logger.warning("flow run %s marked Crashed: %s This sweep redoes its work.", run_id, why)


def _earlier_sweep() -> str | None:
    """Another sweep of this deployment, still running, that started first (see automations)."""
    from prefect.runtime import deployment, flow_run

    if not deployment.id:
        return None
    try:
        return earlier_sweep(PREFECT_API_URL.value(), str(deployment.id), str(flow_run.id))
    except UnavailableError as exc:
        get_run_logger().warning("%s; sweeping all the same", exc.message)
        return None


def _leave_artifacts(home: str, user: str, results: list[dict[str, Any]]) -> None:
    """The run's summary and the review backlog it leaves, on the run's page in the Prefect UI."""
    create_markdown_artifact(
        pretranslate_markdown(results), key="pretranslate-summary", description="What this run drafted"
    )
    settings = settings_from(home, user)
    set_zone(lambda: settings.site.timezone)  # the snapshot's time in the workspace's zone, as the CLI
    with session_scope(workspace_db(home, user), write=False) as session:
        taken = utcnow()
        backlog = review_backlog(session, taken)
    create_table_artifact(
        backlog or [{"language": "-", "state": "-", "documents": 0, "oldest waiting": "-"}],
        key="review-backlog",
        # A snapshot, never refreshed: it says when it was taken and where the current numbers are.
        description=backlog_description(taken),
    )
