"""The per document-language counts (store.counts) that the queue and `status` read.

Every test also checks them: conftest compares the kept counts with the translations of every database a
test used, after the test. These are the cases that check cannot reach: a migration that fills them, a
repair, and two PostgreSQL transactions counting one document-language at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import col, select

from tests.helpers import write_notice
from trilingo.cli import cli
from trilingo.databases import forget_databases
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate.jobs import draft_waiting
from trilingo.review.queue import queue
from trilingo.store.counts import mismatches, recount, recount_all
from trilingo.store.db import create_database
from trilingo.store.models import DocLang, Segment, SegmentState, Translation
from trilingo.store.schema import HEAD, _alembic
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database


def _drafted(db_url: str, tmp_path: Path, docs: int = 3) -> None:
    files = [str(write_notice(tmp_path, f"n{i}", f"Câu một số {i}.\n\nCâu hai số {i}.")) for i in range(docs)]
    assert CliRunner().invoke(cli, ["submit", *files]).exit_code == 0
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")


@pytest.mark.usefixtures("home")
def test_the_upgrade_that_makes_the_table_fills_it_from_the_translations(db_url: str, tmp_path: Path) -> None:
    _drafted(db_url, tmp_path)
    forget_databases()
    db = create_database(db_url)
    with db.execution_options(trilingo_write=True).begin() as conn:  # the database as revision 0009 left it
        command.downgrade(_alembic(conn), "0009")
    upgraded = CliRunner().invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout.endswith(f"schema revision 0009 → {HEAD}.\n")
    with db.connect() as conn:
        assert mismatches(conn) == []
        # 3 notices × (title + 2 sentences) × lo, zh, vi: the Vietnamese rows count no translations
        assert conn.execute(text("SELECT count(*), sum(segments) FROM doclangcount")).one() == (9, 18)
    db.dispose()


@pytest.mark.usefixtures("home")
def test_counts_that_went_wrong_are_found_and_repaired(db_url: str, tmp_path: Path) -> None:
    _drafted(db_url, tmp_path)
    db = open_database(db_url, "tester")
    with db.begin() as conn:
        conn.execute(text("UPDATE doclangcount SET needs_review = needs_review + 5 WHERE doclang_id = 2"))
    with db.connect() as conn:
        [(doclang, kept, counted)] = mismatches(conn)
    assert doclang == 2 and kept[3] == counted[3] + 5
    with db.begin() as conn:
        recount_all(conn)
    with db.connect() as conn:
        assert mismatches(conn) == []


@pytest.mark.postgres
def test_two_transactions_counting_one_document_language_at_once_lose_neither_write(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each recount locks its rows first and counts in the statement after, which sees what the other
    committed while it waited. Counting in the same statement that waits for the lock (INSERT … ON CONFLICT
    alone) would keep the count of a snapshot taken before the other's commit."""
    monkeypatch.setenv("TRILINGO_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("TRILINGO_DATABASE_URL", pg_url)
    monkeypatch.setenv("TRILINGO_USER", "tester")
    _drafted(pg_url, tmp_path, docs=1)
    db = open_database(pg_url, "tester")
    with TrilingoSession(db) as s:
        doclang = s.exec(select(DocLang).where(DocLang.lang == "lo")).one()
        first, second = s.exec(
            select(Translation)
            .join(Segment, col(Segment.id) == col(Translation.segment_id))
            .where(col(Segment.version_id) == doclang.version_id, Translation.lang == "lo")
            .order_by(col(Segment.n))
        ).all()[:2]
        ids, version = (first.id, second.id), doclang.version_id

    one = TrilingoSession(db)
    mine = one.get(Translation, ids[0])
    assert mine is not None
    mine.state, mine.target = SegmentState.EDITED, "ແກ້ໄຂ 1"
    one.flush()
    recount(one.connection(), [version])  # holds the lock on the count row until it commits
    done: list[BaseException | None] = []

    def other() -> None:
        try:
            with TrilingoSession(db) as two:
                theirs = two.get(Translation, ids[1])
                assert theirs is not None
                theirs.state, theirs.target = SegmentState.APPROVED, "ອະນຸມັດ 2"
                two.commit()
            done.append(None)
        except BaseException as exc:  # reported by the main thread
            done.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive(), "the second transaction's count did not wait for the first one's lock"
    one.commit()
    one.close()
    thread.join(30)
    assert done == [None]
    with db.connect() as conn:
        assert mismatches(conn) == []
    with TrilingoSession(db) as s:
        [item] = queue(s, "lo")
    assert item.segments == 3
    with db.connect() as conn:
        edited, approved = conn.execute(
            text("SELECT edited, approved FROM doclangcount WHERE doclang_id = :d"), {"d": doclang.id}
        ).one()
    assert (edited, approved) == (1, 1)
