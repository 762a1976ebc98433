"""Running an operation on this machine: the caller is the account running the command (or, for a local
admin, the name asked for with --as), and the answer is the same JSON the Trilingo server would send."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trilingo import i18n
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
        self._person_lang: str | None = None

    def context(self) -> Context:
        ctx = Context(
            self.settings, self.settings.caller, echo=self.echo, quiet=self.quiet, load_key=self._load_key
        )
        self._load_key = False  # once per command
        return ctx

    def call(self, operation: str, /, **params: Any) -> Any:
        ctx = self.context()
        if self._person_lang is None:
            self._person_lang = _person_lang(ctx)
            i18n.prefer(self._person_lang)
        with acting(ctx.caller):
            return to_json(BY_NAME[operation].function()(ctx, **params))


def _person_lang(ctx: Context) -> str:
    """The acting person's own interface language ("" if none, or no workspace yet): one small read."""
    if not i18n.person_may_decide():
        return ""
    from sqlalchemy import select

    from trilingo.errors import TrilingoError
    from trilingo.store.db import read_scope
    from trilingo.store.tables import user
    from trilingo.workspace import open_existing

    settings = ctx.settings
    try:
        # Straight to the database: the operation's own context still loads the audit key and checks
        # the caller, as it would without this read.
        with read_scope(open_existing(settings.database_url, ctx.caller.proved, settings.home)) as conn:
            found = conn.execute(select(user.c.ui_lang).where(user.c.name == ctx.actor)).scalar()
    except TrilingoError:
        return ""
    return str(found or "")
