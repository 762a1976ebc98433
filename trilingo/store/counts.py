"""The per document-language counts of segments by state (the doclangcount table), kept at every commit.

A transaction that writes translations marks what it touched: the ORM's own writes are noticed at each
flush, and the bulk writers (submit, pretranslate) mark the document versions they wrote. Just before
the commit, the marked document-languages are counted again from their translations, in one statement.

Counting again, rather than adding differences, keeps the counts right whatever a writer did. Two
transactions may count the same document-language at once on PostgreSQL: each first locks its count
rows (in id order, so two writers never wait for each other in a circle), and the count that follows is
a new statement, which in READ COMMITTED sees what the other one committed while it waited. SQLite has
one writer at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from trilingo.store.chunks import chunked
from trilingo.store.tables import COUNT_COLUMNS as COLUMNS
from trilingo.store.tables import STATES

_VERSIONS = "trilingo_counted_versions"  # session.info keys: what this transaction touched
_SEGMENTS = "trilingo_counted_segments"

_COUNTED = (
    "SELECT d.id, count(t.id), "
    + ", ".join(f"coalesce(sum(CASE WHEN t.state = '{s}' THEN 1 ELSE 0 END), 0)" for s in STATES)
    + ", coalesce(sum(CASE WHEN CAST(t.warnings AS VARCHAR) != '[]' THEN 1 ELSE 0 END), 0) "
    "FROM doclang d LEFT JOIN segment s ON s.version_id = d.version_id "
    "LEFT JOIN translation t ON t.segment_id = s.id AND t.lang = d.lang "
)
_RECOUNT = text(
    f"INSERT INTO doclangcount (doclang_id, {', '.join(COLUMNS)}) "
    + _COUNTED
    + "WHERE d.version_id IN :versions GROUP BY d.id "
    "ON CONFLICT (doclang_id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS)
).bindparams(bindparam("versions", expanding=True))
_LOCK = text(
    "SELECT c.doclang_id FROM doclangcount c JOIN doclang d ON d.id = c.doclang_id "
    "WHERE d.version_id IN :versions ORDER BY c.doclang_id FOR UPDATE OF c"
).bindparams(bindparam("versions", expanding=True))
_VERSIONS_OF = text("SELECT DISTINCT version_id FROM segment WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def mark_versions(session: Session, version_ids: Iterable[int]) -> None:
    """The translations of these document versions were written by this transaction (bulk writers)."""
    session.info.setdefault(_VERSIONS, set()).update(version_ids)


def recount(conn: Connection, version_ids: Iterable[int]) -> None:
    """Count the document-languages working on these versions again (inside the caller's transaction)."""
    for chunk in _chunks(version_ids):
        if conn.dialect.name == "postgresql":
            conn.execute(_LOCK, {"versions": chunk})
        conn.execute(_RECOUNT, {"versions": chunk})


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """Sorted (the lock order), in lists a statement can take."""
    for chunk in chunked(sorted(set(ids))):
        yield list(chunk)


def recount_all(conn: Connection) -> None:
    """Every document-language counted again (the migration that made the table; a repair)."""
    ids = [v for (v,) in conn.execute(text("SELECT DISTINCT version_id FROM doclang"))]
    recount(conn, ids)


def mismatches(conn: Connection) -> list[tuple[Any, ...]]:
    """Document-languages whose kept counts differ from their translations: (id, kept, counted)."""
    counted = {row[0]: tuple(row[1:]) for row in conn.execute(text(_COUNTED + "GROUP BY d.id"))}
    kept = {
        row[0]: tuple(row[1:])
        for row in conn.execute(text(f"SELECT doclang_id, {', '.join(COLUMNS)} FROM doclangcount"))
    }
    return [
        (doclang, kept.get(doclang), n) for doclang, n in sorted(counted.items()) if kept.get(doclang) != n
    ] + [(doclang, n, None) for doclang, n in sorted(kept.items()) if doclang not in counted]


def note_translations(session: Session, _context: Any, _instances: Any) -> None:
    for obj in chain(session.new, session.dirty):
        if getattr(obj, "__tablename__", None) == "translation":
            session.info.setdefault(_SEGMENTS, set()).add(obj.segment_id)


def recount_marked(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this hook: its writes must be counted too
    segments = session.info.pop(_SEGMENTS, set())
    versions = session.info.pop(_VERSIONS, set())
    if not segments and not versions:
        return
    conn = session.connection()
    for chunk in _chunks(segments):
        versions.update(v for (v,) in conn.execute(_VERSIONS_OF, {"ids": chunk}))
    recount(conn, versions)


def forget_marks(session: Session) -> None:
    session.info.pop(_SEGMENTS, None)
    session.info.pop(_VERSIONS, None)
