"""The schema: made once per database, under a lock; changed only by migrations (`trilingo db upgrade`).

Every process reads the schema revision once (a few cheap queries). An empty database gets the
current schema, stamped with the newest revision, and the workspace's seed data, all in one
transaction that only one process at a time may hold; a second first command waits and then finds
it made. A database at an older revision is refused until `trilingo db upgrade` migrates it, and
one from a newer Trilingo is refused outright. (Creating the schema on every start, as before, ran
DDL on each command: on PostgreSQL, concurrent commands failed with "tuple concurrently updated".)
"""

from __future__ import annotations

import contextlib
import fcntl
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from trilingo.errors import WorkspaceError
from trilingo.i18n import N_
from trilingo.store.db import database_error, sqlite_path, where

HEAD = "0015"  # the newest migration; a test checks it against the scripts
LEGACY = "0001"  # what a database made before migrations is
MIGRATIONS = Path(__file__).parent / "migrations"
if TYPE_CHECKING:  # the ORM is loaded only to make a schema: a command on a ready one does not need it
    from sqlalchemy import MetaData
    from sqlmodel import Session

# What runs once, inside the creation lock, right after a new schema is made (the workspace's seed data).
Seed = Callable[["Session"], None]
# Every table the schema holds, given by the caller (trilingo.databases.tables): the store does not know
# the packages above it, and loading their models costs a command on a ready database nothing.
Tables = Callable[[], "MetaData"]

AUDIT_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION trilingo_audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent "
        "FOR EACH ROW EXECUTE FUNCTION trilingo_audit_append_only()",
        "CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON auditevent "
        "FOR EACH STATEMENT EXECUTE FUNCTION trilingo_audit_append_only()",
    ],
}


def _revision(conn: Connection) -> str | None:
    """The revision the database is at: None when it has no Trilingo tables at all."""
    found = inspect(conn)
    if found.has_table("alembic_version"):
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return LEGACY if found.has_table("document") else None


def revision(db: Engine) -> str | None:
    try:
        with db.connect() as conn:
            return _revision(conn)
    except DBAPIError as exc:
        raise database_error(exc, db) from None


@contextmanager
def _locked(db: Engine) -> Iterator[Connection]:
    """A transaction that only one process at a time may hold, to make or migrate the schema in."""
    path = sqlite_path(str(db.url))
    try:
        with contextlib.ExitStack() as stack:
            if path is not None:
                lock = stack.enter_context(path.with_name(path.name + ".schema-lock").open("a"))
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            conn = stack.enter_context(db.execution_options(trilingo_write=True).begin())
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(b"trilingo-schema")})
            yield conn
    except DBAPIError as exc:
        raise database_error(exc, db) from None
    except OSError as exc:
        raise WorkspaceError(
            N_("cannot lock the database {at} to set it up ({reason})").format(
                at=where(db), reason=exc.strerror
            )
        ) from None


def _alembic(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _create(conn: Connection, tables: Tables) -> None:
    from alembic import command

    tables().create_all(conn)
    for statement in AUDIT_TRIGGERS.get(conn.dialect.name, []):
        conn.execute(text(statement))
    command.stamp(_alembic(conn), HEAD)


def ensure_schema(db: Engine, tables: Tables, seed: Seed | None = None) -> bool:
    """Make the schema if the database has none, then run `seed` in the same transaction.

    Returns True if this call made it. An older or newer schema is refused with what to do."""
    current = revision(db)
    if current is None:
        with _locked(db) as conn:
            if _revision(conn) is None:  # not made by another process while this one waited
                _create(conn, tables)
                if seed is not None:
                    from trilingo.store.sessions import TrilingoSession

                    with TrilingoSession(bind=conn) as session:
                        seed(session)
                        session.flush()
                return True
            current = _revision(conn)
    _require_head(db, current)
    return False


def _require_head(db: Engine, current: str | None) -> None:
    if current == HEAD:
        return
    if current is not None and current < HEAD:
        raise WorkspaceError(
            N_(
                "the database {at} has schema revision {current}, older than this Trilingo's ({head}); "
                "run `trilingo db upgrade` (back it up first)"
            ).format(at=where(db), current=current, head=HEAD)
        )
    raise WorkspaceError(
        N_(
            "the database {at} has schema revision {current}, which this Trilingo does not know "
            "(newest: {head}); it was made by a newer Trilingo: upgrade Trilingo"
        ).format(at=where(db), current=current, head=HEAD)
    )


@dataclass(frozen=True)
class Upgrade:
    database: str
    before: str | None
    after: str


def upgrade(db: Engine, tables: Tables) -> Upgrade:
    """Migrate the database to the newest revision (a no-op when it is there); one transaction, locked."""
    from alembic import command

    with _locked(db) as conn:
        before = _revision(conn)
        if before is None:
            _create(conn, tables)
        elif before != HEAD:
            if not inspect(conn).has_table("alembic_version"):
                command.stamp(_alembic(conn), LEGACY)
            command.upgrade(_alembic(conn), "head")
    return Upgrade(where(db), before, HEAD)
