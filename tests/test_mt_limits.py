"""Rate limiter, circuit breaker, backoff, Retry-After, output checks and length splitting."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from trilingo.mt import verify
from trilingo.mt.base import Failure
from trilingo.mt.chunks import LengthLimit, join, split
from trilingo.mt.throttle import CircuitBreaker, TokenBucket, backoff
from trilingo.mt.transport import parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_spaces_calls_after_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4, burst=2, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits == [0.0, 0.0, 0.25, 0.25, 0.25]
    assert clock.now == 0.75


def test_breaker_opens_after_threshold_then_probes_once_after_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=clock)
    for _ in range(2):
        breaker.record(False, "HTTP 500")
    assert breaker.allow()
    breaker.record(False, "HTTP 500")
    assert breaker.is_open and not breaker.allow()
    assert breaker.retry_in() == 10
    clock.now = 10
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.record(True)
    assert not breaker.is_open and breaker.allow()


def test_breaker_reopens_when_the_probe_fails() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    breaker.record(False)
    clock.now = 5
    assert breaker.allow()
    breaker.record(False)
    assert not breaker.allow()


@given(st.integers(1, 30), st.floats(0.01, 5), st.floats(0.1, 60), st.integers(0, 2**32))
def test_backoff_is_jittered_within_bounds(attempt: int, base: float, cap: float, seed: int) -> None:
    delay = backoff(attempt, base, cap, random.Random(seed))
    assert 0 <= delay <= min(cap, base * 2 ** (attempt - 1))


def test_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Sat, 01 Mar 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_output_checks() -> None:
    src = "Cửa khẩu Tây Trang mở cửa lúc 7:00."
    assert verify.check_output(src, "", "lo") == (Failure.BAD_OUTPUT, "empty translation")
    assert verify.check_output(src, src, "lo") == (Failure.BAD_OUTPUT, "unchanged source returned")
    assert verify.check_output("12:00", "12:00", "zh") is None  # nothing to translate
    quota = verify.check_output(src, "MYMEMORY WARNING: YOU USED ALL AVAILABLE FREE TRANSLATIONS", "zh")
    assert quota is not None and "quota" in quota[1]
    assert verify.check_output(src, "ด่านพรมแดน", "lo") == (
        Failure.BAD_OUTPUT,
        "wrong script: Thai letters in a Lao translation",
    )
    assert verify.check_output(src, "口岸 mở cửa 7:00", "zh") == (
        Failure.BAD_OUTPUT,
        "wrong script: only 29% of letters are Han",
    )
    assert verify.check_output(src, "ດ່ານ Tây Trang ເປີດ 7:00", "lo") is None  # a name kept as written
    assert verify.check_output("Hội nghị ASEAN ở Tây Trang.", "西庄 ASEAN 会议。", "zh") is None


@given(st.text(alphabet=st.sampled_from("aăâ ờ.ươ,ngh口岸 "), min_size=0, max_size=400), st.integers(5, 60))
def test_split_pieces_fit_and_keep_every_word(text: str, limit_bytes: int) -> None:
    limit = LengthLimit(bytes=limit_bytes)
    pieces = split(text, limit)
    if limit.fits(text):
        assert pieces == [text]
        return
    assert all(limit.fits(p) for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_join_uses_the_target_languages_spacing() -> None:
    assert join(["口岸开放。", "请出示护照。"], "zh") == "口岸开放。请出示护照。"
    assert join(["ດ່ານເປີດ.", "ກະລຸນາ."], "lo") == "ດ່ານເປີດ. ກະລຸນາ."
