"""The deployments that make the pipeline run itself, under `trilingo serve` or on work-pool workers.

- pretranslate: triggered by `trilingo.document.submitted` (drafting the documents the event names),
  and a sweep every minute that drafts whatever is still waiting, because events are best-effort.
- publish: triggered by `trilingo.doclang.approved` and `…retracted`, with a sweep every few minutes,
  and an hourly cron in the gates' time zone for expiry (an expired notice leaves the kiosk and the
  screens at the next publish). One deployment, so two publishes never write a channel at once.

Call `trilingo.server.connect(settings)` before importing this module.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.events import DeploymentEventTrigger

from trilingo import i18n
from trilingo.config import Settings
from trilingo.errors import ConfigError
from trilingo.events import APPROVED, RETRACTED, SUBMITTED, resource_id
from trilingo.flows.context import pretranslate_params, run_identity
from trilingo.flows.pretranslate import pretranslate_flow
from trilingo.flows.publish import publish_flow
from trilingo.i18n import N_

GATES_TIMEZONE = "Asia/Ho_Chi_Minh"  # UTC+7: a notice that expires on a date ends at that day's midnight here
EXPIRY_CRON = "0 * * * *"
# How often the runner asks the server for runs to start (Prefect's PREFECT_RUNNER_POLL_FREQUENCY is 10 s,
# which alone put 0–10 s between an event and its run). One request a second to the local server.
POLL_SECONDS = 1.0
# What each run's process has imported before it is forked (see _fast_starts): 2.5 s of imports, on a
# loaded two-core machine, that a spawned process paid at every run.
PRELOAD = ["trilingo.flows.pretranslate", "trilingo.flows.publish"]
START_TAG = "sweep:start"  # the sweeps `serve` starts as it starts
REPORTS_ENV = "TRILINGO_SERVE_REPORTS"  # where a run under `serve` leaves what it did, for its line


def deployments(
    settings: Settings,
    engines: dict[str, str],
    *,
    sweep: timedelta = timedelta(minutes=1),
    publish_sweep: timedelta = timedelta(minutes=5),
    trigger: str = "serve",
) -> list[RunnerDeployment]:
    """The pretranslate and publish deployments of this workspace, named after its key."""
    return [
        flow.to_deployment(**options)
        for flow, options in _specs(
            settings, engines, sweep=sweep, publish_sweep=publish_sweep, trigger=trigger
        )
    ]


def _specs(
    settings: Settings, engines: dict[str, str], *, sweep: timedelta, publish_sweep: timedelta, trigger: str
) -> list[tuple[Any, dict[str, Any]]]:
    """Each deployment's flow and options: `deploy` makes deployments of them for a pool's workers;
    `serve` hands them to its runner with the flows themselves (Runner.add_flow), so that it starts
    each run from the flow in memory, not by importing it again in a `python -m prefect.engine`."""
    key = settings.workspace_key
    about: dict[str, str | list[str]] = {"prefect.resource.id": resource_id(settings)}
    params = pretranslate_params(settings, engines)
    _, pre_tags = run_identity("pretranslate", engines, trigger=trigger)
    pretranslate = dict(
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
    publish = dict(
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
    return [(pretranslate_flow, pretranslate), (publish_flow, publish)]


def serve_forever(
    settings: Settings,
    engines: dict[str, str],
    *,
    sweep: timedelta,
    publish_sweep: timedelta,
    limit: int | None,
    echo: Callable[[str], None] = print,
    report: Callable[[str], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Run the deployments in this process until Ctrl-C or SIGTERM (schedules pause on the way out), and
    beside them the webhook's retries, on their own schedule. A Ctrl-C after which the runner has not
    stopped within STOP_SECONDS (its shutdown waiting on a run or on the server) ends the process anyway,
    after `on_stop`: the heartbeat rule marks a run it left Crashed, and the next sweep takes its work.

    As it starts it runs one sweep of each deployment, so what waited while nothing served does not wait
    for the first scheduled sweep. Each run it starts and ends is told to `report` as one line (none
    when it is None: `--quiet`)."""
    from prefect.exceptions import TerminationSignal
    from prefect.runner import Runner

    poll = poll_seconds(os.environ)  # before anything starts: a wrong value changes nothing
    stop = threading.Event()
    retries = threading.Thread(target=_retry_webhook, args=(settings, stop, echo), daemon=True)
    retries.start()
    with tempfile.TemporaryDirectory(prefix="trilingo-serve-") as reports:
        live = _fast_starts(Path(reports), report)
        runner = Runner(pause_on_shutdown=True, limit=limit, query_seconds=poll)
        specs = _specs(settings, engines, sweep=sweep, publish_sweep=publish_sweep, trigger="serve")
        previous = signal.getsignal(signal.SIGINT)

        def interrupted(signum: int, frame: Any) -> None:
            watchdog = threading.Timer(STOP_SECONDS, _force_stop, args=(on_stop,))
            watchdog.daemon = True
            watchdog.start()
            if callable(previous):
                previous(signum, frame)  # Python's own: KeyboardInterrupt
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, interrupted)
        try:
            asyncio.run(_serve(runner, specs))
        except (KeyboardInterrupt, TerminationSignal):
            pass
        finally:
            stop.set()
            # The runs the runner stopped or left: their ends are told (and their reports read, from the
            # folder about to go) before serve says it has stopped.
            deadline = time.monotonic() + ENDING_SECONDS
            for run in list(live):
                run.ended.wait(max(0.0, deadline - time.monotonic()))


