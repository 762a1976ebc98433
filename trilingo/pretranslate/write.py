"""Writing one batch's drafts into the translation table: step 3 of pretranslate.run, without the ORM.

Each row's values (its text, state and origin, and its four JSON values: detail, warnings, hints,
checks) are serialised once, together, as one JSON array, and the database takes it apart (`$[0]`… on
SQLite, `-> 0`… on PostgreSQL). What is the
same for every row (no dismissed warnings, the glossary version, the time, no person) is written once
into the statement, not bound with each row. SQLAlchemy's executemany, which this replaces, called
json.dumps five times a row (210,000 times for the 41,600 segment-languages of 1,000 notices) and
converted each bound value of each row; on PostgreSQL it also sent one UPDATE per row.

SQLite runs one prepared statement over the rows (the driver's executemany, a C loop). PostgreSQL gets
one statement for the whole batch, its rows as one JSON document (`UPDATE … FROM json_array_elements`).

The stored JSON means the same: read back it gives the same values. On PostgreSQL (a `json` column
keeps its text) the text is json.dumps' own; SQLite gives the parts back minified (`{"a":1}`, not
`{"a": 1}`), as its JSON functions write them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Dialect, Table
from sqlmodel import Session, SQLModel

from trilingo.store.models import SegmentState

# (translation id, its row version as read, as_json(…) of what the draft says)
DraftRow = tuple[int, int, str]

_PARTS = ("target", "state", "origin", "detail", "warnings", "hints", "checks")  # as_json's order
_TEXT = 3  # the first three are text (->> on PostgreSQL), the rest JSON


def as_json(
    target: str | None,
    state: SegmentState,
    origin: str,
    detail: object,
    warnings: object,
    hints: object,
    checks: object,
) -> str:
    """A draft's values, serialised in one call, as the statements below take them apart."""
    return json.dumps([target, str(state), origin, detail, warnings, hints, checks])


def write_drafts(
    session: Session, rows: Sequence[DraftRow], *, glossary_version: int | None, now: datetime
) -> int:
    """Write these drafts, each only if its row version is still the one read (and bump it); how many
    rows were written. Nothing a reviewer dismissed is kept: the text is new."""
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    table = SQLModel.metadata.tables["translation"]
    if dialect.name == "postgresql":
        return _postgresql(session, table, dialect, rows, glossary_version, now)
    return _sqlite(session, table, dialect, rows, glossary_version, now)


# column → SQL literal, for the columns every row gets the same value in, whatever the batch
_SAME = {"dismissed": "'{}'", "updated_by": "NULL"}


def _sqlite_constants(
    table: Table, dialect: Dialect, glossary_version: int | None, now: datetime
) -> dict[str, str]:
    """The batch's own constants, as literals: bound parameters would be bound again for every row."""
    stamp = table.c.updated_at.type.bind_processor(dialect)  # the column type's own text for a time
    at = stamp(now) if stamp is not None else now.isoformat()
    return {
        **_SAME,
        "glossary_version": "NULL" if glossary_version is None else str(int(glossary_version)),
        "updated_at": "'" + str(at).replace("'", "''") + "'",
    }


def _sqlite(
    session: Session,
    table: Table,
    dialect: Dialect,
    rows: Sequence[DraftRow],
    glossary_version: int | None,
    now: datetime,
) -> int:
    quote = dialect.identifier_preparer.quote
    sets = [f"{quote(name)} = json_extract(?3, '$[{i}]')" for i, name in enumerate(_PARTS)]
    constants = _sqlite_constants(table, dialect, glossary_version, now)
    sets += [f"{quote(name)} = {value}" for name, value in constants.items()]
    sets.append(f"{quote('row_version')} = {quote('row_version')} + 1")
    statement = (
        f"UPDATE {dialect.identifier_preparer.format_table(table)} SET {', '.join(sets)} "
        f"WHERE {quote('id')} = ?1 AND {quote('row_version')} = ?2"
    )
    return int(session.connection().exec_driver_sql(statement, list(rows)).rowcount)


def _postgresql(
    session: Session,
    table: Table,
    dialect: Dialect,
    rows: Sequence[DraftRow],
    glossary_version: int | None,
    now: datetime,
) -> int:
    # The whole batch as one JSON document of rows, [id, version, draft]: each draft is already JSON
    # text and goes in as it is. Not arrays of text: psycopg quotes each item of a text
    # array with a regular expression in Python, once for every double quote of JSON (11.5 million replacements, 76 s of CPU, at 10,000 notices).
    document = "[" + ",".join(f"[{int(i)},{int(v)},{draft}]" for i, v, draft in rows) + "]"
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    sets = [f"{quote(name)} = r.row -> 2 {'->>' if i < _TEXT else '->'} {i}" for i, name in enumerate(_PARTS)]
    sets += [f"{quote(name)} = {value}" for name, value in _SAME.items()]
    sets += [f"{quote('glossary_version')} = %s", f"{quote('updated_at')} = %s"]  # bound once, for all rows
    sets.append(f"{quote('row_version')} = {target}.{quote('row_version')} + 1")
    statement = (
        f"UPDATE {target} SET {', '.join(sets)} FROM json_array_elements(%s::JSON) AS r(row) "
        f"WHERE {target}.{quote('id')} = (r.row ->> 0)::INTEGER "
        f"AND {target}.{quote('row_version')} = (r.row ->> 1)::INTEGER "
        # The ids again, for the primary key's index: joined on the document's ids alone, the planner
        # may merge them with the whole index (388,000 entries read for a batch of 4,000 at 10,000 notices).
        f"AND {target}.{quote('id')} = ANY(%s::INTEGER[])"
    )
    ids = [row[0] for row in rows]
    params = (glossary_version, now, document, ids)
    return int(session.connection().exec_driver_sql(statement, params).rowcount)
