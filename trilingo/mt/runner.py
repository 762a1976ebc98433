"""Translating a batch with one engine: dedup, cache, per-engine concurrency, retries, circuit breaker.

Engine failures never raise: each text gets an EngineResult, with `failure` and `reason` set when no
usable text came back, so the pipeline can mark the segment `mt_failed` and a later run retry it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session

from trilingo.errors import UnavailableError
from trilingo.i18n import N_
from trilingo.mt import cache
from trilingo.mt.base import Engine, EngineResult, Failure, RemoteEngine
from trilingo.mt.throttle import Limiter, backoff

RETRYABLE = (Failure.TRANSIENT, Failure.RATE_LIMITED)
# Failures that say the engine itself is down or refusing us; bad output or an unsupported text
# still means the engine answered.
BREAKER_FAILURES = (Failure.TRANSIENT, Failure.RATE_LIMITED, Failure.AUTH)


@dataclass
class Clock:
    """Sleeping and jitter, passed in so tests do not wait."""

    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)


def translate(
    engine: Engine,
    texts: list[str],
    src: str,
    tgt: str,
    *,
    session: Session | None,
    glossary_version: int,
    mode: str,
    limiter: Limiter | None = None,
    max_workers: int | None = None,
    clock: Clock | None = None,
) -> list[EngineResult]:
    """One result per text, in order. `limiter` overrides the engine's own (e.g. a Prefect-backed one)."""
    unique: dict[str, str] = {}  # normalized → first text seen, the one sent
    for text in texts:
        unique.setdefault(cache.normalize(text), text)
    key = cache.CacheKey(engine.name, src, tgt, glossary_version, mode)
    use_cache = session is not None and isinstance(engine, RemoteEngine) and engine.cacheable
    found: dict[str, EngineResult] = {}
    if use_cache:
        assert session is not None
        hits = cache.lookup(session, key, unique.values())
        found = {cache.normalize(t): r for t, r in hits.items()}
    todo = [text for norm, text in unique.items() if norm not in found]
    if todo:
        fresh = _run(engine, todo, src, tgt, limiter, max_workers, clock or Clock())
        for text, result in zip(todo, fresh, strict=True):
            result.detail.update(glossary_version=glossary_version, mode=mode, cached=False)
            if use_cache and result.ok:
                assert session is not None
                cache.store(session, key, text, result)
            found[cache.normalize(text)] = result
    out: list[EngineResult] = []
    seen: set[int] = set()
    for text in texts:
        result = found[cache.normalize(text)]
        # Callers may edit a result's detail; duplicates get their own copy.
        out.append(deepcopy(result) if id(result) in seen else result)
        seen.add(id(result))
    return out


def _run(
    engine: Engine,
    texts: list[str],
    src: str,
    tgt: str,
    limiter: Limiter | None,
    max_workers: int | None,
    clock: Clock,
) -> list[EngineResult]:
    if not isinstance(engine, RemoteEngine):
        # A local engine (memory): one batch call, no throttling or retries to apply.
        results = engine.translate_batch(texts, src, tgt)
        if len(results) != len(texts):
            raise RuntimeError(f"engine {engine.name} returned {len(results)} results for {len(texts)} texts")
        return results
    remote = engine
    slots = limiter or remote.limiter
    workers = max(1, min(len(texts), max_workers or remote.policy.concurrency))
    if workers == 1:
        return [_one(remote, text, src, tgt, slots, clock) for text in texts]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"mt-{engine.name}") as pool:
        return list(pool.map(lambda text: _one(remote, text, src, tgt, slots, clock), texts))


def _one(engine: RemoteEngine, text: str, src: str, tgt: str, limiter: Limiter, clock: Clock) -> EngineResult:
    """Translate one text, retrying transient failures with jittered backoff, unless the breaker is open."""
    policy, breaker = engine.policy, engine.breaker
    attempt = 0
    while True:
        if not breaker.allow():
            return _skipped(engine, attempt)
        attempt += 1
        try:
            with limiter.slot():
                result = engine.translate_batch([text], src, tgt)[0]
        except UnavailableError as exc:
            # The shared limiter (Prefect's) is gone: the segment fails for now, and what the batch has
            # drafted so far is still written, instead of the whole batch being lost.
            detail = {
                "engine": engine.name,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "attempts": attempt,
            }
            return EngineResult(
                None,
                Failure.TRANSIENT,
                N_("no engine slot: {reason}").format(reason=exc.message),
                detail=detail,
            )
        breaker.record(result.failure not in BREAKER_FAILURES, result.reason or "")
        result.detail["attempts"] = attempt
        if result.failure not in RETRYABLE or attempt > policy.retries:
            return result
        delay = backoff(attempt, policy.backoff_base, policy.backoff_max, clock.rng)
        if result.failure is Failure.RATE_LIMITED and result.retry_after is not None:
            if result.retry_after > policy.max_retry_after:
                return result  # the server asks for longer than a run should wait; a later run retries
            delay = max(delay, result.retry_after)
        clock.sleep(delay)


def _skipped(engine: RemoteEngine, attempts: int) -> EngineResult:
    breaker = engine.breaker
    wait = breaker.retry_in()
    reason = N_(
        "{engine} skipped: {threshold} failures in a row (last: {last}); circuit open for {wait:.0f} s more"
    ).format(engine=engine.name, threshold=breaker.threshold, last=breaker.last_reason, wait=wait)
    detail = {
        "engine": engine.name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "attempts": attempts,
        "circuit_open": True,
    }
    return EngineResult(None, Failure.TRANSIENT, reason, retry_after=wait or None, detail=detail)