STOP_SECONDS = 30.0  # after a Ctrl-C, the most serve takes to stop
ENDING_SECONDS = 10.0  # of which the most it waits for the runs it started to end (their lines come first)


def _force_stop(on_stop: Callable[[], None] | None) -> None:
    if on_stop is not None:
        on_stop()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def poll_seconds(environ: Mapping[str, str]) -> float:
    """How often the runner asks for runs to start: PREFECT_RUNNER_POLL_FREQUENCY when it is set, else
    POLL_SECONDS (Prefect's own default, 10 s, is not used)."""
    given = environ.get("PREFECT_RUNNER_POLL_FREQUENCY", "").strip()
    if not given:
        return POLL_SECONDS
    try:
        seconds = float(given)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise ConfigError(
            N_("PREFECT_RUNNER_POLL_FREQUENCY must be a number of seconds (0 to 3600), got {value!r}").format(
                value=given
            )
        )
    return seconds


async def _serve(runner: Any, specs: list[tuple[Any, dict[str, Any]]]) -> None:
    """Register the deployments, start one sweep of each, then run what the server hands out."""
    from prefect.client.orchestration import get_client

    ids = [await runner.aadd_flow(flow, **options) for flow, options in specs]
    async with get_client() as client:
        for deployment_id, (_, options) in zip(ids, specs, strict=True):
            await client.create_flow_run_from_deployment(
                deployment_id, parameters=start_sweep_parameters(options["parameters"]), tags=[START_TAG]
            )
    await runner.start()


def start_sweep_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """What the sweep at start changes in a deployment's parameters: a pretranslate sweep there leaves
    nothing to a run of an event, which may never have come (nothing served when it was sent)."""
    return {"grace_seconds": 0} if "grace_seconds" in parameters else {}


# Each run under `serve` is a process of its own. Prefect starts it with multiprocessing's "spawn": a new
# interpreter that imports Prefect and the flows again (2.5 s here). Under `serve` it is forked instead
# from a server process ("forkserver") that imported them once: the run starts in milliseconds, still in a
# fresh process (a run that dies takes nothing else with it). Prefect's runner reaches the start through
# prefect.runner._starter_direct.run_flow_in_subprocess, a module reference its docstring says to patch
# to override (Prefect 3.9); tests/test_serve.py fails if an upgrade moves it.


class _Forked:
    """Stands in for the `multiprocessing` module inside prefect.flow_engine: its one get_context call
    gets the forkserver context; anything else is the real module's."""

    def __init__(self, context: Any) -> None:
        self._context = context

    def get_context(self, method: str | None = None) -> Any:  # noqa: ARG002  (Prefect asks for "spawn")
        return self._context

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)


