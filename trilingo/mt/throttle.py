"""Per-engine throttling and failure handling: a concurrency + rate limiter, a circuit breaker, backoff.

Prefect's global concurrency and `rate_limit` do the same across workers; a flow passes an object
with the same `slot()` method to the runner (see `Limiter`), so the runner does not import Prefect.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Limiter(Protocol):
    """Anything that can hold back one engine call: `with limiter.slot(): call()`."""

    def slot(self) -> AbstractContextManager[None]: ...


class TokenBucket:
    """At most `rate` calls per second on average, with bursts of up to `burst`."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping (outside the lock) until it is due; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0  # reserve now, so concurrent callers queue up behind each other
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait > 0:
            self._sleep(wait)
        return wait


class InlineLimiter:
    """A process-local limiter: `concurrency` calls in flight and `rate` calls per second."""

    def __init__(self, concurrency: int, rate: float, burst: int | None = None) -> None:
        self.concurrency = max(1, concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self.bucket = TokenBucket(rate, burst if burst is not None else self.concurrency)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            self.bucket.acquire()
            yield


class CircuitBreaker:
    """Skips an engine for `cooldown` s after `threshold` failures in a row, then lets one call probe."""

    def __init__(
        self, threshold: int = 5, cooldown: float = 30.0, *, clock: Callable[[], float] = time.monotonic
    ):
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self.last_reason = ""

    def allow(self) -> bool:
        """True if a call may go out now."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._probing or self._clock() - self._opened_at < self.cooldown:
                return False
            self._probing = True  # half-open: exactly one call tests the engine
            return True

    def retry_in(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.cooldown - (self._clock() - self._opened_at))

    def record(self, ok: bool, reason: str = "") -> None:
        """Record a call's outcome; `ok` means the engine answered (even with unusable text)."""
        with self._lock:
            self._probing = False
            if ok:
                self._failures = 0
                self._opened_at = None
                return
            self._failures += 1
            self.last_reason = reason
            if self._failures >= self.threshold:
                self._opened_at = self._clock()

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**(attempt-1))]."""
    upper = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(0, upper)
