"""What every command shares: the lazily built application context and output helpers."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

    from trilingo.config import Settings


@dataclass
class App:
    """Built once per invocation from the global options; settings load on first use."""

    cli_values: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    quiet: bool = False  # --quiet: errors and the output asked for, nothing else
    verbose: bool = False  # --verbose: notes, and Prefect's log lines on stderr

    def say(self, message: str) -> None:
        """A summary of what a command did (stdout); --quiet leaves it out."""
        if not self.quiet:
            click.echo(message)

    def note(self, message: str) -> None:
        """Something worth knowing on the way (stderr); --quiet leaves it out."""
        if not self.quiet:
            click.echo(message, err=True)

    def detail(self, message: str) -> None:
        """Only with --verbose (stderr)."""
        if self.verbose:
            click.echo(message, err=True)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from trilingo import config

            self._settings = config.load(**self.cli_values)
        return self._settings

    def override(self, **values: Any) -> None:
        """Apply command-level options (CLI beats environment and file)."""
        self.cli_values.update({k: v for k, v in values.items() if v is not None})
        self._settings = None

    @property
    def database(self) -> Engine:
        """The workspace's database; created and seeded on first use."""
        from trilingo.workspace import open_database

        return open_database(self.settings.database_url, self.settings.user, self.settings.home)

    @property
    def existing_database(self) -> Engine:
        """The workspace's database for reading: one never set up is an error, and nothing is created."""
        from trilingo.workspace import open_existing

        return open_existing(self.settings.database_url, self.settings.user, self.settings.home)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction; `write=False` for commands that only read."""
        from trilingo.store.db import session_scope

        db = self.database if write else self.existing_database
        with session_scope(db, write=write) as session:
            yield session

    @contextmanager
    def reader(self, *, authorize: bool = True) -> Iterator[Connection]:
        """One read-only transaction without the ORM, for queries in SQLAlchemy Core (store.tables),
        after checking that the user may read (unless not `authorize`): the cold `review queue` and
        `status` load no ORM."""
        from trilingo.access import may_read
        from trilingo.store.db import read_scope

        with read_scope(self.existing_database) as conn:
            if authorize:
                may_read(conn, self.settings.user)
            yield conn


pass_app = click.make_pass_decorator(App, ensure=True)


def summary_output(fn: Any) -> Any:
    """For commands whose stdout only reports what they did: --quiet leaves it out (not --json, not errors)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = click.get_current_context().find_object(App)
        if app is not None and app.quiet and not kwargs.get("as_json"):
            with contextlib.redirect_stdout(io.StringIO()):
                return fn(*args, **kwargs)
        return fn(*args, **kwargs)

    return wrapper


def as_option(fn: Any) -> Any:
    """--as USER: who is acting (else TRILINGO_USER, else the OS user)."""
    return click.option(
        "--as", "as_user", metavar="USER", help="Act as this user (default: TRILINGO_USER or the OS user)."
    )(fn)


def json_option(fn: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(fn)


def echo_json(data: Any) -> None:
    """Results (dataclasses, lists, dicts) as UTF-8 JSON: indented on a terminal, compact into a pipe.

    Indenting needs json's pure-Python encoder, which took 0.3 s for a queue of 10,000 items."""
    from trilingo.jsonable import to_json

    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(to_json(data), ensure_ascii=False, indent=indent))
