"""Fault injection: every engine, every fault. Nothing is lost, failures are visible, the run finishes."""

from __future__ import annotations

import pytest

from tests.stubs import fake_translate, refused_url
from tests.stubs.fixtures import FAST, ONLINE, TARGET, options_for, stub_for
from trilingo.mt import codes
from trilingo.mt.base import Failure
from trilingo.mt.registry import make_engine
from trilingo.mt.runner import Clock, translate

TEXTS = [
    "Cửa khẩu Huổi Puốc mở cửa lúc 7:00.",
    "Xuất trình hộ chiếu tại quầy số 2.",
    "Cửa khẩu Huổi Puốc mở cửa lúc 7:00.",
]

# fault → (failure, words the reason must contain); per-engine exceptions below.
EXPECTED: dict[str, tuple[Failure, str]] = {
    "hang": (Failure.TRANSIENT, "no answer within 0.5 s"),
    "429": (Failure.RATE_LIMITED, "HTTP 429"),
    "500": (Failure.TRANSIENT, "HTTP 500"),
    "malformed": (Failure.TRANSIENT, "malformed response"),
    "html": (Failure.TRANSIENT, "502 Bad Gateway"),
    "html200": (Failure.TRANSIENT, "malformed response"),
    "quota": (Failure.BAD_OUTPUT, "quota"),
    "wrong_script": (Failure.BAD_OUTPUT, "wrong script"),
    "empty": (Failure.BAD_OUTPUT, "empty translation"),
    "echo": (Failure.BAD_OUTPUT, "unchanged source"),
}
SPECIAL = {
    ("baidu", "quota"): (Failure.RATE_LIMITED, "error 54003"),  # Baidu's quota is an error code
    ("mymemory", "empty"): (Failure.TRANSIENT, "malformed response"),  # deep-translator trips on it
}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _run(name: str, url: str, texts: list[str] = TEXTS, **policy):
    sleeps = Sleeps()
    policy.setdefault("breaker_threshold", 100)  # only the breaker test wants it to open
    engine = make_engine(name, options_for(name, url, **policy))
    results = translate(
        engine,
        texts,
        "vi",
        TARGET[name],
        session=None,
        glossary_version=3,
        mode="none",
        clock=Clock(sleep=sleeps),
    )
    return results, sleeps


@pytest.mark.parametrize("fault", sorted(EXPECTED))
@pytest.mark.parametrize("name", ONLINE)
def test_fault_gives_a_visible_typed_failure_for_every_segment(name: str, fault: str) -> None:
    failure, words = SPECIAL.get((name, fault), EXPECTED[fault])
    with stub_for(name) as stub:
        stub.fault = fault
        results, _ = _run(name, stub.url, timeout=0.5 if fault == "hang" else FAST["timeout"])
    assert len(results) == len(TEXTS)
    for result in results:
        assert result.text is None
        assert result.failure is failure, result.reason
        assert words in (result.reason or "")
        assert result.detail["engine"] == name
    retried = failure in (Failure.TRANSIENT, Failure.RATE_LIMITED)
    assert stub.calls == 2 * (3 if retried else 1)  # two unique texts; retries=2


@pytest.mark.parametrize("fault", ["hang", "429", "500", "malformed", "html", "html200"])
@pytest.mark.parametrize("name", ONLINE)
def test_transient_fault_then_recovery_is_retried(name: str, fault: str) -> None:
    with stub_for(name) as stub:
        stub.fault, stub.fault_count = fault, 1
        # The hang is cut off after 2 s: long enough for the answer after it on a busy machine.
        results, sleeps = _run(
            name, stub.url, texts=TEXTS[:1], timeout=2 if fault == "hang" else FAST["timeout"]
        )
    (result,) = results
    assert result.ok, result.reason
    assert result.text == fake_translate(TEXTS[0], codes.code(name, TARGET[name]))
    assert result.detail["attempts"] == 2
    assert len(sleeps) == 1


def test_retry_after_is_honoured() -> None:
    with stub_for("libre") as stub:
        stub.fault, stub.retry_after = "429", "7"
        results, sleeps = _run("libre", stub.url, texts=TEXTS[:1])
    assert results[0].failure is Failure.RATE_LIMITED
    assert results[0].retry_after == 7.0
    assert sleeps and all(s >= 7.0 for s in sleeps)


def test_retry_after_longer_than_a_run_should_wait_ends_the_attempts() -> None:
    with stub_for("microsoft") as stub:
        stub.fault, stub.retry_after = "429", "3600"
        results, sleeps = _run("microsoft", stub.url, texts=TEXTS[:1])
    assert results[0].failure is Failure.RATE_LIMITED
    assert results[0].retry_after == 3600.0
    assert sleeps == []
    assert stub.calls == 1


def test_slow_answer_within_the_timeout_succeeds() -> None:
    with stub_for("google") as stub:
        stub.fault, stub.slow = "slow", 0.1
        results, _ = _run("google", stub.url, texts=TEXTS[:1])
    assert results[0].ok


def test_slow_answer_past_the_timeout_fails() -> None:
    with stub_for("google") as stub:
        stub.fault, stub.slow = "slow", 1.0
        results, _ = _run("google", stub.url, texts=TEXTS[:1], retries=0, timeout=0.5)
    assert results[0].failure is Failure.TRANSIENT
    assert "no answer within 0.5 s" in (results[0].reason or "")


@pytest.mark.parametrize("name", ONLINE)
def test_connection_refused(name: str) -> None:
    results, _ = _run(name, refused_url())
    assert len(results) == len(TEXTS)
    assert all(r.failure is Failure.TRANSIENT for r in results)
    assert all("connection refused" in (r.reason or "") for r in results)


def test_circuit_breaker_skips_an_engine_that_keeps_failing() -> None:
    texts = [f"Thông báo số {i}." for i in range(12)]
    with stub_for("mymemory") as stub:
        stub.fault = "500"
        results, _ = _run("mymemory", stub.url, texts=texts, retries=0, concurrency=1, breaker_threshold=3)
    assert stub.calls == 3
    assert len(results) == len(texts)
    assert all(r.failure is Failure.TRANSIENT for r in results)
    skipped = [r for r in results if r.detail.get("circuit_open")]
    assert len(skipped) == 9
    assert "3 failures in a row" in (skipped[0].reason or "")


def test_bad_output_does_not_open_the_breaker() -> None:
    texts = [f"Thông báo số {i}." for i in range(6)]
    with stub_for("google") as stub:
        stub.fault = "wrong_script"
        results, _ = _run("google", stub.url, texts=texts, concurrency=1, breaker_threshold=2)
    assert stub.calls == len(texts)
    assert all(r.failure is Failure.BAD_OUTPUT for r in results)
