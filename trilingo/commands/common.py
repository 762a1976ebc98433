"""What every command shares: the lazily built application context and output helpers."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from trilingo import i18n
from trilingo.errors import ConfigError
from trilingo.i18n import _, retranslate
from trilingo.jsonable import to_json

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from trilingo.config import Settings


@dataclass
class App:
    """Built once per invocation from the global options; settings load on first use.

    `call` runs an operation (trilingo.service.registry) where this command works: on this machine,
    or through the Trilingo server the person logged in to. Either way the answer is the operation's
    JSON contract, which the command prints or renders."""

    cli_values: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    quiet: bool = False  # --quiet: errors and the output asked for, nothing else
    verbose: bool = False  # --verbose: notes, and Prefect's log lines on stderr
    _transport: Any = None

    def note(self, message: str) -> None:
        """Something worth knowing on the way (stderr); --quiet leaves it out."""
        if not self.quiet:
            click.echo(retranslate(message), err=True)

    def detail(self, message: str) -> None:
        """Only with --verbose (stderr)."""
        if self.verbose:
            click.echo(retranslate(message), err=True)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            # Deferred, like the imports below: every command builds an App, `--help` included, and
            # each loads only what its own work needs (one transport; the database only locally).
            from trilingo import config

            settings = self._settings = config.load(**self.cli_values)
            i18n.set_zone(lambda: settings.site.timezone)  # times in the workspace's zone, read when shown
        return self._settings

    def override(self, **values: Any) -> None:
        """Apply command-level options (CLI beats environment and file)."""
        self.cli_values.update({k: v for k, v in values.items() if v is not None})
        self._settings = None
        self._transport = None

    @property
    def transport(self) -> Any:
        """Where operations run: a Trilingo server (TRILINGO_SERVER, or `trilingo login`), else here."""
        if self._transport is None:
            from trilingo import client

            login = client.configured(os.environ, self.cli_values)
            if login is not None:
                act_as = self.cli_values.get("user") or os.environ.get("TRILINGO_USER") or None
                self._transport = client.RemoteTransport(login, env=os.environ, act_as=act_as, echo=self.note)
            else:
                from trilingo.service.local import LocalTransport

                self._transport = LocalTransport(self.settings, echo=self.note, quiet=self.quiet)
        return self._transport

    @property
    def remote(self) -> bool:
        return bool(self.transport.kind == "api")

    def call(self, operation: str, /, **params: Any) -> Any:
        """Run one operation; its answer as JSON-able data (the `--json` contract)."""
        return self.transport.call(operation, **params)

    def local_only(self, command: str) -> None:
        """Commands that work on the database itself run where it is, not through a server."""
        if self.remote:
            raise ConfigError(
                _(
                    "`trilingo {command}` works on a workspace's database directly, so it runs on the Trilingo "
                    "server's own machine; this one is logged in to {server} (unset TRILINGO_SERVER, "
                    "or `trilingo logout`, to work on a local workspace)"
                ).format(command=command, server=self.transport.server)
            )

    @property
    def database(self) -> Engine:
        """The workspace's database; created and seeded on first use (local commands: the pipeline)."""
        from trilingo.service.context import Context

        return Context(self.settings, self.settings.caller, echo=self.note).database()

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction, as the caller (local commands: the pipeline, the demo)."""
        from trilingo.identity import acting
        from trilingo.service.context import Context

        ctx = Context(self.settings, self.settings.caller, echo=self.note)
        with acting(ctx.caller), ctx.session(write=write) as session:
            yield session


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
    """--as USER: an admin acting as someone else, on this machine only (audited as both)."""
    return click.option(
        "--as",
        "as_user",
        metavar="USER",
        help="Admins only, on this machine: act as USER (the audit log names you both). Default: yourself.",
    )(fn)


def json_option(fn: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(fn)


def echo_json(data: Any) -> None:
    """Results (dataclasses, lists, dicts) as UTF-8 JSON: indented on a terminal, compact into a pipe.

    Indenting needs json's pure-Python encoder, which took 0.3 s for a queue of 10,000 items. An
    operation's answer is JSON-able already: json's C encoder takes it as it is, and `to_json` is asked
    only about what it cannot encode (walking 10,000 converted items again cost 50 ms)."""
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(data, ensure_ascii=False, indent=indent, default=to_json))
