"""The databases a process opens: one connection pool per URL, its schema made, or checked, once.

The schema is every table Trilingo keeps: the store's, the glossary's, the translation memory's and the
MT cache's.
The store (trilingo.store.schema) makes and migrates it from the tables it is handed here, so it never
needs to know the packages above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from trilingo.store import schema
from trilingo.store.db import create_database
from trilingo.store.schema import Seed, Upgrade, ensure_schema

if TYPE_CHECKING:
    from sqlalchemy import MetaData


def tables() -> MetaData:
    """Every table Trilingo keeps (a test checks the migrations build exactly these). The models are loaded here, when a schema is made or migrated, and not
    when this module is: a command on a database that is ready never loads the ORM (0.1 s)."""
    from sqlmodel import SQLModel

    import trilingo.glossary.models
    import trilingo.mt.models
    import trilingo.store.models
    import trilingo.tm.models  # noqa: F401

    return SQLModel.metadata


_databases: dict[str, Engine] = {}


def database_for(url: str, seed: Seed | None = None, check: Callable[[Engine], None] | None = None) -> Engine:
    """One connection pool per URL per process, its schema checked (and created, with `seed`, if new).

    `check` runs first, on the same pool (a second pool would cost a connection, 0.1 s on PostgreSQL)."""
    if url not in _databases:
        db = create_database(url)
        try:
            if check is not None:
                check(db)
            ensure_schema(db, tables, seed)
        except BaseException:
            db.dispose()
            raise
        _databases[url] = db
    return _databases[url]


def cached_databases(match: str = "") -> list[Engine]:
    """The pools database_for keeps, of the URLs that contain `match`."""
    return [db for url, db in _databases.items() if match in url]


def forget_databases(match: str = "") -> None:
    """Close the cached pools whose URL contains `match` (all by default)."""
    for url in [u for u in _databases if match in u]:
        _databases.pop(url).dispose()


def create_schema(db: Engine) -> None:
    """Make the schema on an empty database (tests, benchmarks): no seed data."""
    ensure_schema(db, tables)


def upgrade(db: Engine) -> Upgrade:
    """Migrate the database to this Trilingo's schema (`trilingo db upgrade`): see store.schema.upgrade."""
    return schema.upgrade(db, tables)
