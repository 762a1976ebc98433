"""Translation memory over 100,000 stored segments: fuzzy suggestions and exact lookups.

Fuzzy: tm.fuzzy.FuzzyIndex (rapidfuzz, word codes, length window), per query including the query's
match key. Baseline: difflib.get_close_matches (its quick-ratio cascade) on a 2,000-entry sample,
extrapolated to 100,000. Exact: tm.memory.lookup_exact on SQLite holding the same 100,000 pairs.
"""

from __future__ import annotations

import difflib
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Figure
from trilingo.store.sessions import TrilingoSession

STORED = 100_000
QUERIES = 200
SAMPLE = 2_000  # difflib is measured on this many entries and scaled up
DIFFLIB_QUERIES = 10
_VOCAB_TEXT = (
    "cửa khẩu quốc tế tây trang huổi puốc hành khách xuất nhập cảnh trình hộ chiếu giấy thông hành tại quầy "
    "số làm thủ tục hàng hóa kiểm dịch hải quan biên phòng giờ mở đóng lúc sáng chiều ngày thứ hai ba bốn "
    "năm sáu bảy chủ nhật xe ô tô tải trọng phí lệ nộp thu đổi tiền ngân điện biên lào việt nam tỉnh huyện "
    "xã đường quốc lộ khu vực cấm chụp ảnh hút thuốc vui lòng xin cảm ơn chú ý thông báo khai báo y tế"
)
VOCAB = _VOCAB_TEXT.split()


def _sentence(rng: random.Random) -> str:
    n = max(3, min(40, int(rng.gauss(14, 7))))  # titles to long sentences
    return " ".join(rng.choice(VOCAB) for _ in range(n)).capitalize() + rng.choice([".", ".", ":", "?"])


def _edit(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(rng.randint(1, 3)):
        words[rng.randrange(len(words))] = rng.choice(VOCAB)
    return " ".join(words)


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def run() -> list[Figure]:
    from sqlalchemy import insert
    from sqlmodel import select

    from trilingo.databases import create_schema
    from trilingo.store.db import create_database
    from trilingo.tm.fuzzy import FuzzyIndex, Row
    from trilingo.tm.memory import lookup_exact, tm_key
    from trilingo.tm.models import TMEntry

    rng = random.Random(20250301)
    sources: dict[str, str] = {}
    while len(sources) < STORED:
        text = _sentence(rng)
        sources.setdefault(tm_key(text), text)
    rows = [Row(key, text, f"ແປ {i}") for i, (key, text) in enumerate(sources.items())]
    start = time.perf_counter()
    index = FuzzyIndex(rows)
    build_s = time.perf_counter() - start

    stored = [r.source for r in rows]
    queries = [_edit(rng, rng.choice(stored)) for _ in range(QUERIES * 3 // 4)]
    queries += [_sentence(rng) for _ in range(QUERIES - len(queries))]
    times, found = [], 0
    for q in queries:
        start = time.perf_counter()
        found += bool(index.suggest(q))
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = statistics.median(times), _pct(times, 0.95)

    sample = [r.key for r in rng.sample(rows, SAMPLE)]
    start = time.perf_counter()
    for q in queries[:DIFFLIB_QUERIES]:
        difflib.get_close_matches(tm_key(q), sample, n=3, cutoff=0.75)
    difflib_ms = (time.perf_counter() - start) * 1000 / DIFFLIB_QUERIES * (STORED / SAMPLE)

    with tempfile.TemporaryDirectory() as tmp:
        db = create_database(f"sqlite:///{Path(tmp) / 'tm.db'}")
        create_schema(db)
        with TrilingoSession(db) as session:
            session.execute(
                insert(TMEntry),
                [{"tgt_lang": "lo", "key": r.key, "source": r.source, "target": r.target} for r in rows],
            )
            session.commit()
            exact_queries = [rng.choice(stored) for _ in range(QUERIES)]
            lookup_exact(session, exact_queries[:5], "lo")  # warm the statement cache
            exact, hits = [], 0
            for q in exact_queries:
                start = time.perf_counter()
                hits += len(lookup_exact(session, [q], "lo"))
                exact.append((time.perf_counter() - start) * 1000)
            scans = []
            for q in exact_queries[:20]:  # baseline: the same question on the unindexed source column
                start = time.perf_counter()
                session.exec(select(TMEntry).where(TMEntry.tgt_lang == "lo", TMEntry.source == q)).all()
                scans.append((time.perf_counter() - start) * 1000)
        db.dispose()
    exact_p50, scan_p50 = statistics.median(exact), statistics.median(scans)
    return [
        Figure(
            f"tm fuzzy p50 ({STORED:,} stored, built in {build_s:.1f} s; {found}/{QUERIES} queries hit)",
            p50,
            "ms",
            difflib_ms / p50,
            f"difflib ({SAMPLE:,}-entry sample, extrapolated: {difflib_ms:,.0f} ms)",
            "<= 20 ms",
            p50 <= 20,
        ),
        Figure("tm fuzzy p95", p95, "ms", difflib_ms / p95, "difflib (extrapolated)", "<= 50 ms", p95 <= 50),
        Figure(
            f"tm exact lookup p50 (SQLite, {hits} hits)",
            exact_p50,
            "ms",
            scan_p50 / exact_p50,
            "table scan on source",
            target="<= 1 ms",
            met=exact_p50 <= 1 and hits == QUERIES,
        ),
    ]
