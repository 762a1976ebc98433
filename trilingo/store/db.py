"""The database (SQLite in WAL mode by default, PostgreSQL by URL): connecting, the schema, sessions.

The schema is created once, when a workspace is first used, under a lock so that two first commands
cannot race; every later process only reads the schema version (one query). Creating it again on
every start ran DDL on each command, which on PostgreSQL failed concurrent commands with "tuple
concurrently updated" and locked the audit table each time.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel, create_engine

from trilingo.errors import ConfigError, Conflict, UnavailableError

# Modules whose tables live in the shared metadata; imported before the schema is created.
MODEL_MODULES = (
    "trilingo.store.models",
    "trilingo.glossary.models",
    "trilingo.tm.models",
    "trilingo.mt.models",
)
SCHEMA_VERSION = 1
SQLITE_BUSY_TIMEOUT_MS = 30_000
# What runs once, inside the creation lock, right after a new schema is made (the workspace's seed data).
Seed = Callable[[Session], None]


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL and in-memory databases."""
    url = normalize_url(url)
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def create_database(url: str, *, echo: bool = False) -> Engine:
    """A connection pool for the database at `url` (SQLAlchemy calls it an Engine)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        db = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(db, "connect", _sqlite_pragmas)
        return db
    if url.startswith("postgresql"):
        return create_engine(url, echo=echo, pool_pre_ping=True)
    raise ConfigError(f"unsupported database URL {url.split(':', 1)[0]!r} (use sqlite:/// or postgresql://)")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


_AUDIT_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION trilingo_audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent",
        "CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent "
        "FOR EACH ROW EXECUTE FUNCTION trilingo_audit_append_only()",
    ],
}


def _create(conn: Connection) -> None:
    _import_models()
    SQLModel.metadata.create_all(conn)
    for stmt in _AUDIT_TRIGGERS.get(conn.dialect.name, []):
        conn.execute(text(stmt))
    conn.execute(text("CREATE TABLE IF NOT EXISTS trilingo_schema (version INTEGER NOT NULL)"))
    conn.execute(text("DELETE FROM trilingo_schema"))
    conn.execute(text("INSERT INTO trilingo_schema (version) VALUES (:v)"), {"v": SCHEMA_VERSION})


def schema_version(db: Engine) -> int:
    """The schema version the database holds; 0 when it has no Trilingo schema yet."""
    try:
        with db.connect() as conn:
            return int(conn.execute(text("SELECT max(version) FROM trilingo_schema")).scalar() or 0)
    except (OperationalError, ProgrammingError) as exc:
        if _missing_table(exc):
            return 0
        raise UnavailableError(f"database unavailable: {exc.orig}") from None


def _missing_table(exc: OperationalError | ProgrammingError) -> bool:
    message = str(exc.orig).lower()
    return "no such table" in message or "does not exist" in message


@contextmanager
def _creation_lock(db: Engine) -> Iterator[Connection]:
    """A transaction that only one process at a time may hold, to create the schema in."""
    path = sqlite_path(str(db.url))
    with contextlib.ExitStack() as stack:
        if path is not None:
            lock = stack.enter_context(path.with_name(path.name + ".init-lock").open("a"))
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        conn = stack.enter_context(db.begin())
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(b"trilingo-schema")})
        yield conn


def ensure_schema(db: Engine, seed: Seed | None = None) -> bool:
    """Create the schema if the database has none, then run `seed` in the same transaction.

    Returns True if this call created it. A database made by a newer Trilingo is refused."""
    current = schema_version(db)
    if current == SCHEMA_VERSION:
        return False
    if current > SCHEMA_VERSION:
        raise ConfigError(
            f"the database has schema version {current}, newer than this Trilingo ({SCHEMA_VERSION}); "
            "upgrade Trilingo"
        )
    try:
        with _creation_lock(db) as conn:
            if _locked_version(conn) == SCHEMA_VERSION:
                return False  # another process created it while this one waited for the lock
            _create(conn)
            if seed is not None:
                with Session(bind=conn) as session:
                    seed(session)
                    session.flush()
    except OperationalError as exc:
        raise UnavailableError(f"database unavailable: {exc.orig}") from None
    return True


def _locked_version(conn: Connection) -> int:
    if not inspect(conn).has_table("trilingo_schema"):
        return 0
    return int(conn.execute(text("SELECT max(version) FROM trilingo_schema")).scalar() or 0)


def create_schema(db: Engine) -> None:
    """Create the schema on an empty database (tests, benchmarks); no seed data."""
    ensure_schema(db)


_databases: dict[str, Engine] = {}


def database_for(url: str, seed: Seed | None = None) -> Engine:
    """One connection pool per URL per process, its schema checked (and created, with `seed`, if new)."""
    if url not in _databases:
        db = create_database(url)
        ensure_schema(db, seed)
        _databases[url] = db
    return _databases[url]


def forget_databases(match: str = "") -> None:
    """Close the cached pools whose URL contains `match` (all by default)."""
    for url in [u for u in _databases if match in u]:
        _databases.pop(url).dispose()


@contextmanager
def session_scope(db: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back everything on error."""
    with Session(db, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except (StaleDataError, IntegrityError) as exc:
            # Optimistic locking (Translation.row_version) or a unique key lost a race: the whole
            # transaction is undone, and the caller is told to try again rather than shown a traceback.
            session.rollback()
            raise Conflict(f"{Conflict.__doc__} ({exc.__class__.__name__})") from None
        except BaseException:
            session.rollback()
            raise
