"""The deployments that make the pipeline run itself, under `trilingo serve` or on work-pool workers.

- pretranslate: triggered by `trilingo.document.submitted` (drafting the documents the event names),
  and a sweep every minute that drafts whatever is still waiting, because events are best-effort.
- publish: triggered by `trilingo.doclang.approved` and `…retracted`, with a sweep every few minutes,
  and an hourly cron in the gates' time zone for expiry (an expired notice leaves the kiosk and the
  screens at the next publish). One deployment, so two publishes never write a channel at once.

Call `trilingo.server.connect(settings)` before importing this module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.events import DeploymentEventTrigger

from trilingo import i18n
from trilingo.config import Settings
from trilingo.events import APPROVED, RETRACTED, SUBMITTED, resource_id
from trilingo.flows.context import pretranslate_params, run_identity
from trilingo.flows.pretranslate import pretranslate_flow
from trilingo.flows.publish import publish_flow

GATES_TIMEZONE = "Asia/Ho_Chi_Minh"  # UTC+7: a notice that expires on a date ends at that day's midnight here
EXPIRY_CRON = "0 * * * *"


def deployments(
    settings: Settings,
    engines: dict[str, str],
    *,
    sweep: timedelta = timedelta(minutes=1),
    publish_sweep: timedelta = timedelta(minutes=5),
    trigger: str = "serve",
) -> list[RunnerDeployment]:
    """The pretranslate and publish deployments of this workspace, named after its key."""
    key = settings.workspace_key
    about: dict[str, str | list[str]] = {"prefect.resource.id": resource_id(settings)}
    params = pretranslate_params(settings, engines)
    _, pre_tags = run_identity("pretranslate", engines, trigger=trigger)
    pretranslate = pretranslate_flow.to_deployment(
        name=key,
        description=f"Drafts what waits in {settings.home}: on each submit, and every {sweep} as a sweep.",
        schedules=[IntervalSchedule(interval=sweep)],
        # What an event's run is drafting is left to it for two sweeps; after that (its run died, or
        # the event never came) the sweep takes it.
        parameters={**params, "sweep": True, "grace_seconds": int(sweep.total_seconds() * 2)},
        tags=[*pre_tags, f"workspace:{key}"],
        triggers=[
            DeploymentEventTrigger(
                name=f"trilingo {key}: pretranslate what was submitted",
                expect={SUBMITTED},
                match=about,
                parameters={**params, "documents": "{{ event.payload.documents }}", "sweep": False},
            )
        ],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    publish_params: dict[str, Any] = {k: params[k] for k in ("home", "user")}
    _, pub_tags = run_identity("publish", trigger=trigger)
    publish = publish_flow.to_deployment(
        name=key,
        description=(
            f"Publishes {settings.home}'s approved releases: on each approval or retraction, every "
            f"{publish_sweep} as a sweep, and hourly for expiry."
        ),
        schedules=[
            IntervalSchedule(interval=publish_sweep),
            CronSchedule(cron=EXPIRY_CRON, timezone=GATES_TIMEZONE),
        ],
        parameters=publish_params,
        tags=[*pub_tags, f"workspace:{key}"],
        triggers=[
            DeploymentEventTrigger(
                name=f"trilingo {key}: publish what was approved or retracted",
                expect={APPROVED, RETRACTED},
                match=about,
                parameters=publish_params,
            )
        ],
        # Publishes queue behind each other: two at once would race on the same files and ledger rows.
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
        ),
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [pretranslate, publish]


def serve_forever(
    settings: Settings,
    engines: dict[str, str],
    *,
    sweep: timedelta,
    publish_sweep: timedelta,
    limit: int | None,
    echo: Callable[[str], None] = print,
) -> None:
    """Run the deployments in this process until Ctrl-C or SIGTERM (schedules pause on the way out), and
    beside them the webhook's retries, on their own schedule."""
    from prefect import serve

    stop = threading.Event()
    retries = threading.Thread(target=_retry_webhook, args=(settings, stop, echo), daemon=True)
    retries.start()
    try:
        serve(
            *deployments(settings, engines, sweep=sweep, publish_sweep=publish_sweep),
            print_starting_message=False,
            limit=limit,
        )
    finally:
        stop.set()


def _retry_webhook(settings: Settings, stop: threading.Event, echo: Callable[[str], None]) -> None:
    """Deliver the webhook events that are due, every RETRY_EVERY s, saying what happened."""
    from trilingo.channels.webhook import RETRY_EVERY, deliver_due, describe
    from trilingo.errors import TrilingoError
    from trilingo.workspace import open_database

    while not stop.wait(RETRY_EVERY):
        try:
            db = open_database(settings.database_url, settings.user, settings.home)
            done = deliver_due(db, settings.webhook, settings.public_dir)
        except TrilingoError as exc:
            echo(i18n._("webhook: the delivery round failed: {message}").format(message=exc.message))
            continue
        if done is not None and (done.delivered or done.failed):
            left = describe(done)
            if left:
                echo(
                    i18n._("webhook: {delivered} delivered; {left}").format(
                        delivered=done.delivered, left=left
                    )
                )
            else:
                echo(i18n._("webhook: {delivered} delivered").format(delivered=done.delivered))


def deploy_to_pool(
    settings: Settings,
    engines: dict[str, str],
    pool: str,
    *,
    sweep: timedelta,
    publish_sweep: timedelta,
    heartbeat: int,
) -> tuple[bool, list[str]]:
    """Register the deployments in a process work pool (made if missing), for `prefect worker start`.

    Returns whether the pool was created, and the deployments' full names. Their runs send heartbeats
    every `heartbeat` s, so the crash-detection automation can tell a dead worker's runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    created = True
    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            created = False
    names = []
    for deployment in deployments(
        settings, engines, sweep=sweep, publish_sweep=publish_sweep, trigger="worker"
    ):
        deployment.job_variables = {"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(heartbeat)}}
        deployment.apply(work_pool_name=pool)
        names.append(deployment.full_name)
    return created, names
