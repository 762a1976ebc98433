"""pretranslate.write: a batch's drafts in one statement (PostgreSQL) or one prepared statement (SQLite),
each row's JSON serialised once; it must store what SQLAlchemy's executemany of the same UPDATE stored,
on both databases: JSON with Vietnamese, Lao and Chinese text, quotes and percent signs, NULLs, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from trilingo.intake.submit import submit_notices
from trilingo.pretranslate.write import DraftRow, as_json, write_drafts
from trilingo.store.counts import mark_versions
from trilingo.store.db import session_scope
from trilingo.store.models import Segment, SegmentState, Translation
from trilingo.text.frontmatter import parse_notice
from trilingo.workspace import open_database

WHEN = datetime(2026, 11, 28, 14, 30, 5, 123456, tzinfo=timezone(timedelta(hours=7)))  # a gate's zone


def _values(i: int) -> dict[str, Any]:
    """Row i's draft: every kind of value the JSON columns and the text column hold."""
    state = [SegmentState.NEEDS_REVIEW, SegmentState.UNTRANSLATED, SegmentState.MT_FAILED][i % 3]
    return {
        "target": None if state != SegmentState.NEEDS_REVIEW else f"ດ່ານ {i} 口岸 'it''s' \"q\" 100% {{x}}",
        "state": state,
        "origin": ["tm", "memory", "google"][i % 3],
        "detail": {
            "engine": "memory",
            "at": "2026-11-28T07:30:05+00:00",
            "cached": bool(i % 2),
            "elapsed_ms": 1.5 * i,
            "reason": None if i % 2 else "không có — ບໍ່ມີ %s %(x)s",
            "nested": {"list": [1, None, "口岸"], "empty": {}},
        },
        "warnings": [] if i % 2 else [f"thuật ngữ 'Tây Trang' {i}", "\\ backslash \u2028"],
        "hints": [{"type": "term", "source": "cửa khẩu", "target": "ດ່ານ", "note": None}] if i % 2 else [],
        "checks": [{"code": "numbers", "level": "warn", "message": "số 5 ≠ 6"}] if i % 3 == 0 else [],
    }


@pytest.fixture
def database(db_url: str, tmp_path: Path) -> Engine:
    db = open_database(db_url, "tester", tmp_path / "ws")
    body = "\n\n".join(f"Câu số {n} về cửa khẩu Tây Trang." for n in range(12))
    notices = [parse_notice(f"---\ntitle: Thông báo {d}\nslug: tb-{d}\n---\n{body}\n") for d in range(3)]
    submit_notices(db, notices, "tester", tmp_path / "ws" / "public")
    with session_scope(db) as session:  # what the write must clear: a dismissal and a person's name
        for t in session.exec(select(Translation)).all():
            t.dismissed = {"numbers": {"by": "lan", "at": "2026-11-27", "reason": "đúng"}}
            t.updated_by = "lan"
    return db


def _translations(db: Engine, lang: str) -> list[Translation]:
    with session_scope(db, write=False) as session:
        found = session.exec(
            select(Translation).where(Translation.lang == lang).order_by(col(Translation.id))
        )
        rows = list(found.all())
        session.expunge_all()
        return rows


def _recounted(session: Session) -> None:
    """Bulk writers name the versions they wrote, so that their kept counts are recounted (store.counts)."""
    mark_versions(session, [v for v in session.exec(select(Segment.version_id)).all()])


def _as_executemany_did(db: Engine, rows: list[Translation], glossary_version: int) -> None:
    """The statement pretranslate ran before: SQLAlchemy's UPDATE through executemany, every value bound."""
    table = SQLModel.metadata.tables["translation"]
    params = []
    for i, t in enumerate(rows):
        v = _values(i)
        params.append(
            {
                "b_id": t.id,
                "b_version": t.row_version,
                **{f"p_{k}": value for k, value in v.items()},
                "p_dismissed": {},
                "p_glossary_version": glossary_version,
                "p_updated_at": WHEN,
                "p_updated_by": None,
            }
        )
    values: dict[str, Any] = {name[2:]: bindparam(name) for name in params[0] if name.startswith("p_")}
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.row_version == bindparam("b_version"))
        .values({**values, "row_version": table.c.row_version + 1})
    )
    with session_scope(db) as session:
        _recounted(session)
        assert session.connection().execute(statement, params).rowcount == len(params)


