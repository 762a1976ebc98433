"""The error hierarchy and exit codes; cli.py turns these into one `Error: …` line."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes, after httpie's status.py."""

    OK = 0
    BAD_INPUT = 1
    USAGE = 2
    PARTIAL = 3  # done, but some of it failed (segments left mt_failed): see the output; a re-run retries
    UNAVAILABLE = 10  # MT engine, database or network down, disk full: retry later, the input is fine
    WORKSPACE = (
        11  # the workspace cannot be used as it is (read-only, damaged, missing database): fix it first
    )


class TrilingoError(Exception):
    """Something went wrong."""

    exit_status = ExitStatus.BAD_INPUT

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else (self.__doc__ or "").strip()


class ConfigError(TrilingoError):
    """Configuration is invalid."""

    exit_status = ExitStatus.USAGE


class InputError(TrilingoError):
    """Input is invalid."""


class NotFound(TrilingoError):
    """No such object."""


class StateError(TrilingoError):
    """That action is not allowed in the current state."""


class Refused(InputError):
    """That is not allowed for this user."""

    def __init__(self, message: str | None = None, *, audit: dict[str, object] | None = None) -> None:
        super().__init__(message)
        # The audit event to write once the refused work is rolled back (store.db.session_scope does it).
        self.audit = audit or {}


class PartialFailure(TrilingoError):
    """Some of the work failed; the rest is saved."""

    exit_status = ExitStatus.PARTIAL


class WorkspaceError(TrilingoError):
    """The workspace cannot be used as it is; nothing was saved."""

    exit_status = ExitStatus.WORKSPACE


class UnavailableError(TrilingoError):
    """A service is unavailable; try again later."""

    exit_status = ExitStatus.UNAVAILABLE


class Conflict(UnavailableError):
    """Someone changed this at the same time; nothing was saved. Try again."""
