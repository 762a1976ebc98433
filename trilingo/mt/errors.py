"""Errors of the MT package: configuration problems (raised) and failed calls (turned into results)."""

from __future__ import annotations

from trilingo.errors import ConfigError, UnavailableError
from trilingo.mt.base import Failure


class EngineConfigError(ConfigError):
    """The machine-translation engine is not configured correctly."""


class UnknownEngine(EngineConfigError):
    """No such machine-translation engine."""


class MissingOption(EngineConfigError):
    """A required engine option is missing."""


class BadOption(EngineConfigError):
    """An engine option has an invalid value."""


class UnsupportedPair(EngineConfigError):
    """The engine cannot translate this language pair."""


class EngineCallError(UnavailableError):
    """One call to an online engine failed; the runner turns this into an EngineResult, never lets it out."""

    def __init__(self, failure: Failure, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason
        self.retry_after = retry_after
