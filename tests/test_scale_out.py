"""Scale-out on loopback, as docs/scale-out.md describes it: a Prefect server on PostgreSQL, a process
work pool, `trilingo deploy`, two `prefect worker` processes, the app database on PostgreSQL.

200 notices go in as 10 submits; their events start pretranslate runs that the two workers share.
One worker is killed (with its flow run) in the middle of a run: the crash-detection automation marks
that run Crashed, the sweep drafts what it left, and every document-language is drafted exactly once.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from tests.conftest import PG_BASE, require_postgres
from tests.helpers import write_notice
from tests.stubs.fixtures import env_for, stub_for
from trilingo.store.db import create_database
from trilingo.store.models import AuditEvent, DocLang, DocState, Translation
from trilingo.store.sessions import TrilingoSession

pytestmark = [pytest.mark.postgres, pytest.mark.prefect]

ROOT = Path(__file__).parent.parent
DOCUMENTS, SUBMITS = 200, 10
SWEEP = 15  # seconds between the deployments' pretranslate sweeps


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check: Callable[[], Any], timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = (int(x) for x in line.split())
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Cluster:
    api: str
    env: dict[str, str]
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]]

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            args, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def trilingo(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "trilingo", *args],
            env=self.env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def runs(self, flow: str) -> list[dict[str, Any]]:
        body = {"flows": {"name": {"any_": [flow]}}, "limit": 200, "sort": "EXPECTED_START_TIME_DESC"}
        response = httpx.post(f"{self.api}/flow_runs/filter", json=body, timeout=10)
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()
        return data


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str) -> Iterator[Cluster]:
    require_postgres()
    import psycopg

    plain = PG_BASE.replace("+psycopg", "")
    prefect_db = "prefect_" + uuid.uuid4().hex[:10]
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {prefect_db}")
    host = plain.rsplit("/", 1)[0].removeprefix("postgresql://")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    keep = ("TRILINGO_TEST_ACCOUNT", "TRILINGO_AUDIT_KEY")  # who the tests run as; the audit key
    env = {k: v for k, v in os.environ.items() if k in keep or not k.startswith(("PREFECT_", "TRILINGO_"))}
    env.update(
        {
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{host}/{prefect_db}",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_WORKER_PREFETCH_SECONDS": "2",
            "TRILINGO_HOME": str(tmp_path / "ws"),
            "TRILINGO_DATABASE_URL": pg_url,
            "TRILINGO_PREFECT_API_URL": api,
        }
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    c = Cluster(api, env, logs, {})
    c.start(
        "server",
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-background",
        ],
    )
    try:
        _wait("the Prefect server on PostgreSQL", lambda: _healthy(api), 180)
        yield c
    finally:
        for proc in c.procs.values():
            for pid in [*_descendants(proc.pid), proc.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.wait(timeout=30)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {prefect_db} WITH (FORCE)")


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _state(api: str, run_id: str) -> str:
    run = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()
    return str(run["state"]["type"])


def _events(api: str, run_id: str) -> list[str]:
    """What the server recorded about a run ("12:01:02 prefect.flow-run.Running"), for a failure message."""
    body = {"filter": {"resource": {"id": [f"prefect.flow-run.{run_id}"]}}, "limit": 50}
    try:
        found = httpx.post(f"{api}/events/filter", json=body, timeout=10).json().get("events", [])
    except (httpx.HTTPError, ValueError) as exc:
        return [f"(events unreadable: {exc!r})"]
    return sorted(f"{e['occurred'][11:19]} {e['event']}" for e in found)


def test_two_workers_share_the_work_and_a_killed_one_loses_nothing(
    cluster: Cluster, tmp_path: Path, pg_url: str
) -> None:
    # Slow enough (0.5 s a call) that the first runs, which meet every text for the first time, take
    # several seconds: time to kill one of them in the middle.
    with stub_for("google", latency=0.5) as stub:
        # Generous bounds: the stub answers in 0.5 s, but on a loaded two-core CI machine a call can wait
        # seconds for a connection. A call that fails is rightly drafted again by a later run, which is
        # not what this test is after: it checks that no row is written twice by runs racing each other.
        cluster.env.update(
            env_for("google", stub.url, timeout="30", connect_timeout="10", retries="4", backoff_base="0.5")
        )
        cluster.env["TRILINGO_ENGINE"] = "google"
        cluster.trilingo("init")
        deployed = cluster.trilingo("deploy", "--pool", "trilingo-test", "--sweep", str(SWEEP))
        assert "Work pool trilingo-test: created (process)." in deployed
        for name in ("w1", "w2"):
            cluster.start(
                name,
                [
                    sys.executable,
                    "-m",
                    "prefect",
                    "worker",
                    "start",
                    "--pool",
                    "trilingo-test",
                    "--type",
                    "process",
                    "--name",
                    name,
                ],
            )
        _wait("two workers", lambda: all("started" in cluster.log(w).lower() for w in ("w1", "w2")), 60)

        notices = tmp_path / "notices"
        notices.mkdir()
        per_submit = DOCUMENTS // SUBMITS
        for batch in range(SUBMITS):
            files = [
                write_notice(
                    notices,
                    f"tb-{batch:02d}-{i:02d}",
                    # Texts repeat (about 30 per language), so after the first runs the MT cache answers
                    # most of them: what is measured is the orchestration, not the stub's latency.
                    f"Thông báo về giờ mở cửa làn số {i}.\n\nXe tải vào bãi số {batch}.",
                )
                for i in range(per_submit)
            ]
            cluster.trilingo("submit", *map(str, files))

        # The runs a worker took: a submission the server aborted (the other worker had the run first) is
        # not one. Reading only "submitting" lines once picked a run of w2's as w1's and killed it.
        def taken(worker: str) -> set[str]:
            log = cluster.log(worker)
            submitted = set(re.findall(rf"Worker '{worker}' submitting flow run '([0-9a-f-]+)'", log))
            return submitted - set(re.findall(r"Aborted submission of flow run '([0-9a-f-]+)'", log))

        # Kill w1, and the flow run it is running, mid-run.
        def running_on_w1() -> str | None:
            for run_id in sorted(taken("w1")):
                if _state(cluster.api, run_id) == "RUNNING":
                    return run_id
            return None

        w1 = cluster.procs["w1"]

        def frozen_mid_run() -> tuple[str, list[int]] | None:
            """A run of w1's that is Running, with w1, its children and the run's own process stopped
            (SIGSTOP): frozen, the run cannot finish between being found and being killed (CI saw one
            complete in that gap). None, everything resumed, if it was no longer Running once frozen."""
            run = running_on_w1()
            if run is None:
                return None
            # The run's own process, as Prefect recorded it ("host:pid"), then the worker and its children.
            run_pid = (
                httpx.get(f"{cluster.api}/flow_runs/{run}", timeout=10).json().get("infrastructure_pid") or ""
            ).rsplit(":", 1)[-1]
            tree = [*([int(run_pid)] if run_pid.isdigit() else []), w1.pid, *_descendants(w1.pid)]
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
            if _state(cluster.api, run) == "RUNNING":
                return run, tree
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            return None

        # Kill w1 and everything under it: a process the worker was starting must not carry the run on.
        killed, tree = _wait("a run in progress on w1", frozen_mid_run, 120, every=0.2)
        for pid in [*tree, *_descendants(w1.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        w1.wait(timeout=30)
        killed_time = time.time()
        assert _state(cluster.api, killed) == "RUNNING", "the run finished before it could be killed"

        db = create_database(pg_url)

        def all_drafted() -> bool:
            with TrilingoSession(db) as s:
                waiting = s.exec(
                    select(func.count())
                    .select_from(DocLang)
                    .where(DocLang.state == DocState.SUBMITTED, DocLang.lang != "vi")
                ).one()
                total = s.exec(select(func.count()).select_from(DocLang).where(DocLang.lang != "vi")).one()
            return total == DOCUMENTS * 2 and waiting == 0

        _wait("every document drafted", all_drafted, 480)  # w2 alone, at the stub's 0.5 s a call
        # Marked Crashed 90 s after its last heartbeat (or its Running state), by the automation or by a
        # sweep, which checks the same rule itself.
        last: list[str] = []

        def crashed() -> bool:
            last[:] = [_state(cluster.api, killed)]
            return last[0] == "CRASHED"

        try:
            _wait("the killed run marked Crashed", crashed, 240, every=2)
        except AssertionError as exc:
            killed_at = time.strftime("%H:%M:%S", time.gmtime(killed_time))
            events = _events(cluster.api, killed)
            raise AssertionError(
                f"{exc}; its state is {last}; killed at {killed_at}; its events: {events}"
            ) from None

        # The runs each worker took so far. w2 may still be finishing some that started before everything
        # was drafted (they find their rows written by others and write nothing): each must end, and end
        # Completed. The sweep starts a new run every SWEEP seconds; those later runs are not waited for.
        by_worker = {w: taken(w) for w in ("w1", "w2")}

        def w2_done() -> bool:
            return all(
                r["state"]["type"] not in ("RUNNING", "PENDING")
                for r in cluster.runs("pretranslate")
                if r["id"] in by_worker["w2"]
            )

        _wait("w2's runs finished", w2_done, 300, every=2)

        with TrilingoSession(db) as s:
            versions = s.exec(
                select(Translation.row_version, func.count()).group_by(col(Translation.row_version))
            ).all()
            audits = s.exec(
                select(AuditEvent.document_id, AuditEvent.lang, func.count())
                .where(AuditEvent.action == "pretranslate")
                .group_by(col(AuditEvent.document_id), col(AuditEvent.lang))
            ).all()
            rewritten = s.exec(
                select(Translation.state, Translation.origin, func.count())
                .where(Translation.row_version > 2)
                .group_by(col(Translation.state), col(Translation.origin))
            ).all()
            drafted = s.exec(
                select(func.count()).select_from(Translation).where(col(Translation.origin) == "google")
            ).one()
        db.dispose()
        # Every segment drafted once: no row written twice, one audit event per document-language.
        assert dict(versions).keys() == {2}, f"row versions {versions}; rows written again: {rewritten}"
        assert len(audits) == DOCUMENTS * 2 and {n for _, _, n in audits} == {1}
        assert drafted > 0

        runs = [r for r in cluster.runs("pretranslate") if r["id"] in by_worker["w1"] | by_worker["w2"]]
        states = {
            r["id"]: r["state"]["type"] for r in runs if r["state"]["type"] not in ("SCHEDULED", "PENDING")
        }
        assert states[killed] == "CRASHED"
        # w1 may have had another run going when it was killed. Such a run is w1's and ends Crashed or is
        # still Running here (KNOWN GAP: one stayed Running for over 4 minutes in a trial; see the notes).
        unfinished = {rid for rid, st in states.items() if st in ("CRASHED", "RUNNING")}
        assert unfinished <= by_worker["w1"], "only the killed worker's runs may be left unfinished"
        others = {rid: st for rid, st in states.items() if rid not in unfinished}
        assert others and set(others.values()) == {"COMPLETED"}, others
        assert all(r["state"]["name"] == "Completed" for r in runs if r["id"] in others)  # none Partial
        assert by_worker["w1"] and by_worker["w2"], "the work was not spread over both workers"
        assert killed in by_worker["w1"]
