"""Engine concurrency: 200 unique segments × 2 languages against a stub engine with 100 ms per call.

Baseline: the plain sequential deep-translator loop (one GoogleTranslator call per segment), against
the same stub in the same run. Ours: mt.runner.translate with the MT cache on SQLite, so the figure
includes cache lookups and stores; a second run shows the cache answering everything.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Figure
from bench.stub import GoogleStub
from trilingo.store.sessions import TrilingoSession

SEGMENTS = 200
REPEATS = 40  # duplicates mixed into the input: they must not cost calls
LATENCY = 0.100
LANGS = ("lo", "zh")
CONCURRENCY = 16
WORDS = [
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
    "hộ",
    "chiếu",
    "giấy",
    "thông",
    "hành",
    "quầy",
    "số",
    "hải",
    "quan",
]


def _segments() -> list[str]:
    out = []
    for i in range(SEGMENTS):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(6 + i % 9))
        out.append(f"{words.capitalize()} (thông báo {i}).")
    return out


def _baseline(url: str, texts: list[str]) -> float:
    from deep_translator import GoogleTranslator

    from trilingo.mt.codes import code

    start = time.perf_counter()
    for lang in LANGS:
        translator = GoogleTranslator(source="vi", target=code("google", lang))
        translator._base_url = f"{url}/m"
        for text in texts:
            translator.translate(text)
    return time.perf_counter() - start


def run() -> list[Figure]:

    from trilingo.databases import create_schema
    from trilingo.mt.registry import make_engine
    from trilingo.mt.runner import translate
    from trilingo.store.db import create_database

    texts = _segments()
    batch = texts + texts[:REPEATS]
    with tempfile.TemporaryDirectory() as tmp, GoogleStub(latency=LATENCY) as stub:
        base_s = _baseline(stub.url, texts)
        base_calls = stub.calls
        options = {"google": {"url": stub.url, "concurrency": str(CONCURRENCY), "rate": "1000"}}
        db = create_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        create_schema(db)
        with TrilingoSession(db) as session:
            start = time.perf_counter()
            results = []
            for lang in LANGS:
                engine = make_engine("google", options)
                results += translate(
                    engine, batch, "vi", lang, session=session, glossary_version=1, mode="none"
                )
            ours_s = time.perf_counter() - start
            session.commit()
            calls = stub.calls - base_calls
            start = time.perf_counter()
            for lang in LANGS:
                engine = make_engine("google", options)
                translate(engine, batch, "vi", lang, session=session, glossary_version=1, mode="none")
            cached_s = time.perf_counter() - start
            cached_calls = stub.calls - base_calls - calls
        db.dispose()
    unique = SEGMENTS * len(LANGS)
    ok = sum(r.ok for r in results)
    speedup = base_s / ours_s
    return [
        Figure(f"mt sequential deep-translator loop ({base_calls} calls)", base_s, "s"),
        Figure(
            f"mt runner wall ({len(batch)} segs × {len(LANGS)}, {ok} ok)",
            ours_s,
            "s",
            speedup,
            "sequential loop",
            "<= 1/4 of sequential",
            ours_s <= base_s / 4 and ok == len(batch) * len(LANGS),
        ),
        Figure(
            "mt engine calls (first run)", calls, "calls", target=f"== {unique} unique", met=calls == unique
        ),
        Figure(
            "mt engine calls (second run, all cached)",
            cached_calls,
            "calls",
            base_s / cached_s,
            "sequential loop",
            "== 0",
            cached_calls == 0,
        ),
    ]