def _fast_starts(reports: Path, report: Callable[[str], None] | None) -> set[_Watched]:
    """Start runs by forking the preloaded server process, and tell `report` of each start and end.
    Returns the runs started and not yet ended (as they are started and end)."""
    from multiprocessing import forkserver

    live: set[_Watched] = set()
    import prefect.flow_engine as engine
    import prefect.runner._starter_direct as starter

    if "forkserver" in multiprocessing.get_all_start_methods():  # not on Windows: runs spawn there
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        forkserver.ensure_running()  # it imports PRELOAD while the deployments are registered
        engine.multiprocessing = _Forked(context)  # type: ignore[assignment]
    start_run = engine.run_flow_in_subprocess

    def run_flow_in_subprocess(flow: Any, flow_run: Any = None, **kw: Any) -> Any:
        covered = _remove_covered(flow, flow_run, report)
        if report is None or flow_run is None:
            return start_run(flow, flow_run=flow_run, **kw)
        env = {**(kw.pop("env", None) or {}), REPORTS_ENV: str(reports)}
        flow = flow.with_options(
            on_completion=[*flow.on_completion_hooks, leave_report],
            on_failure=[*flow.on_failure_hooks, leave_report],
        )
        trigger = trigger_of(flow_run)
        report(start_line(flow.name, trigger, datetime.now(UTC), flow_run.parameters or {}, covered))
        began = time.monotonic()
        process = start_run(flow, flow_run=flow_run, env=env, **kw)

        def ended(exitcode: int | None) -> None:
            outcome = _read_report(reports / f"{flow_run.id}.json")
            report(
                end_line(flow.name, trigger, datetime.now(UTC), time.monotonic() - began, outcome, exitcode)
            )

        return _Watched(process, ended, live)

    starter.run_flow_in_subprocess = run_flow_in_subprocess  # type: ignore[assignment]
    return live


def _remove_covered(flow: Any, flow_run: Any, report: Callable[[str], None] | None) -> int:
    """A publish about to start removes the publishes that events queued behind it (see
    automations.remove_covered_runs); how many."""
    if flow.name != "publish" or flow_run is None or flow_run.deployment_id is None:
        return 0
    from prefect.settings import PREFECT_API_URL

    from trilingo.automations import remove_covered_runs
    from trilingo.errors import UnavailableError

    try:
        return len(
            remove_covered_runs(str(PREFECT_API_URL.value()), str(flow_run.deployment_id), str(flow_run.id))
        )
    except UnavailableError as exc:  # they run, finding nothing new: slower, not wrong
        if report is not None:
            report(i18n.retranslate(exc.message))
        return 0


class _Watched:
    """A run's process, which says when it has ended (the runner joins it exactly once)."""

    def __init__(self, process: Any, report: Callable[[int | None], None], live: set[_Watched]) -> None:
        self._process = process
        self._report: Callable[[int | None], None] | None = report
        self._live = live
        self.ended = threading.Event()  # set once its end is told
        live.add(self)

    def join(self, timeout: float | None = None) -> None:
        self._process.join(timeout)
        if self._process.exitcode is not None and self._report is not None:
            report, self._report = self._report, None
            report(self._process.exitcode)
            self._live.discard(self)
            self.ended.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._process, name)


def trigger_of(flow_run: Any) -> str:
    """What started a run, as `trilingo runs` says it (event, schedule, start, manual)."""
    if START_TAG in (flow_run.tags or []):
        return "start"
    created_by = getattr(flow_run, "created_by", None)
    if created_by is not None and str(getattr(created_by, "type", "")).upper() == "AUTOMATION":
        return "event"
    return "schedule" if getattr(flow_run, "auto_scheduled", False) else "manual"


@dataclass(frozen=True)
class Outcome:
    """What a run did, as its own process left it: its state's name and message, and its counts."""

    state: str
    message: str = ""
    counts: dict[str, Any] | None = None


def leave_report(flow: Any, flow_run: Any, state: Any) -> None:
    """A state hook, in the run's own process: leave what the run did where `serve` reads it."""
    folder = os.environ.get(REPORTS_ENV)
    if not folder:
        return
    outcome = state.result(raise_on_failure=False) if state.is_completed() else None
    body = {
        "state": state.name or state.type.value.title(),
        "message": state.message or "",
        "counts": counts_of(flow.name, outcome),
    }
    path = Path(folder) / f"{flow_run.id}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body), encoding="utf-8")
    tmp.replace(path)


