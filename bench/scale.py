"""Scale: the pipeline and the reviewer's CLI at 1,000 and 10,000 documents, on SQLite and PostgreSQL.

Realistic notices (3–7 paragraphs of 4–6 sentences: 20.8 segments on average, 9 to 33 for nine in
ten, about 208,000 at 10,000 notices as the issue asks; varied text so the memory does not answer
everything) go through what a gate office does:
- `trilingo submit` of 500 files at a time, as processes (segments/s; the last batch against the first);
- pretranslation through Prefect against the local server, memory engine (segment-languages/s);
- `review queue`, `review next`, `status` and `runs` (`--json`), cold processes (wall time, peak
  memory), and again as `uv run trilingo …`;
- approval of every Lao and Chinese text (written straight into the tables: no benchmark of reviewers);
- a full web publish, then `submit` of one changed notice and the incremental publish after it.

Each figure's ratio is the same figure at 1,000 documents divided by this one, per item: 1.0 means it
scales linearly, below 0.77 means a per-item cost grew more than 1.3×. `uv run trilingo …` figures
time the README's form of a command (uv's own start included). `TRILINGO_BENCH_SIZES=1000,100000`
runs the province-wide size (about 2 million segments). Wall and CPU time are both
reported, because this machine is shared. `TRILINGO_BENCH_SIZES=1000` runs one size only, `TRILINGO_BENCH_BACKENDS=sqlite` one database.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ACCOUNT, Figure, uv_run

SIZES = tuple(int(s) for s in os.environ.get("TRILINGO_BENCH_SIZES", "1000,10000").split(","))
BATCH = 500
PG_BASE = os.environ.get("TRILINGO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

_WORDS = [
    "cửa",
    "khẩu",
    "quốc",
    "tế",
    "tây",
    "trang",
    "huổi",
    "puốc",
    "hành",
    "khách",
    "xuất",
    "nhập",
    "cảnh",
    "trình",
    "hộ",
    "chiếu",
    "giấy",
    "thông",
    "hành",
    "quầy",
    "số",
    "thủ",
    "tục",
    "hàng",
    "hóa",
    "kiểm",
    "dịch",
    "hải",
    "quan",
    "biên",
    "phòng",
    "giờ",
    "mở",
    "đóng",
    "sáng",
    "chiều",
    "ngày",
    "thứ",
    "hai",
    "ba",
    "bốn",
    "năm",
    "sáu",
    "bảy",
    "chủ",
    "nhật",
    "xe",
    "ô",
    "tô",
    "tải",
    "trọng",
    "phí",
    "lệ",
    "nộp",
    "thu",
    "đổi",
    "tiền",
    "ngân",
    "điện",
    "biên",
    "lào",
    "việt",
    "nam",
    "tỉnh",
    "huyện",
    "xã",
    "đường",
    "quốc",
    "lộ",
    "khu",
    "vực",
    "cấm",
    "chụp",
    "ảnh",
    "hút",
    "thuốc",
    "vui",
    "lòng",
    "xin",
    "cảm",
    "ơn",
    "chú",
    "ý",
    "thông",
    "báo",
    "khai",
    "báo",
    "y",
    "tế",
    "từ",
    "đến",
    "lúc",
    "người",
    "dân",
    "cán",
    "bộ",
    "tiếp",
    "nhận",
    "hồ",
    "sơ",
    "kiểm",
    "tra",
    "hướng",
    "dẫn",
    "thực",
    "hiện",
    "quy",
    "định",
    "mới",
    "áp",
    "dụng",
]
# Sentences the starter memory knows, so a share of segments is drafted from it.
_KNOWN = [
    "Xin vui lòng xếp hàng theo thứ tự.",
    "Hàng hóa mang theo phải khai báo với Hải quan.",
    "Cấm hút thuốc trong khu vực cửa khẩu.",
]


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(_KNOWN)
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 18))]
    return " ".join(words).capitalize() + f" {rng.randint(1, 99)}."


def notice_text(
    i: int, rng: random.Random, paragraphs: tuple[int, int] = (3, 7), sentences: tuple[int, int] = (4, 6)
) -> str:
    """A notice of `paragraphs` paragraphs of `sentences` sentences. A paragraph over 240 characters is
    split into its sentences: by default a notice has 20.8 segments on average (20,779 over 1,000).

    Until November 2026 it made 3–8 paragraphs of 2–4 sentences, 7.8 segments a notice, although this
    module said 10–30: the scale figures before then were measured on notices a third of the size."""
    body_parts = []
    for _ in range(rng.randint(*paragraphs)):
        body_parts.append(" ".join(_sentence(rng) for _ in range(rng.randint(*sentences))))
    body = "\n\n".join(body_parts)
    return f"---\ntitle: Thông báo số {i} về {rng.choice(_WORDS)} {rng.choice(_WORDS)}\nslug: tb-{i}\n---\n{body}\n"


@dataclass
class Result:
    size: int
    backend: str
    figures: dict[str, tuple[float, str]] = field(default_factory=dict)  # name → (value, unit)
    per_item: dict[str, float] = field(default_factory=dict)  # name → seconds per item, for the ratios


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run `trilingo ARGS` as a fresh process: (wall s, CPU s, peak memory MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "trilingo", *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"trilingo {' '.join(args[:3])} failed: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, _peak_mb(args, env)


def _db_bytes(url: str, db: object) -> float:
    """The database's size on disk: the SQLite file, or the PostgreSQL schema's tables and indexes."""
    from sqlalchemy import text

    if url.startswith("sqlite"):
        return float(Path(url.removeprefix("sqlite:///")).stat().st_size)
    with db.connect() as conn:  # type: ignore[attr-defined]
        return float(
            conn.execute(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                )
            ).scalar()
            or 0
        )


def _peak_mb(args: list[str], env: dict[str, str]) -> float:
    """Peak memory of the same command in a fresh process: its VmHWM, the high-water mark of its own
    memory. Not ru_maxrss: Linux carries that across exec, so a child of this (big) benchmark process
    reported the benchmark's own size (497 MB for a 100 MB `submit`)."""
    probe = (
        "import sys\nfrom trilingo.cli import cli\n"
        f"try:\n    cli.main({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print(hwm, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat. Waiting for the disk counts as
    busy: PostgreSQL flushing a dropped schema's pages slows every commit of what is measured."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    return sum(fields) - fields[3], sum(fields)


def _wait_idle(limit: float = 60.0) -> float:
    """Wait (up to `limit` s) until the machine is at least 80 % idle over a second; seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        busy0, total0 = _cpu_ticks()
        time.sleep(1.0)
        busy1, total1 = _cpu_ticks()
        if total1 > total0 and (busy1 - busy0) / (total1 - total0) <= 0.2:
            break
    return time.perf_counter() - start


def _pg_url() -> tuple[str, str] | None:
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(PG_BASE, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return f"{PG_BASE}?options=-csearch_path%3D{schema}", schema
    except Exception:
        return None


def _pg_answers() -> bool:
    """Whether PostgreSQL answers; made no schema (the check used to leave an empty one behind)."""
    made = _pg_url()
    if made is None:
        return False
    _drop_pg(made[1])
    return True


def _drop_pg(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _approve_all(database_url: str) -> None:
    """Every Lao and Chinese text approved, as reviewers would leave it (written straight into the tables)."""
    from sqlalchemy import text

    from trilingo.store.counts import recount_all
    from trilingo.store.db import create_database

    db = create_database(database_url)
    with db.begin() as conn:
        conn.execute(
            text("UPDATE translation SET target = 'ຂໍ້ຄວາມ ' || id, state = 'approved' WHERE lang = 'lo'")
        )
        conn.execute(
            text("UPDATE translation SET target = '译文' || id, state = 'approved' WHERE lang = 'zh'")
        )
        conn.execute(
            text(
                "INSERT INTO release (document_id, lang, version_id, title, body, content_hash, approved_by, approved_at) "
                "SELECT d.document_id, d.lang, d.version_id, 'T ' || d.id, 'Nội dung ' || d.id, 'h' || d.id, 'bench', "
                "CURRENT_TIMESTAMP FROM doclang d WHERE d.lang IN ('lo', 'zh')"
            )
        )
        conn.execute(
            text(
                "UPDATE doclang SET state = 'approved', release_id = (SELECT max(r.id) FROM release r "
                "WHERE r.document_id = doclang.document_id AND r.lang = doclang.lang) WHERE lang IN ('lo', 'zh')"
            )
        )
        recount_all(conn)  # written past the app, so its per document-language counts are made here
    db.dispose()


def _one(size: int, backend: str, database_url: str, home: Path) -> Result:
    from trilingo import config, server
    from trilingo.channels.publish import publish_channel
    from trilingo.store.db import session_scope
    from trilingo.workspace import open_database

    res = Result(size, backend)
    rng = random.Random(size)
    files = home.parent / "notices"
    files.mkdir()
    paths = []
    for i in range(size):
        path = files / f"tb-{i}.md"
        path.write_text(notice_text(i, rng), encoding="utf-8")
        paths.append(path)
    port = _free_port()
    env = {
        **os.environ,
        "TRILINGO_HOME": str(home),
        "TRILINGO_DATABASE_URL": database_url,
    }
    env["TRILINGO_PREFECT_PORT"] = str(port)
    env.pop("TRILINGO_PREFECT_API_URL", None)

    # 1. Submit, 500 files a process.
    batches = []
    for first in range(0, size, BATCH):
        batches.append(_cli(["submit", *map(str, paths[first : first + BATCH])], env))
    settings = config.load(environ={}, home=str(home), database_url=database_url, prefect_port=port)
    db = open_database(database_url, ACCOUNT, home)
    from sqlalchemy import text

    with db.connect() as conn:
        segments = int(conn.execute(text("SELECT count(*) FROM segment")).scalar() or 0)
    wall = sum(b[0] for b in batches)
    res.figures["submit segments/s"] = (segments / wall, "seg/s")
    res.figures["submit last batch / first"] = (batches[-1][0] / batches[0][0], "x")
    res.figures["submit CPU"] = (sum(b[1] for b in batches), "s")
    res.per_item["submit"] = wall / segments
    peaks = [b[2] for b in batches]

    # 2. Pretranslate through Prefect, memory engine.
    server.connect(settings, os.environ)
    from trilingo.flows.context import pretranslate_params
    from trilingo.flows.pretranslate import pretranslate_flow
    from trilingo.flows.runtime import drain, run

    try:
        cpu0 = time.process_time()
        start = time.perf_counter()
        out = run(
            settings, pretranslate_flow, **pretranslate_params(settings, {"lo": "memory", "zh": "memory"})
        )
        pre_wall = time.perf_counter() - start
        pre_cpu = time.process_time() - cpu0
        drafted = sum(r["segments"] for r in out)
        res.figures["pretranslate (Prefect) seg-lang/s"] = (drafted / pre_wall, "seg/s")
        res.figures["pretranslate CPU of this process"] = (pre_cpu, "s")
        res.per_item["pretranslate"] = pre_wall / max(drafted, 1)

        # 3. The reviewer's and the operator's cold commands, once the Prefect server has worked off the
        # run's backlog of events (it kept one of the two cores busy for a while and added 0.2-0.3 s).
        res.figures["machine idle before the cold commands"] = (_wait_idle(), "s")
        for name, args in (
            ("review queue --json", ["review", "queue", "--lang", "lo", "--json"]),
            ("review next --json", ["review", "next", "--lang", "zh", "--json"]),
            ("status --json", ["status", "--json"]),
            ("runs --json", ["runs", "--json"]),
        ):
            w, c, m = _cli(args, env)
            res.figures[f"{name} cold"] = (w, "s")
            res.figures[f"{name} cold, CPU"] = (c, "s")
            res.figures[f"uv run trilingo {name} cold"] = (uv_run(args, env), "s")  # as the README types it
            peaks.append(m)

        # 4–5. Everything approved; a full publish of the web channel.
        _approve_all(database_url)
        public = settings.public_dir
        shutil.rmtree(public / "web", ignore_errors=True)
        with db.begin() as conn:
            conn.execute(text("DELETE FROM publishrecord"))
        _wait_idle()  # PostgreSQL vacuums after the approvals' mass UPDATE: not the publish's time
        start = time.perf_counter()
        with session_scope(db) as session:
            summary = publish_channel(session, "web", public, ACCOUNT)
        full = time.perf_counter() - start
        res.figures["full web publish"] = (full, "s")
        res.per_item["full publish"] = full / max(len(summary.written), 1)

        # 6. One notice changes: submit it (a cold process), then publish incrementally.
        changed = paths[size // 2]
        changed.write_text(
            changed.read_text(encoding="utf-8").replace(".", " (đã sửa).", 1), encoding="utf-8"
        )
        _wait_idle()
        w, c, m = _cli(["submit", str(changed)], env)
        peaks.append(m)
        res.figures["submit one changed notice cold"] = (w, "s")
        res.figures["submit one changed notice cold, CPU"] = (c, "s")
        changed.write_text(
            changed.read_text(encoding="utf-8").replace("(đã sửa)", "(sửa lần hai)", 1), encoding="utf-8"
        )
        res.figures["uv run trilingo submit one changed notice cold"] = (
            uv_run(["submit", str(changed)], env),
            "s",
        )
        start = time.perf_counter()
        with session_scope(db) as session:
            publish_channel(session, "web", public, ACCOUNT)
        res.figures["incremental publish after it"] = (time.perf_counter() - start, "s")
        res.figures["peak memory of a command"] = (max(peaks), "MB")
        res.figures["database size per 10,000 notices"] = (
            _db_bytes(database_url, db) / 1e6 * 10_000 / size,
            "MB",
        )
    finally:
        drain()
        server.stop(settings)
        db.dispose()
    return res


def _one_second(v: float) -> bool:
    return v <= 1.0


TARGETS = {
    "submit segments/s": (">= 2,000", lambda v: v >= 2000),
    "submit last batch / first": ("<= 1.2", lambda v: v <= 1.2),
    "pretranslate (Prefect) seg-lang/s": (">= 2,000", lambda v: v >= 2000),
    **{
        f"{form}{name} cold": ("<= 1 s", _one_second)
        for form in ("", "uv run trilingo ")
        for name in ("review queue --json", "review next --json", "status --json", "runs --json")
    },
    "submit one changed notice cold": ("<= 1 s", _one_second),
    "uv run trilingo submit one changed notice cold": ("<= 1 s", _one_second),
    "full web publish": ("<= 600 s", lambda v: v <= 600),
    "incremental publish after it": ("<= 2 s", lambda v: v <= 2),
    "peak memory of a command": ("<= 1,000 MB", lambda v: v <= 1000),
}


def run() -> list[Figure]:
    from trilingo.databases import forget_databases

    wanted = os.environ.get("TRILINGO_BENCH_BACKENDS", "sqlite,postgresql").split(",")
    backends = [b for b in ("sqlite", "postgresql") if b in wanted and (b == "sqlite" or _pg_answers())]
    results: list[Result] = []
    for backend in backends:
        for size in SIZES:
            with tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp) / "ws"
                schema = None
                if backend == "sqlite":
                    url = f"sqlite:///{home / 'trilingo.db'}"
                else:
                    made = _pg_url()
                    assert made is not None
                    url, schema = made
                try:
                    results.append(_one(size, backend, url, home))
                finally:
                    forget_databases()
                    if schema:
                        _drop_pg(schema)
    figures: list[Figure] = []
    for r in results:
        small = next((s for s in results if s.backend == r.backend and s.size == min(SIZES)), None)
        for name, (value, unit) in r.figures.items():
            target = TARGETS.get(name)
            met = target[1](value) if target and r.size == max(SIZES) else None
            figures.append(
                Figure(
                    f"scale {r.backend} {r.size:,}: {name}",
                    value,
                    unit,
                    target=target[0] if target and met is not None else "",
                    met=met,
                )
            )
        if small is not None and small is not r:
            for name, per in r.per_item.items():
                ratio = small.per_item[name] / per
                figures.append(
                    Figure(
                        f"scale {r.backend} {r.size:,}: {name} per item",
                        per * 1000,
                        "ms",
                        ratio,
                        f"{small.size:,} docs",
                        ">= 0.77 (within 1.3x)",
                        ratio >= 1 / 1.3,
                    )
                )
    return figures
