"""bulk_insert: on PostgreSQL one INSERT … SELECT FROM unnest(arrays); it must store exactly what
SQLAlchemy's own executemany stores, JSON, times, NULLs and Vietnamese text included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from trilingo.store.bulk import UNNEST_FROM, bulk_insert
from trilingo.store.db import session_scope
from trilingo.store.values import raw_time
from trilingo.workspace import open_database


def _rows(n: int, actor: str) -> list[dict[str, Any]]:
    start = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    return [
        {
            "at": start + timedelta(seconds=i, microseconds=i),
            "actor": actor,
            "action": "submit",
            "document_id": i if i % 3 else None,
            "lang": "lo" if i % 2 else None,
            "segment_id": None,
            "old": None,
            "new": f"Cửa khẩu số {i} — ດ່ານ {i} 口岸 'quoted' \"and\" {{braces}}",
            "detail": {"n": i, "text": "Tây Trang", "list": [1, None, "ຫຼ"], "none": None} if i % 4 else {},
        }
        for i in range(n)
    ]


def _stored(db: Engine, actor: str) -> list[tuple[Any, ...]]:
    table = SQLModel.metadata.tables["auditevent"]
    with session_scope(db, write=False) as session:
        result = session.execute(
            select(*[table.c[c] for c in ("at", "document_id", "lang", "new", "detail")])
            .where(table.c.actor == actor)
            .order_by(table.c.id)
        )
        return [tuple(r) for r in result.all()]


def test_bulk_insert_stores_what_executemany_stores(db_url: str, tmp_path: Path) -> None:
    db = open_database(db_url, "tester", tmp_path / "ws")
    table = SQLModel.metadata.tables["auditevent"]
    statements: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    n = UNNEST_FROM * 3
    with session_scope(db) as session:
        session.execute(insert(table), _rows(n, "plain"))
    event.listen(db, "before_cursor_execute", seen)
    try:
        with session_scope(db) as session:
            bulk_insert(session, table, _rows(n, "bulk"))
    finally:
        event.remove(db, "before_cursor_execute", seen)
    assert _stored(db, "bulk") == _stored(db, "plain")
    assert len(_stored(db, "bulk")) == n
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    if db.dialect.name == "postgresql":
        assert len(inserts) == 1 and "unnest(" in inserts[0]


@pytest.mark.postgres
def test_postgres_sessions_read_times_in_utc_and_do_not_jit(pg_url: str) -> None:
    # A server set to the gate's zone (here through the connection's start-up options): each connection is
    # set to UTC all the same, and JIT compilation, which cost the review queue 50 ms before it ran, is off.
    from sqlalchemy import text

    from trilingo.store.db import create_database

    db = create_database(pg_url + "%20-cTimeZone%3DAsia/Ho_Chi_Minh%20-cjit%3Don")
    try:
        with db.connect() as conn:
            assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
            assert conn.execute(text("SHOW jit")).scalar() == "off"
            assert str(conn.execute(text("SHOW search_path")).scalar()).startswith("t_")  # options were read
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-28 19:00:00.123456", datetime(2026, 11, 28, 19, 0, 0, 123456, tzinfo=UTC)),  # SQLite
        ("2026-11-28 19:00:00", datetime(2026, 11, 28, 19, 0, tzinfo=UTC)),
        ("2026-11-28T19:00:00+07:00", datetime(2026, 11, 28, 12, 0, tzinfo=UTC)),
        (datetime(2026, 1, 1, 3, 4), datetime(2026, 1, 1, 3, 4, tzinfo=UTC)),
        (datetime(2026, 1, 1, 7, tzinfo=timezone(timedelta(hours=7))), datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_raw_time_gives_aware_utc_whatever_the_driver_gave(raw: object, expected: datetime) -> None:
    got = raw_time(raw)
    assert got == expected
    assert got.tzinfo is UTC
