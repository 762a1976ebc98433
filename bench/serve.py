"""How fast `trilingo serve` reacts: submit → pretranslated, and approve → on the web page and the kiosk.

A fresh workspace (SQLite, one person, four-eyes off) and its local Prefect server; `trilingo serve` in its
own process with its default sweeps. 50 notices go in as 5 batches of 10: each batch is one submit (one
event, as `trilingo submit` of 10 files sends it), then its 10 Lao translations are edited and approved
one after the other, as fast as a script can (10 events in about a second: the hardest case for the
publish deployment, which runs one publish at a time). The operations are the CLI's own (the service
layer, in this process), so the clock starts when each one returns, as the person's command would.

- submit → pretranslated: until both target languages of the notice have left `submitted` (the memory
  engine's run has been through it).
- approve → published: until `public/web/lo/n/SLUG.html` exists and the kiosk's `kiosk.sqlite` has it.

p50 and p95 of each, against the issue's target (p95 ≤ 5 s); the ratio is the target over the figure
(>1: within it). The serve process's own lines are in serve.log (kept when TRILINGO_BENCH_KEEP is set).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import Figure

BATCHES, PER_BATCH = 5, 10
TARGET = 5.0  # seconds, p95 (issue 27)
TIMEOUT = 120.0  # a notice not through in this long counts as this long, and is reported


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trilingo", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"trilingo {' '.join(args)}: {done.stdout}{done.stderr}")


def _states(db_path: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
        rows = conn.execute(
            "SELECT d.slug, dl.lang, dl.state FROM doclang dl JOIN document d ON d.id = dl.document_id"
        ).fetchall()
    return {(slug, lang): state for slug, lang, state in rows}


def _on_kiosk(bundle: Path, lang: str) -> set[str]:
    try:
        with sqlite3.connect(f"file:{bundle}?mode=ro", uri=True, timeout=1) as conn:
            return {s for (s,) in conn.execute("SELECT slug FROM notice WHERE lang = ?", (lang,))}
    except sqlite3.Error:
        return set()  # not written yet, or being replaced


def _until(done: Callable[[], set[str]], since: dict[str, float]) -> dict[str, float]:
    """Seconds from each slug's start (`since`) until `done()` first includes it, polled every 50 ms."""
    took: dict[str, float] = {}
    deadline = time.monotonic() + TIMEOUT
    while len(took) < len(since) and time.monotonic() < deadline:
        now = time.monotonic()
        for slug in done() - took.keys():
            if slug in since:
                took[slug] = now - since[slug]
        time.sleep(0.05)
    return {slug: took.get(slug, TIMEOUT) for slug in since}


def _stages(api: str, submitted_at: dict[str, datetime]) -> dict[str, list[float]]:
    """Where the submits' time went, from the server's record of their runs (one clock: this machine)."""
    body = {"flows": {"name": {"any_": ["pretranslate"]}}, "limit": 200}
    runs = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=30).json()
    out: dict[str, list[float]] = {
        "pretranslate: submit -> run created": [],
        "pretranslate: run created -> started": [],
        "pretranslate: run started -> ended": [],
    }
    for r in runs:
        first = ((r.get("parameters") or {}).get("documents") or [None])[0]
        if first not in submitted_at or not r.get("start_time") or not r.get("end_time"):
            continue
        created, start, end = (datetime.fromisoformat(r[k]) for k in ("created", "start_time", "end_time"))
        out["pretranslate: submit -> run created"].append((created - submitted_at[first]).total_seconds())
        out["pretranslate: run created -> started"].append((start - created).total_seconds())
        out["pretranslate: run started -> ended"].append((end - start).total_seconds())
    return out


