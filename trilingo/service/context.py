"""One operation's surroundings, the same on both transports: the settings of the process that runs it
(the CLI's on this machine, or the Trilingo server's), who acts, proved, the workspace's database, and
the notes it leaves for the person (printed by the CLI as they come; sent back by the server).

Nothing here imports the ORM: the cold read-only operations (`review queue`, `status`) use `reader()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from trilingo.identity import Caller

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

    from trilingo.config import Settings
    from trilingo.site import SiteSettings


class Context:
    def __init__(
        self,
        settings: Settings,
        caller: Caller,
        *,
        echo: Callable[[str], None] | None = None,
        load_key: bool = True,
        quiet: bool = True,
    ) -> None:
        self.settings = settings
        self.caller = caller
        self.notes: list[str] = []
        self.quiet = quiet  # no progress bars (the server, pipes, --quiet)
        self._echo = echo
        self._load_key = load_key
        self._checked = False

    @property
    def actor(self) -> str:
        return self.caller.name

    def note(self, message: str) -> None:
        """Something the person should know that is not the result (an event the Prefect server missed)."""
        self.notes.append(message)
        if self._echo is not None:
            self._echo(message)

    def database(self) -> Engine:
        """The workspace's database, made and seeded on its first use."""
        from trilingo.workspace import load_audit_key, open_database

        if self._load_key:
            load_audit_key(self.settings)
            self._load_key = False
        db = open_database(self.settings.database_url, self.caller.proved, self.settings.home)
        self._check_caller(db)
        return db

    def existing_database(self) -> Engine:
        """The workspace's database for reading: one never set up is an error, and nothing is created."""
        from trilingo.workspace import load_audit_key, open_existing

        if self._load_key:
            load_audit_key(self.settings, create=False)
            self._load_key = False
        db = open_existing(self.settings.database_url, self.caller.proved, self.settings.home)
        self._check_caller(db)
        return db

    def _check_caller(self, db: Engine) -> None:
        """Once per operation: a name asked for with --as must be allowed to the account that asked."""
        if self._checked or self.caller.via is None:
            return
        from trilingo.access import may_act_as
        from trilingo.store.db import read_scope

        with read_scope(db) as conn:
            may_act_as(conn, self.caller)
        self._checked = True

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction; `write=False` for operations that only read."""
        from trilingo.store.db import session_scope

        db = self.database() if write else self.existing_database()
        with session_scope(db, write=write) as session:
            yield session

    @contextmanager
    def reader(self, *, authorize: bool = True) -> Iterator[Connection]:
        """One read-only transaction without the ORM (SQLAlchemy Core over store.tables), after checking
        that the caller may read, unless not `authorize`."""
        from trilingo.access import may_read
        from trilingo.store.db import read_scope

        with read_scope(self.existing_database()) as conn:
            if authorize:
                may_read(conn, self.actor)
            yield conn

    @property
    def site(self) -> SiteSettings:
        return self.settings.site

    def emit(self, name: str, payload: dict[str, Any] | list[dict[str, Any]]) -> bool:
        """Tell the workspace's Prefect server (and so `trilingo serve`) that there is work."""
        from trilingo.events import emit

        return emit(self.settings, name, payload, self.note, actor=self.actor)
