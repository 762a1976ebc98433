"""The engine (SQLite in WAL mode by default, PostgreSQL by URL), schema creation and sessions."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel, create_engine

from trilingo.errors import ConfigError, Conflict, UnavailableError

# Modules whose tables live in the shared metadata; imported before create_all.
MODEL_MODULES = (
    "trilingo.store.models",
    "trilingo.glossary.models",
    "trilingo.tm.models",
    "trilingo.mt.models",
)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
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


def init_db(engine: Engine) -> None:
    """Create missing tables and the audit triggers. Idempotent."""
    _import_models()
    try:
        SQLModel.metadata.create_all(engine)
        with engine.begin() as conn:
            for stmt in _AUDIT_TRIGGERS.get(engine.dialect.name, []):
                conn.execute(text(stmt))
    except OperationalError as exc:
        raise UnavailableError(f"database unavailable: {exc.orig}") from None


_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One initialised engine per URL per process."""
    if url not in _engines:
        engine = make_engine(url)
        init_db(engine)
        _engines[url] = engine
    return _engines[url]


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back everything on error."""
    with Session(engine, expire_on_commit=False) as session:
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
