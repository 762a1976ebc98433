"""A workspace: its folder, and its database, created and seeded once, on first use or `trilingo init`.

Seeding happens here and nowhere else. Read-only commands (glossary lookup, export, check, impact)
never write: the starter border glossary goes in when the schema is created, inside the same lock.

When the workspace makes its database it leaves a marker (workspace.json) naming it. A database that
the marker names but that is gone, or empty, is reported, never silently made anew: a deleted
trilingo.db must not turn into an empty workspace that answers "nothing waiting".
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from trilingo.config import Settings
from trilingo.databases import database_for, tables
from trilingo.errors import Conflict, WorkspaceError
from trilingo.i18n import N_
from trilingo.store.auditchain import KEYRING
from trilingo.store.db import create_database, redact, session_scope, sqlite_path
from trilingo.store.schema import Seed, ensure_schema, revision
from trilingo.text.files import write_atomic

if TYPE_CHECKING:  # a command on a workspace that exists loads no ORM here
    from sqlmodel import Session

MARKER = "workspace.json"


def seed_for(actor: str, home: Path | None = None, database_url: str = "") -> Seed:
    """What a new workspace starts with: the shipped border glossary (with its confidence marks)."""

    def seed(session: Session) -> None:
        # Imported here: the matcher and the CSV/TBX readers behind it cost every command 30 ms.
        from trilingo.glossary.store import load_starter

        load_starter(session, actor)
        if home is not None:
            _write_marker(home, database_url)

    return seed


def _write_marker(home: Path, database_url: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    write_atomic(home / MARKER, json.dumps({"database": redact(database_url)}, indent=2) + "\n")


def _marked_database(home: Path) -> str | None:
    try:
        data = json.loads((home / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("database") if isinstance(data, dict) else None


def check_not_lost(home: Path, database_url: str, db: Engine | None = None) -> None:
    """Refuse to go on when the marker names this database and it is missing or empty."""
    if _marked_database(home) != redact(database_url):
        return
    path = sqlite_path(database_url)
    if path is not None:
        lost = not path.is_file() or path.stat().st_size == 0
    elif db is not None:
        lost = revision(db) is None
    else:
        db = create_database(database_url)
        try:
            lost = revision(db) is None
        finally:
            db.dispose()
    if lost:
        raise WorkspaceError(
            N_(
                "the workspace {home} had its database at {database}, which is now missing "
                "or empty; nothing was done. Restore it from a backup (to start afresh on purpose, delete "
                "{marker} and run `trilingo init`)"
            ).format(home=home, database=path or redact(database_url), marker=home / MARKER)
        )


def load_audit_key(settings: Settings, *, create: bool | None = None) -> bool:
    """Load the workspace's audit key into this process (store.auditchain.KEYRING). A new workspace (or
    `create`) gets a key file of its own, 0600; an existing one whose key is gone gets none: its next
    write is refused, as a new key would make every later event fail to verify. True if a key is loaded."""
    found = settings.audit_key()
    if found is None:
        if create is None:
            create = _marked_database(settings.home) is None
        if not create:
            KEYRING.forget()  # not some other workspace's key, loaded earlier in this process
            return False
        found = (
            _make_key(settings.audit_key_file or settings.home / "audit.key"),
            str(settings.audit_key_file),
        )
    KEYRING.use(*found)
    return True


def _make_key(path: Path) -> bytes:
    """32 random bytes, written once as hex to a file only its owner may read."""
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:  # another first command made it meanwhile: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as exc:
        raise WorkspaceError(
            N_("cannot write the audit key {path} ({reason})").format(path=path, reason=exc.strerror)
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key


def open_database(database_url: str, actor: str, home: Path | None = None) -> Engine:
    """The workspace's database, its schema made and seeded if this is its first use. With `home`, the
    workspace's audit key is loaded too, if this process has none yet (a flow run in a worker)."""
    if home is not None and not KEYRING.loaded:
        from trilingo import config

        load_audit_key(config.load(home=str(home)))
    if home is None:
        return database_for(database_url, seed_for(actor, home, database_url))
    if sqlite_path(database_url) is not None:  # a file check, before SQLite would make an empty file
        check_not_lost(home, database_url)
        return database_for(database_url, seed_for(actor, home, database_url))
    return database_for(
        database_url, seed_for(actor, home, database_url), lambda db: check_not_lost(home, database_url, db)
    )


def open_existing(database_url: str, actor: str, home: Path) -> Engine:
    """The workspace's database for a command that only reads: a workspace never set up is reported, not made.

    Reading must not leave an empty ./.trilingo behind that later answers "nothing waiting"."""
    path = sqlite_path(database_url)
    if path is not None:
        if not path.is_file() and _marked_database(home) is None:
            raise _no_workspace(home)
        return open_database(database_url, actor, home)

    def check(db: Engine) -> None:
        check_not_lost(home, database_url, db)
        if revision(db) is None:
            raise _no_workspace(home, redact(database_url))

    return database_for(database_url, seed_for(actor, home, database_url), check)


def _no_workspace(home: Path, database: str = "") -> WorkspaceError:
    if database:
        return WorkspaceError(
            N_(
                "no workspace at {home} (the database {database} is empty); nothing was created. Run "
                "`trilingo init` or `trilingo submit` to start one there, or set TRILINGO_HOME (or --home) "
                "to the workspace you meant"
            ).format(home=home, database=database)
        )
    return WorkspaceError(
        N_(
            "no workspace at {home}; nothing was created. Run `trilingo init` or `trilingo submit` to start "
            "one there, or set TRILINGO_HOME (or --home) to the workspace you meant"
        ).format(home=home)
    )


@dataclass(frozen=True)
class InitReport:
    home: str
    database: str  # the URL without a password
    created: bool  # False: it was set up already
    glossary_version: int
    admin: bool = False  # the user became the workspace's first admin


def initialise(settings: Settings) -> InitReport:
    """`trilingo init`: make the folder and the database; load the starter glossary if none was ever set up."""
    check_not_lost(settings.home, settings.database_url)
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(
            N_("cannot make the workspace folder {path} ({reason})").format(
                path=settings.home, reason=exc.strerror
            )
        ) from None
    load_audit_key(settings)
    from trilingo.access import may_act_as
    from trilingo.glossary.store import load_starter
    from trilingo.people import first_admin

    db = create_database(settings.database_url)
    try:
        created = ensure_schema(db, tables, seed_for(settings.user, settings.home, settings.database_url))
        for attempt in range(3):
            try:
                with session_scope(db) as session:
                    may_act_as(session.connection(), settings.caller)  # --as: an admin's, or nobody's
                    version = load_starter(session, settings.user)  # a no-op once a glossary was set up
                    admin = first_admin(session, settings.user) is not None
                break
            except Conflict:
                # Several first `init`s at once: another one made the admin (or the glossary) between our
                # read and our write. Both steps are no-ops once done, so the next try sees its work.
                if attempt == 2:
                    raise
        if _marked_database(settings.home) is None:
            _write_marker(settings.home, settings.database_url)
    finally:
        db.dispose()
    return InitReport(str(settings.home), redact(settings.database_url), created, version, admin)
