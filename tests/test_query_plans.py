"""The hot queries use their indexes. Timing nothing: each query the queue, status, the pipeline and the
web channel run is captured and EXPLAINed over a seeded workspace, and a full scan of a big table fails.

On SQLite the plans are read with the statistics the workspace itself gathers (ANALYZE after bulk
changes). PostgreSQL prefers a sequential scan on any small table, so there the test forbids them
(`enable_seqscan = off`): a sequential scan that remains means no index can serve the query.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from trilingo.channels.pages import live_pages
from trilingo.channels.web import publish_web
from trilingo.intake.submit import submit_notices
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate.jobs import draft_waiting, find_waiting
from trilingo.pretranslate.run import pretranslate_batch
from trilingo.review.queue import queue
from trilingo.status import status
from trilingo.store.db import optimize, session_scope
from trilingo.text.frontmatter import parse_notice
from trilingo.workspace import open_database

DOCS = 200


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> Engine:
    rng = random.Random(3)
    words = [
        "cửa",
        "khẩu",
        "hải",
        "quan",
        "biên",
        "phòng",
        "hộ",
        "chiếu",
        "hành",
        "khách",
        "giờ",
        "mở",
        "cửa",
        "đóng",
        "ngày",
        "xe",
        "hàng",
        "hóa",
    ]
    notices = [
        parse_notice(
            f"---\ntitle: Thông báo {i}\nslug: tb-{i}\n---\n"
            + "\n\n".join(" ".join(rng.choice(words) for _ in range(8)).capitalize() + "." for _ in range(12))
        )
        for i in range(DOCS)
    ]
    db = open_database(db_url, "tester", tmp_path / "ws")
    submit_notices(db, notices, "tester", tmp_path / "ws" / "public")
    draft_waiting(db, {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    optimize(db)
    return db


@pytest.fixture
def captured() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def seen(
        _conn: object, _cursor: object, statement: str, parameters: Any, _context: object, many: bool
    ) -> None:
        if not many and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", seen)
    yield statements
    event.remove(Engine, "before_cursor_execute", seen)


def _hot_paths(db: Engine, tmp_path: Path) -> dict[str, Callable[[], object]]:
    def with_session(fn: Callable[..., object], *args: object) -> Callable[[], object]:
        def call() -> object:
            with session_scope(db, write=False) as session:
                return fn(session, *args)

        return call

    waiting = find_waiting(db)

    def read_a_batch() -> object:
        # Drafting a batch again reads its rows; none are left to write, which is fine here.
        return pretranslate_batch(db, waiting.get("lo", [1]), "lo", OfflineEngine(), actor="tester")

    return {
        "queue": with_session(queue),
        "queue lo": with_session(queue, "lo"),
        "status": with_session(status),
        "find waiting": lambda: find_waiting(db),
        "pretranslate read": read_a_batch,
        # On the site the seeding published: in an empty folder, every other page would be missing, and
        # putting them all back reads every record (a scan, rightly: it is a full rebuild).
        "web pages": with_session(
            lambda s: publish_web(s, tmp_path / "ws" / "public" / "web", documents={1})
        ),
        # What a publish of a few documents reads: the pages of their sitemap files, and of one language.
        "web pages of a sitemap file": with_session(lambda s: live_pages(s, chunks={0})),
        "web pages of a language": with_session(lambda s: live_pages(s, lang="vi")),
    }


def _explain(db: Engine, statement: str, parameters: Any) -> list[str]:
    with db.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        if db.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        row = cursor.fetchone()
        assert row is not None
        plan = row[0]
        cursor.close()
        return [json.dumps(node) for node in _nodes(plan[0]["Plan"])]


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield {k: node.get(k) for k in ("Node Type", "Relation Name", "Index Name")}
    for child in node.get("Plans", []):
        yield from _nodes(child)


# The tables that grow with every segment. A query may reach their rows only through a selective key
# (a row id, a segment, a version): the bug this guards against searched translations by language
# alone, once per queue item. Whole-table reads are for the status totals only.
BIG = ("translation", "segment", "publishrecord")
SELECTIVE = (
    "rowid=",
    "id=",
    "segment_id=",
    "version_id=",
    "AND state=",
    "document_id=",  # the publish ledger: one document's records
)  # by language *and* state: the rows in that state
WHOLE_TABLE_OK = {"status"}


def _bad_access(db: Engine, name: str, lines: list[str]) -> list[str]:
    bad = []
    for line in lines:
        if db.dialect.name == "sqlite":
            if "AUTOMATIC" in line:  # SQLite built itself a temporary index: a real one is missing
                bad.append(line)
                continue
            words = line.split()
            if len(words) < 2 or words[1] not in BIG:
                continue
            if (
                words[0] == "SCAN"
                and name not in WHOLE_TABLE_OK
                or words[0] == "SEARCH"
                and not any(key in line for key in SELECTIVE)
            ):
                bad.append(line)
        else:
            node = json.loads(line)
            if node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG:
                bad.append(line)
    return bad


def test_the_hot_queries_use_their_indexes(
    seeded: Engine, captured: list[tuple[str, Any]], tmp_path: Path
) -> None:
    problems = []
    for name, call in _hot_paths(seeded, tmp_path).items():
        captured.clear()
        call()
        assert captured, f"{name} ran no query"
        for statement, parameters in list(captured):
            if "alembic_version" in statement or "sqlite_master" in statement or "pg_catalog" in statement:
                continue
            scans = _bad_access(seeded, name, _explain(seeded, statement, parameters))
            if scans:
                problems.append(f"{name}: {' '.join(statement.split())[:160]} → {scans}")
    assert problems == [], "\n".join(problems)


def _analyze_counts(db: Engine) -> dict[str, tuple[int, int]]:
    """table → (manual analyses, rows modified since the last one), once the numbers settle: PostgreSQL
    publishes a backend's counts when it goes idle or exits, so the pool is closed first."""
    db.dispose()
    seen: dict[str, tuple[int, int]] = {}
    for _ in range(40):
        with db.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT relname, analyze_count, n_mod_since_analyze FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema()"
            ).all()
        db.dispose()
        now = {name: (int(count), int(mods)) for name, count, mods in rows}
        if now == seen:
            return now
        seen = now
        time.sleep(0.25)
    return seen


# PostgreSQL only: its own counters decide there; SQLite's sampled ANALYZE costs tens of milliseconds.
@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_postgres_analyzes_a_table_only_when_a_tenth_of_it_changed(seeded: Engine) -> None:
    assert seeded.dialect.name == "postgresql"
    _analyze_counts(seeded)  # what the seeding changed is counted (a backend's counts show once it is idle)
    optimize(seeded)  # and analyzed now
    first = _analyze_counts(seeded)
    assert all(first[t][0] >= 1 for t in ("translation", "segment", "doclang", "document", "documentversion"))
    optimize(seeded)  # nothing changed since: nothing is analyzed again
    assert _analyze_counts(seeded) == first
    with session_scope(seeded) as session:  # a third of the documents change, nothing else
        session.connection().exec_driver_sql(
            "UPDATE document SET created_by = 'someone' WHERE id <= (SELECT max(id) / 3 FROM document)"
        )
    assert _analyze_counts(seeded)["document"][1] >= 1
    optimize(seeded)
    after = _analyze_counts(seeded)
    assert after["document"] == (first["document"][0] + 1, 0)
    assert after["translation"] == first["translation"]
