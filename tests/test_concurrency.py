"""Several processes on one workspace at once, on SQLite and PostgreSQL: no traceback, no lost edit,
no double approval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import col, select

from tests.helpers import add_users, write_notice
from trilingo.cli import cli
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate.jobs import draft_waiting
from trilingo.store.db import create_database
from trilingo.store.models import AuditEvent, Comment, Release, Segment, Translation
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent

# Waits for the start signal with everything imported, then runs its commands through the CLI and
# reports each outcome: so the processes really race, instead of queueing behind Python's start-up.
WORKER = r"""
import json, os, random, sys, time
from click.testing import CliRunner
from trilingo.cli import cli
go, plan = sys.argv[1], json.loads(sys.argv[2])
while not os.path.exists(go):
    time.sleep(0.005)
out = []
claimed = None  # the slug the last `review next --json` claimed: "$CLAIMED" (and "$N", its number) in a plan
for args in plan:
    if any("$CLAIMED" in a for a in args):
        if claimed is None:
            continue
        args = [a.replace("$CLAIMED", claimed).replace("$N", claimed[2:]) for a in args]
    r = CliRunner().invoke(cli, args)
    if args[:2] == ["review", "next"]:
        claimed = (json.loads(r.stdout) or {}).get("slug") if r.exit_code == 0 else None
    escaped = None if r.exception is None or isinstance(r.exception, SystemExit) else repr(r.exception)
    out.append([args, r.exit_code, r.stderr, escaped, r.stdout])
