"""The Trilingo server at 10,000 notices: a reviewer's cold `review queue --json` through the API against
the same command on the server's own machine, and four reviewers working one queue through it at once.

- The workspace: 10,000 generated notices (bench.scale's generator, about 208,000 segments) submitted
  in this process, their Lao and Chinese document-languages marked pretranslated in the tables (no
  pretranslation is timed here), and four reviewers with tokens.
- `trilingo api` runs as its own process on loopback, warmed by one request, as a server is.
- Cold: `python -m trilingo review queue --lang lo --json` in a fresh process, seven times each way;
  the medians are compared (target: through the API at most 1.2x the local command).
- Four reviewers (two Lao, two Chinese) each claim an item, write every segment, give it back, and the
  other reviewer of the language approves; the figure is requests a second, against the same work done
  by one reviewer in this process without HTTP. Then nothing may be lost or approved twice.

`TRILINGO_BENCH_API_SIZE` changes the number of notices; `TRILINGO_BENCH_BACKENDS=sqlite` skips PostgreSQL.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import Figure
from bench.scale import _free_port, _pg_url, notice_text

SIZE = int(os.environ.get("TRILINGO_BENCH_API_SIZE", "10000"))
BACKENDS = os.environ.get("TRILINGO_BENCH_BACKENDS", "sqlite,postgres").split(",")
RUNS = 7
CYCLES = 8  # items each reviewer works through
ROOT = Path(__file__).parent.parent


def _trilingo(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trilingo", *args], env=env, capture_output=True, text=True)


def _cold(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """The median wall time of `trilingo ARGS` in fresh processes, and what the last one printed."""
    times, out = [], ""
    for _ in range(RUNS):
        start = time.perf_counter()
        done = _trilingo(args, env)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"trilingo {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
        out = done.stdout
    return statistics.median(times), out


def _workspace(home: Path, database_url: str, env: dict[str, str]) -> dict[str, str]:
    """10,000 notices waiting for review, four reviewers and their tokens."""
    from sqlalchemy import text

    from trilingo import config
    from trilingo.identity import acting
    from trilingo.intake.submit import submit_notices
    from trilingo.store.counts import recount_all
    from trilingo.text.frontmatter import parse_notice
    from trilingo.workspace import open_database

    for args in (
        ["init"],
        ["users", "add", "lan", "--role", "reviewer", "--lang", "lo"],
        ["users", "add", "lan2", "--role", "reviewer", "--lang", "lo"],
        ["users", "add", "wei", "--role", "reviewer", "--lang", "zh"],
        ["users", "add", "mei", "--role", "reviewer", "--lang", "zh"],
    ):
        done = _trilingo(args, env)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
    settings = config.load(environ={}, home=str(home), database_url=database_url)
    db = open_database(database_url, settings.user, home)
    rng = random.Random(SIZE)
    with acting(settings.caller):
        for first in range(0, SIZE, 500):
            notices = [parse_notice(notice_text(i, rng)) for i in range(first, min(first + 500, SIZE))]
            submit_notices(db, notices, settings.user, settings.public_dir)
    with db.begin() as conn:
        conn.execute(text("UPDATE doclang SET state = 'pretranslated' WHERE lang IN ('lo', 'zh')"))
        recount_all(conn)
    db.dispose()
    tokens = {}
    for name in ("lan", "lan2", "wei", "mei"):
        done = _trilingo(["users", "token", name], env)
        tokens[name] = done.stdout.strip()
    return tokens


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trilingo", "api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("trilingo api did not start")


PAIRS = {"lan": "lan2", "lan2": "lan", "wei": "mei", "mei": "wei"}


def _reviewers(call: dict[str, Any], cycles: int) -> tuple[float, int, Counter[tuple[str, str]], list[str]]:
    """Four reviewers at once (threads, each its own client): (seconds, requests, successes, errors)."""
    from trilingo.errors import TrilingoError

    done: Counter[tuple[str, str]] = Counter()
    errors: list[str] = []
    requests = [0]
    lock = threading.Lock()

    def attempt(me: str, op: str, **params: Any) -> Any:
        with lock:
            requests[0] += 1
        try:
            answer = call[me](op, **params)
        except TrilingoError as exc:
            if int(exc.exit_status) not in (1, 10):
                errors.append(f"{me} {op}: {exc.message}")
            return None
        with lock:
            done[(me, op)] += 1
        return answer

    def work(me: str) -> None:
        lang = "lo" if me.startswith("lan") else "zh"
        for _ in range(cycles):
            item = attempt(me, "review.next", lang=lang)
            if item is None:
                return
            for seg in item["segments"]:
                text = ("ຂໍ້ຄວາມ " if lang == "lo" else "译文 ") + seg["source"][:40]
                attempt(me, "review.edit", document=item["slug"], lang=lang, segment=seg["n"], text=text)
            attempt(me, "review.release", document=item["slug"], lang=lang)
            attempt(PAIRS[me], "review.approve", document=item["slug"], lang=lang, accept_warnings="bench")

    threads = [threading.Thread(target=work, args=(me,)) for me in PAIRS]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, requests[0], done, errors


def _integrity(database_url: str) -> tuple[int, int]:
    """(edits lost, document-languages approved twice from one release): both must be 0."""
    from sqlalchemy import text

    from trilingo.store.db import create_database

    db = create_database(database_url)
    with db.connect() as conn:
        last: dict[tuple[int, str], str] = {}
        for seg, lang, new in conn.execute(
            text("SELECT segment_id, lang, new FROM auditevent WHERE action = 'edit' ORDER BY seq")
        ):
            last[(seg, lang)] = new
        stored = {
            (seg, lang): target
            for seg, lang, target in conn.execute(text("SELECT segment_id, lang, target FROM translation"))
            if (seg, lang) in last
        }
        lost = sum(1 for k, v in last.items() if stored.get(k) != v)
        previous: Counter[tuple[Any, Any, Any]] = Counter()
        for detail, doc, lang in conn.execute(
            text("SELECT detail, document_id, lang FROM auditevent WHERE action = 'approve' ORDER BY seq")
        ):
            d = json.loads(detail) if isinstance(detail, str) else detail
            previous[(doc, lang, d.get("previous_release"))] += 1
        twice = sum(n - 1 for n in previous.values() if n > 1)
    db.dispose()
    return lost, twice


def _one(backend: str, database_url: str, home: Path) -> list[Figure]:
    from trilingo import config
    from trilingo.client import Login, RemoteTransport
    from trilingo.service.local import LocalTransport

    env = {k: v for k, v in os.environ.items() if k == "TRILINGO_AUDIT_KEY" or not k.startswith("TRILINGO_")}
    local = {**env, "TRILINGO_HOME": str(home), "TRILINGO_DATABASE_URL": database_url}
    tokens = _workspace(home, database_url, local)
    proc, url = _serve(local)
    figures = []
    try:
        remote = {**env, "TRILINGO_SERVER": url, "TRILINGO_TOKEN": tokens["lan"]}
        _trilingo(["whoami"], remote)  # the server's first request loads its modules and checks the token
        args = ["review", "queue", "--lang", "lo", "--json"]
        here, local_out = _cold(args, local)
        there, remote_out = _cold(args, remote)
        same = json.loads(local_out) == json.loads(remote_out)
        figures.append(Figure(f"api {backend}: review queue --json, local cold", here, "s"))
        figures.append(
            Figure(
                f"api {backend}: the same through the API, cold",
                there,
                "s",
                ratio=here / there,
                baseline="local",
                target="<= 1.2x local, same JSON",
                met=there <= 1.2 * here and same,
            )
        )
        # The same reviewers' work, one request at a time in this process, without HTTP: the baseline.
        calls = {
            name: _serialised(
                LocalTransport(
                    config.load(environ={}, home=str(home), database_url=database_url, user=name)
                ).call
            )
            for name in PAIRS
        }
        solo, solo_requests, _solo_done, solo_errors = _reviewers(calls, 2)
        clients = {name: RemoteTransport(Login(url, tokens[name]), env={}).call for name in PAIRS}
        took, requests, done, errors = _reviewers(clients, CYCLES)
        lost, twice = _integrity(database_url)
        local_rate, rate = solo_requests / solo, requests / took
        approvals = sum(n for (_, op), n in done.items() if op == "review.approve")
        figures += [
            Figure(f"api {backend}: in-process requests, serial", local_rate, "req/s"),
            Figure(
                f"api {backend}: 4 reviewers at once via API",
                rate,
                "req/s",
                ratio=rate / local_rate,
                baseline="in-process, serial",
                target="no error",
                met=not (errors or solo_errors),
            ),
            Figure(f"api {backend}: approvals through the API", approvals, "count"),
            Figure(
                f"api {backend}: edits lost + double approvals",
                lost + twice,
                "count",
                target="0",
                met=lost + twice == 0 and approvals > 0,
            ),
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return figures


_LOCK = threading.Lock()


def _serialised(call: Any) -> Any:
    """One call at a time: in-process transports share a process-wide identity; the baseline is serial."""

    def one(op: str, **params: Any) -> Any:
        with _LOCK:
            return call(op, **params)

    return one


def run() -> list[Figure]:
    figures: list[Figure] = []
    for backend in BACKENDS:
        with tempfile.TemporaryDirectory(prefix="trilingo-bench-api-") as tmp:
            home = Path(tmp) / "ws"
            if backend == "sqlite":
                figures += _one(backend, f"sqlite:///{home / 'trilingo.db'}", home)
            elif backend == "postgres":
                found = _pg_url()
                if found is None:
                    print("api: PostgreSQL does not answer; skipped", file=sys.stderr)
                    continue
                url, schema = found
                try:
                    figures += _one(backend, url, home)
                finally:
                    import psycopg

                    from bench.scale import PG_BASE

                    with psycopg.connect(PG_BASE, autocommit=True) as conn:
                        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return figures
