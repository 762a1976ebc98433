"""The sweep that `serve` and the workers run every minute: only new work, and nothing drafted twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from tests.helpers import write_notice
from trilingo.cli import cli
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate import run
from trilingo.pretranslate.jobs import draft_batch, find_waiting
from trilingo.store.db import session_scope
from trilingo.store.models import AuditEvent, SegmentState, Translation
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database


@pytest.fixture
def db(home: Path, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", "http://127.0.0.1:9/api")
    for slug in ("mot", "hai"):
        notice = write_notice(tmp_path, slug, f"Câu {slug} chưa có trong bộ nhớ.")
        assert CliRunner().invoke(cli, ["submit", str(notice)]).exit_code == 0
    return open_database(db_url, "tester", home)


def _audits(db: Engine) -> int:
    with TrilingoSession(db) as s:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "pretranslate")
        return s.exec(query).one()


def test_a_sweep_takes_new_work_and_failures_but_not_what_the_memory_left_untranslated(db: Engine) -> None:
    # Just submitted: the run its event started has it, so a sweep with a grace period leaves it alone.
    assert find_waiting(db, sweep=True, grace=timedelta(minutes=2)) == {}
    new = find_waiting(db, sweep=True)
    assert {lang: len(ids) for lang, ids in new.items()} == {"lo": 2, "zh": 2}
    for lang, ids in new.items():
        draft_batch(db, lang, ids, OfflineEngine(), "tester")
    # The memory engine left every segment untranslated: a manual run would try again, a sweep does not.
    assert find_waiting(db, sweep=True) == {}
    assert {lang: len(ids) for lang, ids in find_waiting(db).items()} == {"lo": 2, "zh": 2}
    with session_scope(db) as session:
        row = session.exec(
            select(Translation).where(Translation.lang == "zh").order_by(col(Translation.id))
        ).first()
        assert row is not None
        row.state = SegmentState.MT_FAILED
        session.add(row)
    assert {lang: len(ids) for lang, ids in find_waiting(db, sweep=True).items()} == {"zh": 1}


def test_two_runs_that_reach_the_same_documents_at_once_draft_and_record_them_once(db: Engine) -> None:
    ids = find_waiting(db, sweep=True)["lo"]
    engine, now = OfflineEngine(), datetime.now(UTC)
    # Both runs read before either writes, as a sweep and an event's run on two workers would.
    with session_scope(db, write=False) as session:
        first = run._read(session, ids, "lo", engine)
    with session_scope(db, write=False) as session:
        second = run._read(session, ids, "lo", engine)
    results = []
    for read in (first, second):
        drafts, fresh = run._draft(read, "lo", engine, now, None)
        with session_scope(db) as session:
            results.append(run._write(session, read, drafts, fresh, "lo", engine, "tester", now))
    assert results[0].segments == len(first.rows) > 0 and results[0].kept == 0
    assert results[1].segments == 0 and results[1].kept == len(second.rows)
    assert _audits(db) == 2  # one per document-language, from the first run only
    with TrilingoSession(db) as s:
        versions = s.exec(select(Translation.row_version).where(Translation.lang == "lo")).all()
    assert set(versions) == {2}  # every lo row written exactly once