print(json.dumps(out))
"""


def _race(plans: list[list[list[str]]], go: Path) -> list[list[list]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go), json.dumps(plan)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
            cwd=ROOT,
        )
        for plan in plans
    ]
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
        results.append(json.loads(out.splitlines()[-1]))
    return results


def _workspace(db_url: str, tmp_path: Path, docs: int) -> None:
    """`docs` submitted notices, drafted by the offline engine; each has a title and two sentences."""
    files = [
        str(
            write_notice(
                tmp_path, f"tb{i}", f"Câu thứ nhất số {i}.\n\nCâu thứ hai số {i}.", title=f"Tiêu đề {i}"
            )
        )
        for i in range(docs)
    ]
    assert CliRunner().invoke(cli, ["submit", *files]).exit_code == 0
    add_users("first", *[f"rev{i}" for i in range(8)], *[f"p{p}" for p in range(4)])
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")


def _no_tracebacks(results: list[list[list]]) -> list[tuple[list[str], int, str]]:
    flat = []
    for proc in results:
        for args, code, stderr, escaped, _stdout in proc:
            assert escaped is None, f"{args}: {escaped}"
            assert "Traceback" not in stderr
            assert code in (0, 1, 10), f"{args}: exit {code}: {stderr}"
            if code:
                [line] = stderr.splitlines()
                assert line.startswith("Error: ")
            flat.append((args, code, stderr))
    return flat


@pytest.mark.usefixtures("solo")
def test_eight_concurrent_approvals_make_one_release(db_url: str, tmp_path: Path) -> None:
    _workspace(db_url, tmp_path, 1)
    CliRunner().invoke(cli, ["review", "edit", "tb0", "--lang", "zh", "--segment", "1", "--text", "标题 0"])
    CliRunner().invoke(
        cli, ["review", "edit", "tb0", "--lang", "zh", "--segment", "2", "--text", "第一句 0。"]
    )
    assert (
        CliRunner()
        .invoke(cli, ["review", "edit", "tb0", "--lang", "zh", "--segment", "3", "--text", "第二句 0。"])
        .exit_code
        == 0
    )
    # Approved once; then a new version that changes only the category carries every approved segment
    # over. Approving it changes no segment and no memory pair, so the approvals race on the
    # document-language alone: only its compare-and-set can stop a second approval.
    approve = ["review", "approve", "tb0", "--lang", "zh", "--as", "first"]
    assert CliRunner().invoke(cli, approve).exit_code == 0
    notice = tmp_path / "tb0.md"
    text_now = notice.read_text(encoding="utf-8")
    notice.write_text(text_now.replace("slug: tb0", "slug: tb0\ncategory: hướng dẫn"), encoding="utf-8")
    assert CliRunner().invoke(cli, ["submit", str(notice)]).exit_code == 0
    if db_url.startswith("postgresql"):
        # Hold every approver between reading the document-language and writing it, so that all eight
        # have read "in review" before the first one commits: the race happens every time, not by luck.
        # (SQLite writers take the write lock when they begin, so there they queue up by design.)
        with create_database(db_url).begin() as conn:
            conn.execute(
                text(
                    "CREATE FUNCTION slow_release() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.5); "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER slow_release BEFORE INSERT ON release FOR EACH ROW EXECUTE FUNCTION slow_release()"
                )
            )
    plans = [[["review", "approve", "tb0", "--lang", "zh", "--as", f"rev{i}"]] for i in range(8)]
    outcomes = _no_tracebacks(_race(plans, tmp_path / "go"))
    assert [code for _, code, _ in outcomes].count(0) == 1
    for _, code, stderr in outcomes:
        if code:
            # Raced in flight (Conflict), or arrived after the winner's commit and found it approved.
            assert "Someone changed this at the same time" in stderr or "it is approved" in stderr, stderr
    with TrilingoSession(create_database(db_url)) as s:
        releases = s.exec(select(Release).where(Release.lang == "zh").order_by(col(Release.id))).all()
        approvals = s.exec(
            select(AuditEvent).where(AuditEvent.action == "approve").order_by(col(AuditEvent.id))
        ).all()
    assert len(releases) == 2 and len(approvals) == 2  # the first approval, and one winner of the race
    assert [a.detail["release"] for a in approvals] == [r.id for r in releases]
    assert approvals[1].detail["previous_release"] == releases[0].id


@pytest.mark.usefixtures("solo")
def test_four_reviewers_share_one_queue_and_lose_nothing(db_url: str, tmp_path: Path) -> None:
    """4 processes x 250 claim, edit, comment, approve, reject, show and queue actions on one queue."""
    _workspace(db_url, tmp_path, 3)
    plans = []
    for p in range(4):
        me = f"p{p}"
        plan = []
        for block in range(25):  # 10 actions each: work through a claimed item, and get in others' way
            lang, other = ("lo", "zh")[(p + block) % 2], f"tb{(p + block) % 3}"
            mine = ["$CLAIMED", "--lang", lang]
            # Every source sentence of tb<n> holds the number n: the texts keep it, or approval warns.
            text = f"ຂໍ້ຄວາມ $N {p}-{block}" if lang == "lo" else f"译文 $N {p}-{block}"
            plan += [
                ["review", "next", "--lang", lang, "--json", "--minutes", "1", "--as", me],
                *[
                    ["review", "edit", *mine, "--segment", str(n), "--text", text, "--as", me]
                    for n in (1, 2, 3)
                ],
                ["review", "comment", *mine, f"ghi chú {p}-{block}", "--as", me],
                ["review", "approve", *mine, "--as", me],
                [
                    "review",
                    "edit",
                    other,
                    "--lang",
                    lang,
                    "--segment",
                    "2",
                    "--text",
                    text.replace("$N", other[2:]),
                    "--as",
                    me,
                ],
                ["review", "show", other, "--lang", lang, "--json"],
                ["review", "reject", other, "--lang", lang, "--reason", f"sửa lại {p}-{block}", "--as", me],
                ["review", "queue", "--json"],
            ]
        plans.append(plan)
    raw = _race(plans, tmp_path / "go")
    outcomes = _no_tracebacks(raw)
    done: Counter[tuple[str, str]] = Counter()  # (actor, action) → commands that succeeded
    claimed = 0
    for proc in raw:
        for args, code, _stderr, _escaped, stdout in proc:
            if code == 0 and args[1] in ("edit", "approve", "reject", "comment"):
                done[(args[-1], args[1])] += 1
            if code == 0 and args[1] == "next" and json.loads(stdout) is not None:
                claimed += 1
    assert sum(code == 0 for _, code, _ in outcomes) > 400  # most of the work went through
    assert sum(done[(f"p{p}", "approve")] for p in range(4)) > 10  # approvals went through
    with TrilingoSession(create_database(db_url)) as s:
        events = s.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        # The audit log accounts for every change: one event per successful command, by its actor.
        logged = Counter(
            (e.actor, e.action) for e in events if e.action in ("edit", "approve", "reject", "comment")
        )
        assert logged == done
        assert sum(e.action == "claim" for e in events) == claimed
        assert len(s.exec(select(Comment)).all()) == sum(n for (_, a), n in done.items() if a == "comment")
        # No lost update: each segment holds the text of the last edit the log says succeeded.
        last_edit: dict[tuple[int, str], str] = {}
        for e in events:
            if e.action == "edit" and e.segment_id is not None and e.lang is not None and e.new is not None:
                last_edit[(e.segment_id, e.lang)] = e.new
        rows = s.exec(select(Translation.segment_id, Translation.lang, Translation.target)).all()
        targets = {(seg, lang): target for seg, lang, target in rows if (seg, lang) in last_edit}
        # Segments of the current versions only: no new version was submitted, so every row is current.
        assert len(s.exec(select(Segment)).all()) == 9
        assert targets == last_edit
        # No double approval: every release has exactly one approve event (so one approver), and each
        # approval of a document-language replaced the release the one before it made.
        releases = {r.id: r for r in s.exec(select(Release).where(col(Release.lang) != "vi")).all() if r.id}
        approvals = [e for e in events if e.action == "approve"]
        assert sorted(e.detail["release"] for e in approvals) == sorted(releases)
        assert all(releases[e.detail["release"]].approved_by == e.actor for e in approvals)
        chain: dict[tuple[int | None, str | None], int | None] = defaultdict(lambda: None)
        for e in approvals:
            key = (e.document_id, e.lang)
            assert e.detail["previous_release"] == chain[key], f"double approval of {key}"
            chain[key] = e.detail["release"]


def test_batches_of_local_engines_run_one_at_a_time_and_online_ones_one_lane_per_language() -> None:
    from trilingo.pretranslate.jobs import lanes

    assert lanes({"lo": "memory", "zh": "memory"}) == 1  # CPU-bound: threads only slow each other
    assert lanes({"lo": "memory", "zh": "google"}) == 2
    assert lanes({"lo": "libre", "zh": "libre"}) == 2
    assert lanes({"zh": "baidu"}) == 1


def test_batches_take_turns_between_languages_so_each_lane_has_its_own_language() -> None:
    from trilingo.pretranslate.jobs import batches

    todo = {"lo": [1, 2, 3, 4, 5], "zh": [6, 7]}
    assert batches(todo, size=2) == [("lo", [1, 2]), ("zh", [6, 7]), ("lo", [3, 4]), ("lo", [5])]
    assert batches({"lo": [], "zh": [1]}, size=2) == [("zh", [1])]
    assert batches({}) == []
