"""Inserting thousands of rows in one statement.

SQLite takes rows through the driver's executemany, a C loop over one prepared statement. On
PostgreSQL that same executemany is a round of Bind/Execute messages and one INSERT per row on the
server (0.5 s for the 7,800 translation rows of a 500-notice submit), and SQLAlchemy's multi-row
VALUES form is a statement of 7,000 placeholders that psycopg parses in Python, page after page. So
PostgreSQL gets every column as one array and a single `INSERT … SELECT FROM unnest(…)`: one
statement, parsed once, its arrays sent by psycopg's C adapters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlmodel import Session

UNNEST_FROM = 50  # fewer rows than this go through executemany everywhere: not worth the arrays


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`, in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or len(rows) < UNNEST_FROM:
        session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    arrays: list[list[Any]] = []
    casts: list[str] = []
    for name in names:
        column = table.c[name]
        values = [row[name] for row in rows]
        if isinstance(column.type, JSON):
            # As text, cast by the server: psycopg's JSON wrapper does not nest in an array. Python's
            # None is JSON null, as SQLAlchemy stores it (none_as_null is off on these columns).
            none = None if column.type.none_as_null else "null"
            arrays.append([none if v is None else json.dumps(v) for v in values])
        else:
            # The column type's own conversion (an enum to its value, a time to UTC), as SQLAlchemy
            # would have applied it to each bound value.
            process = column.type.bind_processor(dialect)
            arrays.append([process(v) for v in values] if process is not None else values)
        casts.append(column.type.compile(dialect=dialect))
    placeholders = ", ".join(f"%s::{cast}[]" for cast in casts)
    columns = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    target = dialect.identifier_preparer.format_table(table)
    connection.exec_driver_sql(
        f"INSERT INTO {target} ({columns}) SELECT * FROM unnest({placeholders})", tuple(arrays)
    )
