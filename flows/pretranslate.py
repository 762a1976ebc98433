"""The pretranslate flow: one task to find the waiting work, then one task per (batch, language)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.client.schemas.objects import State
from prefect.settings import PREFECT_API_URL
from prefect.states import Completed

from trilingo.flows.context import database_url as resolve_db
from trilingo.flows.context import settings_from
from trilingo.flows.limits import limiter_for
from trilingo.flows.retry import retry_unless_our_error
from trilingo.jsonable import to_json
from trilingo.languages import TARGETS
from trilingo.mt.registry import make_engine, require_pair
from trilingo.pretranslate.jobs import batches, draft_batch, find_waiting
from trilingo.store.db import optimize
from trilingo.workspace import open_database


@task(name="find-waiting", retries=2, retry_delay_seconds=[2, 5], retry_condition_fn=retry_unless_our_error)
def find_waiting_task(
    home: str, database_url: str, user: str, documents: list[str], langs: list[str]
) -> dict[str, list[int]]:
    return find_waiting(open_database(database_url, user, Path(home)), documents, langs)


@task(
    name="pretranslate-batch",
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_unless_our_error,
)
def pretranslate_batch_task(
    home: str,
    database_url: str,
    user: str,
    engine_name: str,
    engine_options: dict[str, dict[str, Any]],
    lang: str,
    doclang_ids: list[int],
) -> dict[str, Any]:
    settings = settings_from(home, database_url, user, engine_name, engine_options)
    engine = make_engine(engine_name, settings.engine_options)
    require_pair(engine, "vi", lang)
    db = open_database(settings.database_url, user, settings.home)
    summary = draft_batch(db, lang, doclang_ids, engine, user, limiter_for(engine, PREFECT_API_URL.value()))
    return to_json(summary)


@task(name="analyze", retries=1, retry_delay_seconds=[5], retry_condition_fn=retry_unless_our_error)
def analyze_task(home: str, database_url: str, user: str) -> None:
    """Fresh planner statistics after the drafts: the queue and status stay fast."""
    optimize(open_database(database_url, user, Path(home)))


@flow(name="pretranslate", log_prints=False)
def pretranslate_flow(
    home: str,
    database_url: str,
    user: str,
    engines: dict[str, str] | None = None,
    engine_options: dict[str, dict[str, Any]] | None = None,
    documents: list[str] | None = None,
) -> list[dict[str, Any]] | State[Any]:
    """Draft every waiting (document, language), or those of the named documents.

    `engines` maps each target language to its engine (default: memory for lo and zh)."""
    engines = engines or dict.fromkeys(TARGETS, "memory")
    todo = find_waiting_task(home, resolve_db(database_url), user, documents or [], list(engines))
    futures = [
        pretranslate_batch_task.submit(
            home, database_url, user, engines[lang], engine_options or {}, lang, ids
        )
        for lang, ids in batches(todo)
    ]
    results = [f.result() for f in futures]
    if results:
        analyze_task(home, resolve_db(database_url), user)
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
    if failed:
        # Not a plain success: the run's state says so, with the counts (the segments stay mt_failed).
        segments = sum(r["segments"] for r in results)
        return Completed(
            data=results,
            name="Partial",
            message=f"{failed} of {segments} segment(s) failed; the next run retries them",
        )
    return results
