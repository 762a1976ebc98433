"""What every command shares: the lazily built application context and output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from trilingo.config import Settings


@dataclass
class App:
    """Built once per invocation from the global options; settings load on first use."""

    cli_values: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None

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

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction; `write=False` for commands that only read."""
        from trilingo.store.db import session_scope

        with session_scope(self.database, write=write) as session:
            yield session


pass_app = click.make_pass_decorator(App, ensure=True)


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
