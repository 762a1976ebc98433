"""What Prefect costs and what workers buy: the same pretranslate work four ways, and two cold starts.

1. Plain function calls (`draft_waiting`): the baseline.
2. One inline flow run against the local server, as `trilingo pretranslate` does: overhead ≤ 15 %.
3. The deployment that `trilingo deploy` registers, run by one process worker, then by two, each
   taking one flow run at a time (`--limit 1`), the work split into four runs of a quarter of the
   documents: two workers ≤ 0.75× the time of one.
4. Cold `trilingo status` and `trilingo runs`, each a fresh process: ≤ 1 s, against `python -c pass`.

1,000 notices of about 20 segments, × lo and zh, memory engine; PostgreSQL for the app when it
answers (two workers writing one SQLite file queue on its lock), else SQLite. Sizes:
TRILINGO_BENCH_ORCH_DOCS (default 1000).
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
from pathlib import Path
from typing import Any

import httpx

from bench.common import Figure
from bench.scale import _drop_pg, _pg_url, notice_text

DOCS = int(os.environ.get("TRILINGO_BENCH_ORCH_DOCS", "1000"))
RUNS = 4  # flow runs the work is split into for the workers
ENGINES = {"lo": "memory", "zh": "memory"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workspace(root: Path, name: str, database_url: str | None, port: int) -> tuple[Any, Any, list[str]]:
    """A fresh workspace holding the same DOCS notices, submitted (not timed)."""
    from trilingo import config
    from trilingo.intake.service import submit_notices
    from trilingo.text.frontmatter import read_notice
    from trilingo.workspace import open_database

    home = root / name
    url = database_url or f"sqlite:///{home / 'trilingo.db'}"
    settings = config.load(environ={}, home=str(home), database_url=url, prefect_port=port, user="bench")
    db = open_database(url, "bench", home)
    notices_dir = root / "notices"
    if not notices_dir.exists():
        notices_dir.mkdir()
        rng = random.Random(7)
        for i in range(DOCS):
            (notices_dir / f"tb-{i}.md").write_text(notice_text(i, rng), encoding="utf-8")
    paths = sorted(notices_dir.glob("*.md"))
    notices = [read_notice(p, settings.limits) for p in paths]
    for first in range(0, len(notices), 500):
        submit_notices(db, notices[first : first + 500], "bench", settings.public_dir)
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


def _with_workers(settings: Any, db: Any, slugs: list[str], workers: int, root: Path) -> float:
    """Seconds from creating RUNS flow runs of the deployment until every document is drafted."""
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
        time.sleep(8)  # the workers are up and polling
        deployment = httpx.get(
            f"{api}/deployments/name/pretranslate/{settings.workspace_key}", timeout=10
        ).json()
        size = -(-len(slugs) // RUNS)
        start = time.perf_counter()
        for first in range(0, len(slugs), size):
            httpx.post(
                f"{api}/deployments/{deployment['id']}/create_flow_run",
                json={"parameters": {"documents": slugs[first : first + size], "sweep": False}},
                timeout=10,
            ).raise_for_status()
        deadline = start + 1800
        while _pending(db) and time.perf_counter() < deadline:
            time.sleep(0.2)
        return time.perf_counter() - start
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def run() -> list[Figure]:
    from trilingo import server
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting
    from trilingo.store.db import forget_databases

    root = Path(tempfile.mkdtemp(prefix="trilingo-bench-orch-"))
    port = _free_port()
    pg = _pg_url()
    figures: list[Figure] = []
    started = None
    try:
        # 1. Plain calls.
        settings, db, _ = _workspace(root, "plain", pg[0] if pg else None, port)
        work = _segments(db)
        start = time.perf_counter()
        draft_waiting(db, {lang: OfflineEngine() for lang in ENGINES}, "bench")
        plain = time.perf_counter() - start
        figures.append(Figure("orchestration: plain calls", work / plain, "seg-lang/s"))
        if pg:
            _drop_pg(pg[1])
        forget_databases()

        # 2. One inline flow run against the local server.
        pg = _pg_url()
        settings, db, slugs = _workspace(root, "inline", pg[0] if pg else None, port)
        server.connect(settings, os.environ)  # not timed: a running server is the normal state
        started = settings  # its pid file is in this workspace: stop it with these settings
        from trilingo.flows.context import pretranslate_params
        from trilingo.flows.pretranslate import pretranslate_flow
        from trilingo.flows.runtime import drain, run

        start = time.perf_counter()
        run(settings, pretranslate_flow, **pretranslate_params(settings, ENGINES))
        inline = time.perf_counter() - start
        drain()
        figures.append(
            Figure(
                "orchestration: inline flow run",
                work / inline,
                "seg-lang/s",
                plain / inline,
                "plain calls",
                ">= 0.87x (overhead <= 15 %)",
                inline <= plain * 1.15,
            )
        )
        if pg:
            _drop_pg(pg[1])
        forget_databases()

        # 3. The deployment on one worker, then two.
        took: dict[int, float] = {}
        for workers in (1, 2):
            pg = _pg_url()
            settings, db, slugs = _workspace(root, f"workers{workers}", pg[0] if pg else None, port)
            took[workers] = _with_workers(settings, db, slugs, workers, root)
            left = _pending(db)
            if pg:
                _drop_pg(pg[1])
            forget_databases()
            figures.append(
                Figure(
                    f"orchestration: {workers} worker(s), {RUNS} runs",
                    work / took[workers],
                    "seg-lang/s",
                    plain / took[workers],
                    "plain calls",
                    "" if not left else f"{left} document-languages left undrafted",
                    None if not left else False,
                )
            )
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

        # 4. Cold starts.
        env = {
            **os.environ,
            "TRILINGO_HOME": str(settings.home),
            "TRILINGO_DATABASE_URL": settings.database_url,
            "TRILINGO_PREFECT_API_URL": settings.prefect_api_url,
            "TRILINGO_USER": "bench",
        }
        if pg:  # the last workspace's schema is gone: cold starts read a fresh SQLite one
            forget_databases()
            settings2, _, _ = _workspace(root, "cold", None, port)
            env["TRILINGO_HOME"], env["TRILINGO_DATABASE_URL"] = str(settings2.home), settings2.database_url
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
