"""The database (SQLite in WAL mode by default, PostgreSQL by URL): connecting, sessions, and its
errors turned into one line each. The schema lives in trilingo.store.schema."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from trilingo.errors import ConfigError, Conflict, Refused, TrilingoError, UnavailableError, WorkspaceError
from trilingo.i18n import N_

if TYPE_CHECKING:  # the ORM is imported where a session is made: cold read-only commands never load it
    from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
        event.listen(db, "begin", _sqlite_begin)
        return db
    if url.startswith("postgresql"):
        db = create_engine(url, echo=echo, pool_pre_ping=True)
        event.listen(db, "connect", _postgres_session)
        return db
    raise ConfigError(
        N_("unsupported database URL {scheme!r} (use sqlite:/// or postgresql://)").format(
            scheme=url.split(":", 1)[0]
        )
    )


def redact(url: str) -> str:
    """The URL with any password replaced by ***, for messages and markers."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def where(db: Engine) -> str:
    """The database as messages name it: the SQLite file, or the URL without its password."""
    path = sqlite_path(str(db.url))
    return str(path) if path is not None else db.url.render_as_string(hide_password=True)


def database_error(exc: DBAPIError, db: Engine) -> TrilingoError:
    """One line that says what happened to the database and what to do; never a driver's traceback."""
    detail = (str(exc.orig).strip().splitlines() or [exc.__class__.__name__])[0]
    low = detail.lower()
    at = where(db)
    if "file is not a database" in low or "malformed" in low:
        return WorkspaceError(
            N_(
                "the database {at} is damaged or is not a database ({detail}); restore it from a backup"
            ).format(at=at, detail=detail)
        )
    if "disk is full" in low or "no space left" in low or ("disk i/o error" in low and _disk_full(db)):
        return UnavailableError(
            N_(
                "the disk holding the database {at} is full; nothing was saved. Free some space, then try again"
            ).format(at=at)
        )
    if "readonly" in low or "read-only" in low:
        return WorkspaceError(
            N_(
                "the database {at} is read-only; nothing was saved. Give this user write access to it and its folder"
            ).format(at=at)
        )
    if "unable to open database file" in low:
        return WorkspaceError(
            N_("cannot open the database {at} (its folder is missing or not writable)").format(at=at)
        )
    if "database is locked" in low:
        return UnavailableError(
            N_(
                "the database {at} stayed locked by another process for {seconds} s; nothing was saved. Try again"
            ).format(at=at, seconds=SQLITE_BUSY_TIMEOUT_MS // 1000)
        )
    if "could not serialize" in low or "deadlock" in low:
        # The template is Conflict's own message (its docstring) and the detail.
        return Conflict(
            N_("Someone changed this at the same time; nothing was saved. Try again. ({detail})").format(
                detail=detail
            )
        )
    if db.dialect.name == "postgresql" and isinstance(exc, OperationalError):
        return UnavailableError(
            N_("cannot reach the database at {at}: {detail}").format(at=at, detail=detail)
        )
    return UnavailableError(N_("database error at {at}: {detail}").format(at=at, detail=detail))


def _disk_full(db: Engine, margin: int = 1 << 20) -> bool:
    """SQLite says "disk I/O error" when it cannot grow its journal: on a full disk, say that."""
    import shutil

    path = sqlite_path(str(db.url))
    try:
        return path is not None and shutil.disk_usage(path.parent).free < margin
    except OSError:
        return False


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver: it would say a plain BEGIN, and
    # only before the first write, which lets two writers both read and then fail on the upgrade.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _postgres_session(dbapi_conn: Any, _record: Any) -> None:
    # Times come back in UTC whatever zone the server is set to (a gate server may say Asia/Ho_Chi_Minh):
    # psycopg then gives them with datetime.UTC, which needs no conversion per value.
    # No JIT: it pays off for long analytical queries, and ours are short ones over indexes. With it on, the
    # 10,000-item review queue spent 50 ms compiling before it ran.
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    dbapi_conn.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.execute("SET jit = off")
    dbapi_conn.autocommit = autocommit


WRITE = {"trilingo_write": True}


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock when they begin (waiting up to the busy timeout for it), so a
    writer never reads a snapshot that another writer's commit makes stale; readers begin deferred."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("trilingo_write") else "BEGIN")


_ANALYZED = ("translation", "segment", "doclang", "document", "documentversion")
STALE_SHARE = 0.1  # PostgreSQL: re-analyze a table once this share of its rows changed since it last was


def optimize(db: Engine) -> None:
    """Refresh the planner's statistics after a bulk change (a submit of many notices, a pretranslate run).

    SQLite keeps none until asked: without them it chose one-column indexes and scanned every
    translation of a language for each queue item. `analysis_limit` keeps ANALYZE to a sample of each
    index (tens of milliseconds at 10,000 documents); PRAGMA optimize would look only at tables this
    connection has queried, which in a fresh process are none.

    PostgreSQL samples 30,000 rows a table, 0.3-0.5 s for these five at 10,000 documents: a fifth of
    each 500-notice submit. It analyzes only the tables never analyzed or changed by a tenth since,
    by its own counters (autovacuum's rule, acted on at once instead of at its next round). Those show a
    connection's changes once it is idle, up to seconds later, so a table may be analyzed one round late;
    autovacuum's own ANALYZE still follows within its minute."""
    try:
        with db.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA analysis_limit=1000")
                conn.exec_driver_sql("ANALYZE")
            elif conn.dialect.name == "postgresql":
                # The tables found as ANALYZE would find them (through search_path), by their oids.
                stale = conn.exec_driver_sql(
                    "SELECT relname FROM pg_stat_user_tables WHERE relid = ANY(%(tables)s::regclass[]) "
                    "AND (coalesce(last_analyze, last_autoanalyze) IS NULL "
                    "OR n_mod_since_analyze > %(share)s * greatest(n_live_tup, 1)) ORDER BY relname",
                    {"tables": list(_ANALYZED), "share": STALE_SHARE},
                ).scalars()
                tables = [t for t in stale if t in _ANALYZED]
                if tables:
                    conn.exec_driver_sql("ANALYZE " + ", ".join(tables))
            conn.commit()
    except DBAPIError as exc:
        raise database_error(exc, db) from None


@contextmanager
def session_scope(db: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session that commits on success and rolls back everything on error.

    `write=False` for sessions that only read: on SQLite they do not wait for the write lock."""
    from sqlalchemy.orm.exc import StaleDataError

    from trilingo.store.sessions import TrilingoSession

    bind = db.execution_options(**WRITE) if write else db
    with TrilingoSession(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except (StaleDataError, IntegrityError) as exc:
            # Optimistic locking (row_version) or a unique key lost a race: the whole transaction is
            # undone, and the caller is told to try again rather than shown a traceback.
            _rollback(session)
            raise Conflict(
                N_("Someone changed this at the same time; nothing was saved. Try again. ({detail})").format(
                    detail=exc.__class__.__name__
                )
            ) from None
        except DBAPIError as exc:
            _rollback(session)
            raise database_error(exc, db) from None
        except Refused as exc:
            _rollback(session)
            audit_refusal(db, exc)
            raise
        except BaseException:
            _rollback(session)
            raise


@contextmanager
def read_scope(db: Engine) -> Iterator[Connection]:
    """One read-only transaction on a plain connection, for queries in SQLAlchemy Core (store.tables):
    errors and refusals are reported as session_scope reports them."""
    try:
        with db.connect() as conn:
            yield conn
    except DBAPIError as exc:
        raise database_error(exc, db) from None
    except Refused as exc:
        audit_refusal(db, exc)
        raise


def audit_refusal(db: Engine, exc: Refused) -> None:
    """A refusal is recorded, in its own transaction: the refused work itself was rolled back."""
    if not exc.audit:
        return
    from trilingo.store.audit import record_rows
    from trilingo.store.sessions import TrilingoSession
    from trilingo.store.values import utcnow

    lang = exc.audit.get("lang")
    detail = {k: v for k, v in exc.audit.items() if k not in ("actor", "action", "lang")}
    row = {
        "at": utcnow(),
        "actor": str(exc.audit.get("actor")),
        "action": str(exc.audit.get("action", "refused")),
        "lang": lang if isinstance(lang, str) else None,
        "detail": {**detail, "reason": exc.message},
    }
    with contextlib.suppress(DBAPIError), TrilingoSession(db.execution_options(**WRITE)) as session:
        record_rows(session, [row])
        session.commit()


def _rollback(session: Session) -> None:
    # A rollback on a connection that just broke can fail too; the first error is the one to report.
    with contextlib.suppress(DBAPIError):
        session.rollback()