def counts_of(flow_name: str, results: Any) -> dict[str, Any] | None:
    """The few numbers a run's line shows, from the flow's results."""
    if not isinstance(results, list):
        return None
    if flow_name == "pretranslate":
        langs = sorted({r["lang"] for r in results})
        return {
            "documents": sum(int(r.get("documents", 0)) for r in results),
            "segments": sum(int(r.get("segments", 0)) for r in results),
            "drafted": sum(int(r.get(k, 0)) for r in results for k in ("tm", "glossary", "engine_drafts")),
            "failed": sum(int(r.get("failed", 0)) for r in results),
            "langs": langs,
        }
    written = {r["channel"]: len(r.get("written", [])) + len(r.get("removed", [])) for r in results}
    return {"channels": {name: n for name, n in written.items() if n}}


def _read_report(path: Path) -> Outcome | None:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path.unlink(missing_ok=True)
    return Outcome(str(body.get("state", "")), str(body.get("message", "")), body.get("counts"))


def _trigger_word(trigger: str) -> str:
    words = {
        "event": i18n._("event"),
        "schedule": i18n._("schedule"),
        "start": i18n._("at start"),
        "manual": i18n._("by hand"),
    }
    return words.get(trigger, trigger)


def start_line(flow: str, trigger: str, at: datetime, parameters: dict[str, Any], covered: int = 0) -> str:
    """`10:15:02 pretranslate (event) started: 3 document(s)`."""
    documents = parameters.get("documents") or []
    if flow == "pretranslate" and documents and isinstance(documents, list):
        what = i18n._("{count} document(s)").format(count=i18n.number(len(documents)))
    elif parameters.get("sweep"):
        what = i18n._("a sweep of what waits")
    else:
        what = i18n._("everything approved")
    if covered:
        what = i18n._("{what}, for {count} queued run(s) too (removed)").format(
            what=what, count=i18n.number(covered)
        )
    return i18n._("{time} {flow} ({trigger}) started: {what}").format(
        time=i18n.when(at, date=False, seconds=True), flow=flow, trigger=_trigger_word(trigger), what=what
    )


def end_line(
    flow: str, trigger: str, at: datetime, seconds: float, outcome: Outcome | None, exitcode: int | None
) -> str:
    """`10:15:04 pretranslate (event) Completed in 2.1 s: 40 segment(s) of 3 document(s) drafted …`."""
    if outcome is None:
        state = i18n._("Crashed")
        what = i18n._("its process ended (exit code {code}) without saying what it did").format(code=exitcode)
    else:
        state = i18n._(outcome.state)  # Prefect's state names are msgids (commands.labels)
        what = _what(flow, outcome)
    return i18n._("{time} {flow} ({trigger}) {state} in {seconds} s: {what}").format(
        time=i18n.when(at, date=False, seconds=True),
        flow=flow,
        trigger=_trigger_word(trigger),
        state=state,
        seconds=f"{seconds:.1f}",
        what=what,
    )


def _what(flow: str, outcome: Outcome) -> str:
    counts = outcome.counts
    if counts is None:
        return i18n.retranslate(outcome.message) if outcome.message else "-"
    if flow == "pretranslate":
        if not counts["documents"]:
            return i18n._("nothing was waiting")
        return i18n._(
            "{segments} segment(s) of {documents} document-language(s) ({langs}): {drafted} drafted, "
            "{failed} failed"
        ).format(
            segments=i18n.number(counts["segments"]),
            documents=i18n.number(counts["documents"]),
            langs=", ".join(counts["langs"]),
            drafted=i18n.number(counts["drafted"]),
            failed=i18n.number(counts["failed"]),
        )
    channels = counts.get("channels") or {}
    if not channels:
        return i18n._("nothing new to publish")
    return ", ".join(
        i18n._("{channel} {files} file(s)").format(channel=name, files=i18n.number(n))
        for name, n in sorted(channels.items())
    )


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
