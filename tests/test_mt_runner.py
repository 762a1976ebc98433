"""The runner: one result per text in order, dedup, the MT cache, limiter objects, local engines."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.stubs import fake_translate
from tests.stubs.fixtures import options_for, stub_for
from trilingo.mt import cache
from trilingo.mt.base import EngineResult, Failure
from trilingo.mt.models import MTCacheEntry
from trilingo.mt.registry import make_engine
from trilingo.mt.runner import translate

TEXTS = ["Cửa khẩu Tây Trang.", "Giờ mở cửa: 7:00.", "Cửa khẩu  Tây Trang.", "Cửa khẩu Tây Trang."]


def _google(url: str, **policy):
    return make_engine("google", options_for("google", url, **policy))


def test_one_result_per_text_in_order_and_duplicates_sent_once() -> None:
    with stub_for("google") as stub:
        results = translate(
            _google(stub.url), TEXTS, "vi", "lo", session=None, glossary_version=1, mode="none"
        )
    assert [r.text for r in results] == [
        fake_translate(t, "lo") for t in (TEXTS[0], TEXTS[1], TEXTS[0], TEXTS[0])
    ]
    assert sorted(stub.texts()) == sorted([TEXTS[0], TEXTS[1]])  # "  " folds into the same segment
    assert results[0] is not results[3]  # duplicates get their own result objects


def test_cache_hit_makes_no_call_and_is_marked(session: Session) -> None:
    with stub_for("microsoft") as stub:
        engine = make_engine("microsoft", options_for("microsoft", stub.url))
        first = translate(engine, TEXTS, "vi", "zh", session=session, glossary_version=4, mode="terms")
        calls = stub.calls
        second = translate(engine, TEXTS, "vi", "zh", session=session, glossary_version=4, mode="terms")
    assert calls == 2
    assert stub.calls == calls
    assert [r.text for r in second] == [r.text for r in first]
    assert all(r.cached and r.detail["cached"] for r in second)
    assert not any(r.cached for r in first)
    assert second[0].detail["engine"] == "microsoft"
    assert second[0].detail["glossary_version"] == 4


@pytest.mark.parametrize(
    ("field", "value"), [("glossary_version", 5), ("mode", "none"), ("tgt", "lo"), ("engine", "mymemory")]
)
def test_cache_key_covers_engine_pair_glossary_and_mode(session: Session, field: str, value: Any) -> None:
    with stub_for("google") as stub:
        translate(_google(stub.url), TEXTS[:1], "vi", "zh", session=session, glossary_version=4, mode="terms")
    key = dataclasses.replace(cache.CacheKey("google", "vi", "zh", 4, "terms"), **{field: value})
    assert cache.lookup(session, key, TEXTS[:1]) == {}
    same = cache.CacheKey("google", "vi", "zh", 4, "terms")
    assert set(cache.lookup(session, same, TEXTS[:1])) == {TEXTS[0]}


def test_failures_are_not_cached_and_a_later_run_retries(session: Session) -> None:
    with stub_for("libre") as stub:
        engine = make_engine("libre", options_for("libre", stub.url, retries=0))
        stub.fault = "500"
        failed = translate(engine, TEXTS[:2], "vi", "zh", session=session, glossary_version=1, mode="none")
        stub.fault = None
        retried = translate(engine, TEXTS[:2], "vi", "zh", session=session, glossary_version=1, mode="none")
    assert all(r.failure is Failure.TRANSIENT for r in failed)
    assert all(r.ok and not r.cached for r in retried)
    assert len(session.exec(select(MTCacheEntry)).all()) == 2


def test_storing_the_same_key_twice_keeps_one_row(session: Session) -> None:
    key = cache.CacheKey("google", "vi", "lo", 1, "none")
    cache.store(session, key, "Xin chào", EngineResult("ສະບາຍດີ"))
    cache.store(session, key, "Xin  chào", EngineResult("ສະບາຍດີ ອີກ"))
    session.commit()
    rows = session.exec(select(MTCacheEntry)).all()
    assert [(r.source, r.target) for r in rows] == [("Xin chào", "ສະບາຍດີ")]


def test_no_session_means_no_cache() -> None:
    with stub_for("google") as stub:
        engine = _google(stub.url)
        translate(engine, TEXTS[:1], "vi", "lo", session=None, glossary_version=1, mode="none")
        translate(engine, TEXTS[:1], "vi", "lo", session=None, glossary_version=1, mode="none")
    assert stub.calls == 2


class CountingLimiter:
    """What a flow passes: anything with slot(); here it also records the peak concurrency."""

    def __init__(self, cap: int) -> None:
        self.sem = threading.Semaphore(cap)
        self.lock = threading.Lock()
        self.active = self.peak = self.used = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self.sem:
            with self.lock:
                self.active += 1
                self.used += 1
                self.peak = max(self.peak, self.active)
            try:
                yield
            finally:
                with self.lock:
                    self.active -= 1


def test_runner_uses_the_limiter_it_is_given() -> None:
    limiter = CountingLimiter(cap=2)
    texts = [f"Thông báo {i}." for i in range(20)]
    with stub_for("google", latency=0.02) as stub:
        engine = _google(stub.url, concurrency=8)
        results = translate(
            engine, texts, "vi", "lo", session=None, glossary_version=1, mode="none", limiter=limiter
        )
    assert all(r.ok for r in results)
    assert limiter.used == len(texts)
    assert 1 <= limiter.peak <= 2


class LocalEngine:
    """A local engine without a policy, like `memory`: the runner makes one batch call."""

    name = "local"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def supports(self, _src: str, _tgt: str) -> bool:
        return True

    def translate_batch(self, texts: list[str], _src: str, _tgt: str) -> list[EngineResult]:
        self.batches.append(texts)
        return [EngineResult(None, Failure.UNTRANSLATED, "nothing") for _ in texts]


def test_local_engine_gets_one_batch_and_no_cache(session: Session) -> None:
    engine = LocalEngine()
    results = translate(engine, TEXTS, "vi", "lo", session=session, glossary_version=1, mode="none")
    assert engine.batches == [[TEXTS[0], TEXTS[1]]]
    assert [r.failure for r in results] == [Failure.UNTRANSLATED] * len(TEXTS)
    assert session.exec(select(MTCacheEntry)).all() == []
