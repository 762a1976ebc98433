"""Who is acting, proved rather than typed.

Locally, the proof is the operating-system account that runs the command: its user id, read from the
kernel, not a name from the environment (`LOGNAME=boss` proves nothing). On a Trilingo server, the proof
is a personal API token, and the actor is its owner. A name typed with `--as` or `TRILINGO_USER` is a
request to act as someone else, which only an admin may make locally; the audit log then names both,
`root as demo-reviewer`.

`acting` holds the proved account for the length of one operation, so that every audit event written
meanwhile records who really did it when the actor named differs (trilingo.store.audit reads it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

LOCAL = "local"
API = "api"


def os_account() -> str:
    """The name of the account this process runs as, from its effective user id."""
    import pwd

    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a container user with no passwd entry
        return f"uid-{uid}"


@dataclass(frozen=True)
class Caller:
    """`name` acts; `proved` is the account or token owner that proved itself. They differ only when a
    local admin acts as someone else."""

    name: str
    proved: str
    transport: str = LOCAL

    @property
    def via(self) -> str | None:
        """The proved account, when it is not the actor (for the audit log), else None."""
        return self.proved if self.proved != self.name else None

    def __str__(self) -> str:
        return self.name if self.via is None else f"{self.proved} as {self.name}"


_acting: ContextVar[str | None] = ContextVar("trilingo_acting", default=None)


def proved_account() -> str | None:
    """The proved account of the operation running in this context, if one is."""
    return _acting.get()


@contextmanager
def acting(caller: Caller) -> Iterator[None]:
    """Audit events written inside record `caller.proved` as the one who acted, when it is not the actor."""
    token = _acting.set(caller.proved)
    try:
        yield
    finally:
        _acting.reset(token)
