"""The publish flow: one task per channel."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed

from trilingo import progress
from trilingo.channels import names as channel_names
from trilingo.channels.publish import finish_retractions, publish_and_record
from trilingo.errors import TrilingoError, UnavailableError
from trilingo.flows.context import run_identity, settings_from, workspace_db
from trilingo.flows.retry import retry_unless_our_error
from trilingo.i18n import N_
from trilingo.jsonable import to_json
from trilingo.reports import publish_markdown
from trilingo.workspace import open_database


class PublishFailed(UnavailableError):
    """A channel could not be published; the others were."""


@task(
    name="publish-channel",
    task_run_name="publish-{channel}",  # what an operator looks for in the Prefect UI
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_unless_our_error,
)
def publish_channel_task(home: str, channel: str, user: str, full: bool = False) -> dict[str, Any]:
    settings = settings_from(home, user)
    db = open_database(settings.database_url, user, settings.home)
    return to_json(publish_and_record(db, channel, settings.public_dir, user, settings=settings, full=full))


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
    if errors:
        channel, error = errors[0]
        if isinstance(error, TrilingoError):
            raise error  # its own message and exit code (a read-only folder, a full disk …)
        if not error:
            raise PublishFailed(N_("{channel}: the task failed").format(channel=channel))
        raise PublishFailed(f"{channel}: {error}")
    finish_retractions(workspace_db(home, user), todo)
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
    if dead is not None:
        # Published, but not all of it went out: not a plain success (`trilingo runs` marks it).
        return Completed(data=results, name="Partial", message=f"{dead['channel']}: {dead['undelivered']}")
    return results
