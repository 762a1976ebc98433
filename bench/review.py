"""Review at gate-office scale: the queue, `review next` and a PO export, as cold processes.

The workspace: 10,000 notices (a title and one sentence each) whose Lao texts all wait for review, with
people and roles in place and one in ten items claimed by another reviewer; the Chinese texts of half of
them wait too (10,000 segments), the other half are approved. Each figure is the median wall time of
five cold runs (after one warm-up run) of the real command, and its ratio is against `python -c "import sqlmodel"` measured
the same way in the same run (how many times the bare start-up of the database library it costs).
`TRILINGO_BENCH_REVIEW_DOCS` changes the number of notices.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import ACCOUNT, Figure

DOCS = int(os.environ.get("TRILINGO_BENCH_REVIEW_DOCS", "10000"))
RUNS = 5
ROOT = Path(__file__).parent.parent


def _wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:6])} failed: {done.stderr.strip()[-500:]}")
    return wall


def _median(make_args: list[list[str]], env: dict[str, str]) -> float:
    _wall(make_args[0], env)  # one warm-up run, not counted (the files it reads come into the page cache)
    return statistics.median(_wall(args, env) for args in make_args[1:])


def _build(database_url: str, home: Path) -> None:
    from sqlalchemy import text

    from trilingo.intake.store import submit_many
    from trilingo.people import add_user
    from trilingo.store.db import session_scope
    from trilingo.store.models import Role, utcnow
    from trilingo.text.frontmatter import parse_notice
    from trilingo.workspace import open_database

    db = open_database(database_url, ACCOUNT, home)
    with session_scope(db) as session:
        add_user(session, ACCOUNT, "lan", Role.REVIEWER, ["lo"])
        add_user(session, ACCOUNT, "somchai", Role.REVIEWER, ["lo"])
        add_user(session, ACCOUNT, "wei", Role.REVIEWER, ["zh"])
        add_user(session, ACCOUNT, "ed", Role.EDITOR, [])
    for first in range(0, DOCS, 1000):
        notices = [
            parse_notice(
                f"---\ntitle: Thông báo số {i} của cửa khẩu\nslug: tb-{i}\n---\n"
                f"Hành khách xuất trình hộ chiếu tại quầy số {i % 9 + 1}.\n"
            )
            for i in range(first, min(first + 1000, DOCS))
        ]
        with session_scope(db) as session:
            submit_many(session, notices, "ed")
    until = utcnow() + timedelta(hours=1)
    with db.begin() as conn:
        conn.execute(
            text(
                "UPDATE translation SET state = 'needs_review', origin = 'memory', "
                "target = CASE lang WHEN 'lo' THEN 'ຮ່າງການແປ' ELSE '译稿' END"
            )
        )
        conn.execute(text("UPDATE doclang SET state = 'pretranslated'"))
        conn.execute(text("UPDATE doclang SET state = 'approved' WHERE lang = 'zh' AND document_id % 2 = 1"))
        conn.execute(
            text(
                "UPDATE doclang SET claimed_by = 'somchai', claim_expires = :until WHERE lang = 'lo' AND document_id % 10 = 3"
            ),
            {"until": until},
        )
    from trilingo.databases import forget_databases
    from trilingo.store.db import optimize

    optimize(db)
    forget_databases()  # no connection of this process stays open beside the measured ones
    os.sync()  # the written database reaches the disk now, not during the measurements


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="trilingo-bench-review-") as tmp:
        home = Path(tmp) / "ws"
        database_url = f"sqlite:///{home / 'trilingo.db'}"
        env = {
            **os.environ,
            "TRILINGO_HOME": str(home),
            "TRILINGO_DATABASE_URL": database_url,
        }
        env.pop("TRILINGO_PREFECT_API_URL", None)
        start = time.perf_counter()
        _build(database_url, home)
        built = time.perf_counter() - start
        cli = [sys.executable, "-m", "trilingo"]
        baseline = _median([[sys.executable, "-c", "import sqlmodel"]] * (RUNS + 1), env)
        queue = _median(
            [[*cli, "review", "queue", "--lang", "lo", "--json", "--as", "lan"]] * (RUNS + 1), env
        )
        # Three different reviewers: each run claims a new item (a renewal would be cheaper).
        claimers = ("kham", "noy", "vong", "bounmy", "phet", "sone")  # one a run: a claim, not a renewal
        for name in claimers:
            subprocess.run(
                [*cli, "users", "add", name, "--role", "reviewer", "--lang", "lo"],
                env=env,
                check=True,
                capture_output=True,
            )
        next_ = _median(
            [[*cli, "review", "next", "--lang", "lo", "--json", "--as", n] for n in claimers],
            env,
        )
        out = Path(tmp) / "zh.po"
        export = _median(
            [[*cli, "catalogs", "export", "--lang", "zh", "-o", str(out), "--as", "wei"]] * (RUNS + 1), env
        )
        segments = out.read_text(encoding="utf-8").count("\nmsgctxt ")
    base = "import sqlmodel"
    return [
        Figure("review: build 10k-notice workspace (setup)", built, "s"),
        Figure("review: baseline python -c 'import sqlmodel'", baseline, "s"),
        Figure(
            f"review queue --lang lo --json ({DOCS:,} waiting)",
            queue,
            "s",
            queue / baseline,
            base,
            "<= 1 s",
            queue <= 1.0,
        ),
        Figure(
            "review next --lang lo --json (claims one)",
            next_,
            "s",
            next_ / baseline,
            base,
            "<= 1 s",
            next_ <= 1.0,
        ),
        Figure(
            f"catalogs export --lang zh ({segments:,} segments)",
            export,
            "s",
            export / baseline,
            base,
            "<= 3 s",
            export <= 3.0,
        ),
    ]
