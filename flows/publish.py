"""The publish flow: one task per channel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from trilingo import progress
from trilingo.channels.publish import PUBLISHERS, publish_channel
from trilingo.errors import TrilingoError, UnavailableError
from trilingo.flows.context import database_url as resolve_db
from trilingo.flows.context import run_identity
from trilingo.flows.retry import retry_unless_our_error
from trilingo.jsonable import to_json
from trilingo.reports import publish_markdown
from trilingo.site import load as load_site
from trilingo.store.db import session_scope
from trilingo.workspace import open_database


class PublishFailed(UnavailableError):
    """A channel could not be published; the others were."""


@task(
    name="publish-channel",
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_unless_our_error,
)
def publish_channel_task(home: str, database_url: str, channel: str, user: str) -> dict[str, Any]:
    db = open_database(database_url, user, Path(home))
    with session_scope(db) as session:
        site = load_site(Path(home))
        return to_json(publish_channel(session, channel, Path(home) / "public", user, site=site))


def _run_name() -> str:
    return run_identity("publish")[0]


@flow(name="publish", flow_run_name=_run_name)
def publish_flow(
    home: str, database_url: str, user: str, channels: list[str] | None = None
) -> list[dict[str, Any]]:
    """Write every channel's approved releases; unchanged files are left alone."""
    db = resolve_db(database_url)
    results: list[dict[str, Any]] = []
    errors: list[tuple[str, BaseException | None]] = []
    undelivered: list[str] = []
    # Every channel runs, whatever happened to the one before; the run fails at the end if any did.
    todo = channels or list(PUBLISHERS)
    progress.begin("Publishing (channels)", len(todo))
    for channel in todo:
        state = publish_channel_task(home, db, channel, user, return_state=True)
        if state.is_completed():
            result: dict[str, Any] = state.result()
            results.append(result)
            if result.get("failed"):
                undelivered.append(
                    f"{channel}: {len(result['failed'])} delivery(ies) failed ({result['failed'][0]})"
                )
        else:
            outcome = state.result(raise_on_failure=False)
            errors.append((channel, outcome if isinstance(outcome, BaseException) else None))
        progress.advance()
    create_markdown_artifact(
        publish_markdown(results), key="publish-summary", description="What this run wrote"
    )
    if errors:
        channel, error = errors[0]
        if isinstance(error, TrilingoError):
            raise error  # its own message and exit code (a read-only folder, a full disk …)
        raise PublishFailed(f"{channel}: {error or 'the task failed'}")
    if undelivered:
        done = ", ".join(r["channel"] for r in results if not r.get("failed")) or "none"
        raise PublishFailed(
            "; ".join(undelivered) + f". The other channels were published ({done}); the events stay queued "
            "and go out with the next publish (`trilingo status` shows them)"
        )
    return results
