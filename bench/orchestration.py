"""What Prefect costs and what workers buy: the same pretranslate work four ways, and two cold starts.

1. Plain function calls (`draft_waiting`): the baseline.
2. One inline flow run against the local server, as `trilingo pretranslate` does: overhead ≤ 15 %.
3. The deployments that `trilingo deploy` registers, run by one process worker, then by two, each
   taking one flow run at a time (`--limit 1`). The clock starts when the submit events go out, as
   `submit` sends them (one per 500 notices, so a bulk submit makes several runs), and stops when
   every document-language is drafted: Prefect's triggers, the workers' polling and each run's fresh
   process are all inside. Two workers ≤ 0.75× the time of one.
   The same events under `trilingo serve`: ≥ 2,000 segment-languages/s, as through the workers.
4. Cold `trilingo status` and `trilingo runs`, each a fresh process: ≤ 1 s, against `python -c pass`.

1,000 notices of about 20 segments (20.4 on average), × lo and zh, memory engine; PostgreSQL for the app when it
answers (two workers writing one SQLite file queue on its lock), else SQLite. Sizes:
TRILINGO_BENCH_ORCH_DOCS (default 1000), and TRILINGO_BENCH_ORCH_WORKER_DOCS for the workers' stage
(default the same).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import ACCOUNT, Figure
from bench.scale import _drop_pg, _pg_url, notice_text
from trilingo.events import DOCUMENTS_PER_EVENT
from trilingo.webclient import request

DOCS = int(os.environ.get("TRILINGO_BENCH_ORCH_DOCS", "1000"))
# The workers' stage on its own size: each flow run there is a fresh process (about 4 s of Prefect's
# own start and stop), so how much work a run carries decides what the workers can reach.
WORKER_DOCS = int(os.environ.get("TRILINGO_BENCH_ORCH_WORKER_DOCS", str(DOCS)))
ENGINES = {"lo": "memory", "zh": "memory"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workspace(
    root: Path, name: str, database_url: str | None, port: int, docs: int = DOCS
) -> tuple[Any, Any, list[str]]:
    """A fresh workspace holding the same `docs` notices, submitted (not timed)."""
    from trilingo import config
    from trilingo.intake.submit import submit_notices
    from trilingo.text.frontmatter import read_notice
    from trilingo.workspace import open_database

    home = root / name
    url = database_url or f"sqlite:///{home / 'trilingo.db'}"
    settings = config.load(environ={}, home=str(home), database_url=url, prefect_port=port)
    db = open_database(url, ACCOUNT, home)
    notices_dir = root / f"notices-{docs}"
    if not notices_dir.exists():
        notices_dir.mkdir()
        rng = random.Random(7)
        for i in range(docs):
            text = notice_text(i, rng, paragraphs=(4, 6), sentences=(4, 6))  # 20.4 segments on average
            (notices_dir / f"tb-{i}.md").write_text(text, encoding="utf-8")
    paths = sorted(notices_dir.glob("*.md"))
    notices = [read_notice(p, settings.limits) for p in paths]
    for first in range(0, len(notices), 500):
        submit_notices(db, notices[first : first + 500], ACCOUNT, settings.public_dir)
    return settings, db, [n.slug for n in notices]


def _segments(db: Any) -> int:
    from sqlalchemy import text

    with db.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM segment")).scalar() or 0) * len(ENGINES)


def _pending(db: Any) -> int:
    from sqlalchemy import text

    with db.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM doclang WHERE state = 'submitted' AND lang <> 'vi'")
            ).scalar()
            or 0
        )


def _cold(args: list[str], env: dict[str, str], times: int = 5) -> float:
    walls = []
    for _ in range(times):
        start = time.perf_counter()
        subprocess.run(args, env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def _submit_and_wait(settings: Any, db: Any, slugs: list[str]) -> float:
    """Seconds from sending the submit events, as `submit` does, until every document is drafted (or
    half an hour has passed: the caller counts what is left)."""
    from trilingo.events import SUBMITTED, documents_payloads, emit

    start = time.perf_counter()
    if not emit(settings, SUBMITTED, documents_payloads(slugs), timeout=30):
        raise RuntimeError(f"the Prefect server at {settings.prefect_api_url} did not take the submit events")
    while _pending(db) and time.perf_counter() < start + 1800:
        time.sleep(0.2)
    return time.perf_counter() - start


def _with_workers(settings: Any, db: Any, slugs: list[str], *, workers: int, root: Path) -> float:
    """Seconds from sending the submit events until every document is drafted, by `workers` workers."""
    from datetime import timedelta

    from trilingo.flows.serve import deploy_to_pool

    pool = f"bench-{workers}w-{os.getpid()}"
    deploy_to_pool(
        settings, ENGINES, pool, sweep=timedelta(hours=1), publish_sweep=timedelta(hours=1), heartbeat=30
    )
    api = settings.prefect_api_url
    env = {
        **os.environ,
        "PREFECT_API_URL": api,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
    }
    procs = []
    for n in range(workers):
        log = (root / f"{pool}-{n}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--type", "process",
                 "--limit", "1", "--name", f"{pool}-{n}"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
    try:
        time.sleep(8)  # the workers are up and polling, the triggers service has the new automations
        return _submit_and_wait(settings, db, slugs)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _with_serve(settings: Any, db: Any, slugs: list[str], *, root: Path) -> float:
    """Seconds from sending the submit events until every document is drafted, under `trilingo serve`
    (its sweeps an hour apart, so only the events start runs)."""
    env = {
        **os.environ,
        "TRILINGO_HOME": str(settings.home),
        "TRILINGO_DATABASE_URL": settings.database_url,
        "TRILINGO_PREFECT_API_URL": settings.prefect_api_url,
    }
    log = (root / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "trilingo", "serve", "--sweep", "3600", "--publish-sweep", "3600"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        url = f"{settings.prefect_api_url}/deployments/name/pretranslate/{settings.workspace_key}"
        while request("GET", url, timeout=5).status != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"trilingo serve did not start: see {root / 'serve.log'}")
            time.sleep(0.5)
        time.sleep(5)  # the triggers service loads the new automations
        return _submit_and_wait(settings, db, slugs)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def run() -> list[Figure]:
    from trilingo import server
    from trilingo.databases import forget_databases
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting

    root = Path(tempfile.mkdtemp(prefix="trilingo-bench-orch-"))
    port = _free_port()
    figures: list[Figure] = []
    started = None
    try:
        # The local server runs through every stage, the plain calls' too: it is the normal state, and
        # it takes its share of the two cores whether or not a flow is running (measured: plain calls
        # took 3.6 s with no server up and 3.9 s with one).
        settings = _workspace(root, "server", None, port)[0]
        server.connect(settings, os.environ)  # not timed
        started = settings  # its pid file is in this workspace: stop it with these settings
        from trilingo.flows.context import pretranslate_params
        from trilingo.flows.pretranslate import pretranslate_flow
        from trilingo.flows.runtime import drain, run

        def plain_calls(n: int) -> tuple[float, int]:
            pg = _pg_url()
            _, db, _ = _workspace(root, f"plain{n}", pg[0] if pg else None, port)
            start = time.perf_counter()
            draft_waiting(db, {lang: OfflineEngine() for lang in ENGINES}, ACCOUNT)
            took, work = time.perf_counter() - start, _segments(db)
            if pg:
                _drop_pg(pg[1])
            forget_databases()
            return took, work

        def flow_run(n: int) -> float:
            pg = _pg_url()
            settings, _, _ = _workspace(root, f"inline{n}", pg[0] if pg else None, port)
            start = time.perf_counter()
            run(settings, pretranslate_flow, **pretranslate_params(settings, ENGINES))
            took = time.perf_counter() - start
            drain()
            if pg:
                _drop_pg(pg[1])
            forget_databases()
            return took

        # 1 and 2, in turns, three times each; medians. The first flow run in a process also loads what
        # Prefect imports lazily (FastAPI's encoders, pydantic schemas): shown apart, not in the median.
        first = flow_run(0)
        plains, inlines = [], []
        for n in range(3):
            seconds, work = plain_calls(n)
            plains.append(seconds)
            inlines.append(flow_run(n + 1))
        plain, inline = statistics.median(plains), statistics.median(inlines)
        figures.append(Figure("orchestration: plain calls (median of 3)", work / plain, "seg-lang/s"))
        figures.append(
            Figure(
                "orchestration: inline flow run (median of 3)",
                work / inline,
                "seg-lang/s",
                plain / inline,
                "plain calls",
                ">= 0.87x (overhead <= 15 %)",
                inline <= plain * 1.15,
            )
        )
        figures.append(
            Figure(
                "orchestration: inline flow run, first in its process",
                work / first,
                "seg-lang/s",
                plain / first,
                "plain calls",
            )
        )

        # 3. The submit events through the deployments on one worker, then two, then under `trilingo
        # serve` (one process, each run a child process of its own).
        def through_pipeline(name: str, label: str, runs: Callable[[Any, Any, list[str]], float]) -> float:
            pg = _pg_url()
            settings, db, slugs = _workspace(root, name, pg[0] if pg else None, port, WORKER_DOCS)
            done = _segments(db)
            seconds = runs(settings, db, slugs)
            left = _pending(db)
            if pg:
                _drop_pg(pg[1])
            forget_databases()
            figures.append(
                Figure(
                    f"orchestration: {label}, {-(-WORKER_DOCS // DOCUMENTS_PER_EVENT)} submit event(s)",
                    done / seconds,
                    "seg-lang/s",
                    (done / seconds) / (work / plain),
                    "plain calls",
                    ">= 2,000 seg-lang/s" + (f"; {left} document-languages left undrafted" if left else ""),
                    done / seconds >= 2000 and not left,
                )
            )
            return seconds

        took = {
            workers: through_pipeline(
                f"workers{workers}",
                f"{workers} worker(s)",
                partial(_with_workers, workers=workers, root=root),
            )
            for workers in (1, 2)
        }
        through_pipeline("serve", "serve", partial(_with_serve, root=root))
        figures.append(
            Figure(
                "orchestration: 2 workers' time / 1 worker's",
                took[2] / took[1],
                "x",
                None,
                "",
                "<= 0.75",
                took[2] / took[1] <= 0.75,
            )
        )

        # 4. Cold starts, on the server's own workspace (SQLite, the notices submitted).
        env = {
            **os.environ,
            "TRILINGO_HOME": str(settings.home),
            "TRILINGO_DATABASE_URL": settings.database_url,
            "TRILINGO_PREFECT_API_URL": settings.prefect_api_url,
        }
        python = _cold([sys.executable, "-c", "pass"], env)
        for name, args in (("status", ["status"]), ("runs", ["runs", "--limit", "20"])):
            wall = _cold([sys.executable, "-m", "trilingo", *args], env)
            figures.append(
                Figure(
                    f"cold start: trilingo {name}",
                    wall,
                    "s",
                    wall / python,
                    "python -c pass",
                    "<= 1 s",
                    wall <= 1.0,
                )
            )
    finally:
        if started is not None:
            server.stop(started)
        shutil.rmtree(root, ignore_errors=True)
    return figures
