"""A publish of every channel, as one run: each channel in its own transaction, retried when the
failure may pass, the others published whatever happened to one, and one verdict at the end.

The Prefect flow (flows.publish, under `serve` and on workers) and `trilingo publish` (which records
its run on the Prefect server without loading Prefect: trilingo.runrecord) both run this; only how a
channel's step is called and retried differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from trilingo.errors import TrilingoError, UnavailableError
from trilingo.i18n import N_

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from trilingo.config import Settings

# The waits before each retry of a channel whose failure may pass (a busy database, a locked file).
RETRY_DELAYS = (2, 5, 15)


class PublishFailed(UnavailableError):
    """A channel could not be published; the others were."""


def channel_step(home: str, channel: str, user: str, full: bool = False) -> dict[str, Any]:
    """Publish one channel of the workspace at `home` in its own transaction; its summary as JSON."""
    from trilingo.channels.publish import publish_and_record
    from trilingo.jsonable import to_json

    settings, db = _workspace(home, user)
    return to_json(publish_and_record(db, channel, settings.public_dir, user, settings=settings, full=full))


def _workspace(home: str, user: str) -> tuple[Settings, Engine]:
    """The workspace's configuration and this process's environment (the database, secrets): never
    parameters, which a Prefect server stores and shows."""
    from trilingo.config import load
    from trilingo.workspace import open_database

    settings = load(home=home, user=user)
    return settings, open_database(settings.database_url, user, settings.home)


def may_pass(error: BaseException) -> bool:
    """Whether trying again may help: yes for an unavailable service or an unexpected error, no for bad
    input or configuration (Trilingo's own errors, which say what to fix)."""
    return isinstance(error, UnavailableError) or not isinstance(error, TrilingoError)


def with_retries(
    step: Callable[[], dict[str, Any]],
    delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """`step()`, tried again after each of `delays` while its failure may pass; the last error raised."""
    for wait in (*delays, None):
        try:
            return step()
        except Exception as exc:
            if wait is None or not may_pass(exc):
                raise
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def conclude(
    home: str,
    user: str,
    channels: list[str],
    results: list[dict[str, Any]],
    errors: list[tuple[str, BaseException | None]],
) -> str | None:
    """The run's verdict once every channel was tried. Raises for a channel that failed (Trilingo's own
    error as it is; else PublishFailed, naming the channels that were published). Otherwise carries out
    the retractions every channel has done, and returns None for a success, or what was not delivered
    (a Partial run: published, but not all of it went out)."""
    from trilingo.channels.publish import finish_retractions

    if errors:
        channel, error = errors[0]
        if isinstance(error, TrilingoError):
            raise error  # its own message and exit code (a read-only folder, a full disk …)
        if not error:
            raise PublishFailed(N_("{channel}: the task failed").format(channel=channel))
        raise PublishFailed(f"{channel}: {error}")
    finish_retractions(_workspace(home, user)[1], channels)
    failing = next((r for r in results if r.get("failed")), None)
    if failing is not None:
        done = ", ".join(r["channel"] for r in results if not r.get("failed"))
        if not done:
            raise PublishFailed(
                N_("{channel}: {undelivered}. The other channels were published (none)").format(
                    channel=failing["channel"], undelivered=failing["undelivered"]
                )
            )
        raise PublishFailed(
            N_("{channel}: {undelivered}. The other channels were published ({done})").format(
                channel=failing["channel"], undelivered=failing["undelivered"], done=done
            )
        )
    dead = next((r for r in results if r.get("dead_total")), None)
    return None if dead is None else f"{dead['channel']}: {dead['undelivered']}"