def _drafts(rows: list[Translation]) -> list[DraftRow]:
    out: list[DraftRow] = []
    for i, t in enumerate(rows):
        v = _values(i)
        assert t.id is not None
        draft = as_json(
            v["target"], v["state"], v["origin"], v["detail"], v["warnings"], v["hints"], v["checks"]
        )
        out.append((t.id, t.row_version, draft))
    return out


def _seen(t: Translation) -> tuple[Any, ...]:
    return (
        t.target,
        t.state,
        t.origin,
        t.detail,
        t.warnings,
        t.hints,
        t.checks,
        t.dismissed,
        t.glossary_version,
        t.updated_at,
        t.updated_by,
        t.row_version,
    )


def test_write_drafts_stores_what_executemany_stored(database: Engine) -> None:
    before_lo, before_zh = _translations(database, "lo"), _translations(database, "zh")
    assert len(before_lo) == len(before_zh) == 39
    _as_executemany_did(database, before_lo, 7)
    statements: list[tuple[str, bool]] = []

    def seen(_c: object, _cur: object, statement: str, _p: object, _ctx: object, many: bool) -> None:
        statements.append((statement, many))

    event.listen(database, "before_cursor_execute", seen)
    try:
        with session_scope(database) as session:
            _recounted(session)
            assert write_drafts(session, _drafts(before_zh), glossary_version=7, now=WHEN) == 39
    finally:
        event.remove(database, "before_cursor_execute", seen)
    updates = [(s, many) for s, many in statements if s.lstrip().upper().startswith("UPDATE")]
    # One statement for the batch; the values every row shares are in its text, not bound per row.
    assert len(updates) == 1
    statement, many = updates[0]
    assert "'{}'" in statement and "NULL" in statement
    assert many == (database.dialect.name == "sqlite")  # PostgreSQL: one statement over arrays
    old, new = _translations(database, "lo"), _translations(database, "zh")
    assert [_seen(t) for t in new] == [_seen(t) for t in old]
    assert new[0].dismissed == {} and new[0].updated_by is None
    assert [t.row_version for t in new] == [t.row_version + 1 for t in before_zh]
    assert new[0].updated_at == WHEN  # the same instant, given back in UTC
    assert new[0].updated_at.tzinfo == UTC
    assert new[1].target is None and new[1].state == SegmentState.UNTRANSLATED
    assert new[2].detail["reason"] == "không có — ບໍ່ມີ %s %(x)s"


def test_a_row_whose_version_moved_is_not_written(database: Engine) -> None:
    rows = _translations(database, "lo")[:4]
    with session_scope(database) as session:  # a reviewer saved row 1 after the batch read it
        edited = session.get(Translation, rows[1].id)
        assert edited is not None
        edited.target, edited.state = "người sửa", SegmentState.EDITED
    with session_scope(database) as session:
        _recounted(session)
        assert write_drafts(session, _drafts(rows), glossary_version=3, now=WHEN) == 3
    after = _translations(database, "lo")[:4]
    assert after[1].target == "người sửa" and after[1].state == SegmentState.EDITED
    assert after[1].row_version == rows[1].row_version + 1  # the reviewer's save, not the batch's
    assert [a.glossary_version for a in after] == [3, None, 3, 3]
    assert after[0].row_version == rows[0].row_version + 1


def test_nothing_to_write_runs_nothing(database: Engine) -> None:
    with session_scope(database) as session:
        assert write_drafts(session, [], glossary_version=None, now=WHEN) == 0
