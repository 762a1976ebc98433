"""The publish flow: one task per channel (trilingo.channels.run holds what a publish does)."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed

from trilingo import progress
from trilingo.channels import names as channel_names
from trilingo.channels.run import RETRY_DELAYS, PublishFailed, channel_step, conclude
from trilingo.flows.context import run_identity
from trilingo.flows.retry import retry_unless_our_error
from trilingo.i18n import N_
from trilingo.reports import publish_markdown

__all__ = ["PublishFailed", "publish_channel_task", "publish_flow"]


@task(
    name="publish-channel",
    task_run_name="publish-{channel}",  # what an operator looks for in the Prefect UI
    retries=len(RETRY_DELAYS),
    retry_delay_seconds=list(RETRY_DELAYS),
    retry_condition_fn=retry_unless_our_error,
)
def publish_channel_task(home: str, channel: str, user: str, full: bool = False) -> dict[str, Any]:
    return channel_step(home, channel, user, full)


def _run_name() -> str:
    return run_identity("publish")[0]


@flow(name="publish", flow_run_name=_run_name)
def publish_flow(home: str, user: str, channels: list[str] | None = None, full: bool = False) -> Any:
    """Write every channel's approved releases; unchanged files are left alone. `full`: nothing is taken
    as current, every file is rendered again (channels.publish.forget_input_keys). The workspace's database
    and secrets come from this process's environment and the workspace's configuration, never from
    parameters (they are stored on the Prefect server, and shown in its UI)."""
    results: list[dict[str, Any]] = []
    errors: list[tuple[str, BaseException | None]] = []
    # Every channel runs, whatever happened to the one before; the run fails at the end if any did.
    todo = channels or list(channel_names())
    progress.begin(N_("Publishing (channels)"), len(todo))
    for channel in todo:
        state = publish_channel_task(home, channel, user, full, return_state=True)
        if state.is_completed():
            result: dict[str, Any] = state.result()
            results.append(result)
        else:
            outcome = state.result(raise_on_failure=False)
            errors.append((channel, outcome if isinstance(outcome, BaseException) else None))
        progress.advance()
    create_markdown_artifact(
        publish_markdown(results), key="publish-summary", description="What this run wrote"
    )
    partial = conclude(home, user, todo, results, errors)
    if partial is not None:
        # Published, but not all of it went out: not a plain success (`trilingo runs` marks it).
        return Completed(data=results, name="Partial", message=partial)
    return results
