"""The pretranslate flow: one task per (batch, language)."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.settings import PREFECT_API_URL

from trilingo.flows.context import database_url as resolve_db
from trilingo.flows.context import settings_from
from trilingo.flows.limits import limiter_for
from trilingo.flows.retry import retry_unless_our_error
from trilingo.languages import TARGETS

BATCH_DOCUMENTS = 200  # documents per task: a task run costs ~35 ms of server work, a segment far less


@task(name="find-waiting", retries=2, retry_delay_seconds=[2, 5], retry_condition_fn=retry_unless_our_error)
def find_waiting(
    database_url: str, user: str, documents: list[str], langs: list[str]
) -> dict[str, list[int]]:
    from trilingo.glossary.store import load_starter
    from trilingo.pretranslate.select import waiting
    from trilingo.store.db import engine_for, session_scope

    with session_scope(engine_for(database_url)) as session:
        load_starter(
            session, user
        )  # the shipped glossary, unless one was ever set up (once, before batches run)
        return waiting(session, documents, langs or TARGETS)


@task(
    name="pretranslate-batch",
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_unless_our_error,
)
def pretranslate_batch_task(
    params: dict[str, Any], engine_name: str, lang: str, doclang_ids: list[int]
) -> dict[str, Any]:
    from trilingo.glossary.store import load
    from trilingo.mt.registry import make_engine, require_pair
    from trilingo.pretranslate.run import pretranslate_batch
    from trilingo.store.db import engine_for, session_scope

    settings = settings_from(**params)
    engine = make_engine(engine_name, settings.engine_options)
    require_pair(engine, "vi", lang)
    with session_scope(engine_for(settings.database_url)) as session:
        glossary = load(session)
        summary = pretranslate_batch(
            session,
            doclang_ids,
            lang,
            engine,
            glossary,
            actor=settings.user,
            limiter=limiter_for(engine, PREFECT_API_URL.value()),
        )
    return summary.as_json()


@flow(name="pretranslate", log_prints=False)
def pretranslate_flow(
    home: str,
    database_url: str,
    user: str,
    engines: dict[str, str] | None = None,
    engine_options: dict[str, dict[str, Any]] | None = None,
    documents: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Draft every waiting (document, language), or those of the named documents.

    `engines` maps each target language to its engine (default: memory for lo and zh)."""
    engines = engines or dict.fromkeys(TARGETS, "memory")
    params = {
        "home": home,
        "database_url": database_url,
        "user": user,
        "engine": "memory",
        "engine_options": engine_options or {},
    }
    todo = find_waiting(resolve_db(database_url), user, documents or [], list(engines))
    futures = [
        pretranslate_batch_task.submit(params, engines[lang], lang, ids[i : i + BATCH_DOCUMENTS])
        for lang, ids in todo.items()
        for i in range(0, len(ids), BATCH_DOCUMENTS)
    ]
    results = [f.result() for f in futures]
    logger = get_run_logger()
    for r in results:
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
    return results
