"""Running an operation on this machine: the caller is the account running the command (or, for a local
admin, the name asked for with --as), and the answer is the same JSON the Trilingo server would send."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trilingo.identity import acting
from trilingo.jsonable import to_json
from trilingo.service.context import Context
from trilingo.service.registry import BY_NAME

if TYPE_CHECKING:
    from trilingo.config import Settings

LOCAL = "local"


class LocalTransport:
    kind = LOCAL

    def __init__(self, settings: Settings, *, echo: Callable[[str], None] | None = None, quiet: bool = False):
        self.settings = settings
        self.echo = echo
        self.quiet = quiet
        self._load_key = True

    def context(self) -> Context:
        ctx = Context(
            self.settings, self.settings.caller, echo=self.echo, quiet=self.quiet, load_key=self._load_key
        )
        self._load_key = False  # once per command
        return ctx

    def call(self, operation: str, /, **params: Any) -> Any:
        ctx = self.context()
        with acting(ctx.caller):
            return to_json(BY_NAME[operation].function()(ctx, **params))
