"""Drafting what is waiting: the batches a flow runs as tasks, and the same work as one plain call.

The pretranslate flow runs `find_waiting` once and `draft_batch` once per batch, as tasks; tests,
benchmarks and the demo call `draft_waiting`, which does the same in this process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from itertools import zip_longest

from sqlalchemy.engine import Engine as Database

from trilingo.languages import TARGETS
from trilingo.mt.base import LOCAL_ENGINES, Engine
from trilingo.mt.throttle import Limiter
from trilingo.pretranslate.run import BatchSummary, pretranslate_batch
from trilingo.pretranslate.select import waiting
from trilingo.store.db import optimize, session_scope

# Documents per batch: a task run costs ~35 ms of server work, a segment far less.
BATCH_DOCUMENTS = 200


def find_waiting(
    db: Database,
    documents: Sequence[str] = (),
    langs: Sequence[str] = TARGETS,
    *,
    sweep: bool = False,
    grace: timedelta = timedelta(0),
) -> dict[str, list[int]]:
    """Language → ids of the document-languages with segments to draft (`sweep`: only new work, at
    least `grace` old)."""
    with session_scope(db, write=False) as session:
        return waiting(session, documents, langs, sweep=sweep, grace=grace)


def batches(todo: Mapping[str, list[int]], size: int = BATCH_DOCUMENTS) -> list[tuple[str, list[int]]]:
    """(language, document-language ids) in runs of at most `size`, the languages taking turns (so that
    batches drafted `lanes` at a time keep every language's engine busy)."""
    runs = [[(lang, ids[i : i + size]) for i in range(0, len(ids), size)] for lang, ids in todo.items()]
    return [batch for turn in zip_longest(*runs) for batch in turn if batch is not None]


def lanes(engines: Mapping[str, str]) -> int:
    """How many batches to draft at once, given each language's engine name.

    A local engine's batch is CPU-bound Python: threads only share one interpreter lock and slow each
    other (measured: ten memory-engine batches at once took 5.6 s, one after another 4.6 s, for 1,000
    notices on PostgreSQL). An online engine's batch spends its time waiting on the network, and its
    calls are already spread over threads within the batch (mt.runner): one lane per language keeps
    both languages' engines busy."""
    if all(name in LOCAL_ENGINES for name in engines.values()):
        return 1
    return max(1, len(engines))


def draft_batch(
    db: Database,
    lang: str,
    doclang_ids: list[int],
    engine: Engine,
    actor: str,
    limiter: Limiter | None = None,
) -> BatchSummary:
    """Draft one batch with the glossary as it is now (pretranslate.run says how it locks)."""
    return pretranslate_batch(db, doclang_ids, lang, engine, actor=actor, limiter=limiter)


def draft_waiting(
    db: Database, engines: Mapping[str, Engine], actor: str, documents: Sequence[str] = ()
) -> list[BatchSummary]:
    """Draft everything waiting (or the named documents) in the languages of `engines`, batch by batch."""
    todo = find_waiting(db, documents, list(engines))
    done = [draft_batch(db, lang, ids, engines[lang], actor) for lang, ids in batches(todo)]
    optimize(db)
    return done
