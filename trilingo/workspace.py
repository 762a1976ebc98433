"""A workspace: its folder, and its database, created and seeded once, on first use or `trilingo init`.

Seeding happens here and nowhere else. Read-only commands (glossary lookup, export, check, impact)
never write: the starter border glossary goes in when the schema is created, inside the same lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from trilingo.config import Settings
from trilingo.glossary.store import load_starter
from trilingo.store.db import Seed, create_database, database_for, ensure_schema, session_scope


def seed_for(actor: str) -> Seed:
    """What a new workspace starts with: the shipped border glossary (marked with its confidence)."""

    def seed(session: Session) -> None:
        load_starter(session, actor)

    return seed


def open_database(database_url: str, actor: str) -> Engine:
    """The workspace's database, its schema created and seeded if this is its first use."""
    return database_for(database_url, seed_for(actor))


@dataclass(frozen=True)
class InitReport:
    home: str
    database: str  # the URL without a password
    created: bool  # False: it was set up already
    glossary_version: int


def initialise(settings: Settings) -> InitReport:
    """`trilingo init`: make the folder and the database; load the starter glossary if none was ever set up."""
    settings.home.mkdir(parents=True, exist_ok=True)
    db = create_database(settings.database_url)
    try:
        created = ensure_schema(db, seed_for(settings.user))
        with session_scope(db) as session:
            version = load_starter(session, settings.user)  # a no-op once a glossary was ever set up
    finally:
        db.dispose()
    return InitReport(str(settings.home), settings.redacted_database_url, created, version)