def run() -> list[Figure]:
    from trilingo import config, server
    from trilingo.languages import TARGETS
    from trilingo.service import notices, review
    from trilingo.service.context import Context
    from trilingo.text.files import Upload

    lang = TARGETS[0]  # the language the reviewer approves (Lao)
    root = Path(tempfile.mkdtemp(prefix="trilingo-bench-serve-"))
    home, port = root / "office", _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TRILINGO_", "PREFECT_"))},
        "TRILINGO_HOME": str(home),
        "TRILINGO_DATABASE_URL": f"sqlite:///{home / 'trilingo.db'}",
        "TRILINGO_PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "TRILINGO_AUDIT_KEY": os.environ["TRILINGO_AUDIT_KEY"],
        "TRILINGO_UI_LANG": "en",
    }
    settings = config.load(environ=env, prefect_port=port)
    started: Any = None
    proc: subprocess.Popen[bytes] | None = None
    submit_s: list[float] = []
    submitted_at: dict[str, datetime] = {}  # a batch's first slug → when its submit returned (UTC)
    stages: dict[str, list[float]] = {}
    publish_s: list[float] = []
    late: list[str] = []
    try:
        _cli(env, "init")
        _cli(env, "settings", "set", "four_eyes", "off", "--reason", "benchmark: one person")
        server.connect(settings, os.environ)
        started = settings
        log = (root / "serve.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "trilingo", "serve"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        # Ready when both of its sweeps at start have ended (each prints its line), and the triggers
        # service has had a moment to load the new automations.
        deadline = time.monotonic() + 180
        while (root / "serve.log").read_text(errors="replace").count("(at start) Completed") < 2:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"trilingo serve did not start: see {root / 'serve.log'}")
            time.sleep(0.2)
        time.sleep(2)

        ctx = Context(settings, settings.caller, quiet=True)
        db_path, web, kiosk = home / "trilingo.db", home / "public" / "web" / lang, home / "public" / "kiosk"
        notes = root / "notices"
        notes.mkdir()
        for batch in range(BATCHES):
            slugs = [f"b{batch}-n{i}" for i in range(PER_BATCH)]
            uploads = []
            for i, slug in enumerate(slugs):
                path = notes / f"{slug}.md"
                body = f"Thông báo số {batch}-{i}: xin vui lòng xếp hàng tại cổng số {i + 1}."
                path.write_text(
                    f"---\ntitle: Lời nhắn {batch}-{i}\nslug: {slug}\n---\n{body}\n", encoding="utf-8"
                )
                uploads.append(Upload.read(path))
            notices.submit(ctx, uploads)
            t0 = time.monotonic()
            submitted_at[slugs[0]] = datetime.now(UTC)

            def drafted(slugs: list[str] = slugs) -> set[str]:
                states = _states(db_path)
                return {
                    s for s in slugs if all(states.get((s, t)) not in (None, "submitted") for t in TARGETS)
                }

            took = _until(drafted, dict.fromkeys(slugs, t0))
            submit_s += took.values()
            late += [f"{s} not drafted" for s, t in took.items() if t >= TIMEOUT]

            for i, slug in enumerate(slugs):  # a reviewer's edits: not timed
                for n, text in (
                    (1, f"ຂໍ້ຄວາມ {batch}-{i}"),
                    (2, f"ແຈ້ງການ {batch}-{i}: ກະລຸນາເຂົ້າແຖວທີ່ປະຕູ {i + 1}."),
                ):
                    review.edit(ctx, slug, lang, n, text)
            approved: dict[str, float] = {}
            for slug in slugs:
                review.approve(ctx, slug, lang)
                approved[slug] = time.monotonic()

            def published(approved: dict[str, float] = approved) -> set[str]:
                on_kiosk = _on_kiosk(kiosk / "kiosk.sqlite", lang)
                return {s for s in approved if s in on_kiosk and (web / "n" / f"{s}.html").exists()}

            took = _until(published, approved)
            publish_s += took.values()
            late += [f"{s} not published" for s, t in took.items() if t >= TIMEOUT]
        stages = _stages(settings.prefect_api_url, submitted_at)
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if started is not None:
            server.stop(started)
        if os.environ.get("TRILINGO_BENCH_KEEP"):
            print(f"(kept: {root})", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

    figures = []
    for what, values in (("submit -> pretranslated", submit_s), ("approve -> web page and kiosk", publish_s)):
        for name, q in (("p50", 0.5), ("p95", 0.95)):
            value = _p(values, q)
            figures.append(
                Figure(
                    f"serve: {what}, {name}",
                    value,
                    "s",
                    TARGET / value,
                    "the 5 s target",
                    "p95 <= 5 s" if name == "p95" else "",
                    value <= TARGET if name == "p95" else None,
                )
            )
        figures.append(Figure(f"serve: {what}, max", max(values), "s"))
    for stage, values in stages.items():
        if values:
            figures.append(Figure(f"serve: {stage}, median", statistics.median(values), "s"))
    if late:
        print(f"serve: {len(late)} late: {', '.join(late[:5])}", file=sys.stderr)
    return figures
