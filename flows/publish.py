"""The publish flow: one task per channel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed

from trilingo import progress
from trilingo.channels.publish import PUBLISHERS, finish_retractions, publish_and_record
from trilingo.errors import TrilingoError, UnavailableError
from trilingo.flows.context import run_identity, workspace_db
from trilingo.flows.retry import retry_unless_our_error
from trilingo.jsonable import to_json
from trilingo.reports import publish_markdown
from trilingo.site import load as load_site


class PublishFailed(UnavailableError):
    """A channel could not be published; the others were."""


@task(
    name="publish-channel",
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_unless_our_error,
)
def publish_channel_task(home: str, channel: str, user: str) -> dict[str, Any]:
    site = load_site(Path(home))
    return to_json(
        publish_and_record(workspace_db(home, user), channel, Path(home) / "public", user, site=site)
    )


def _run_name() -> str:
    return run_identity("publish")[0]


@flow(name="publish", flow_run_name=_run_name)
def publish_flow(home: str, user: str, channels: list[str] | None = None) -> Any:
    """Write every channel's approved releases; unchanged files are left alone. The workspace's database
    and secrets come from this process's environment and the workspace's configuration, never from
    parameters (they are stored on the Prefect server, and shown in its UI)."""
    results: list[dict[str, Any]] = []
    errors: list[tuple[str, BaseException | None]] = []
    undelivered: list[str] = []
    # Every channel runs, whatever happened to the one before; the run fails at the end if any did.
    todo = channels or list(PUBLISHERS)
    progress.begin("Publishing (channels)", len(todo))
    for channel in todo:
        state = publish_channel_task(home, channel, user, return_state=True)
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
    finish_retractions(workspace_db(home, user), todo)
    hook = next((r for r in results if r["channel"] == "webhook"), None)
    if undelivered and hook is not None:
        done = ", ".join(r["channel"] for r in results if not r.get("failed")) or "none"
        raise PublishFailed(f"webhook: {hook['undelivered']}. The other channels were published ({done})")
    if hook is not None and hook["dead_total"]:
        # Published, but not all of it went out: not a plain success (`trilingo runs` marks it).
        return Completed(data=results, name="Partial", message=f"webhook: {hook['undelivered']}")
    return results
