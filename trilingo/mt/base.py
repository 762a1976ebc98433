"""The engine interface: a batch of segments for one language pair in, one result per segment out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from trilingo.mt.throttle import CircuitBreaker, Limiter


class Failure(StrEnum):
    """Why an engine produced no usable text for a segment."""

    TRANSIENT = "transient"  # timeout, 5xx, connection refused: retry later
    RATE_LIMITED = "rate_limited"  # 429; `retry_after` says when
    AUTH = "auth"  # bad or missing key
    UNSUPPORTED = "unsupported"  # the engine cannot do this pair or input
    BAD_OUTPUT = "bad_output"  # empty, unchanged source, quota text, wrong script
    UNTRANSLATED = "untranslated"  # the offline engine has nothing for it (not an error)


@dataclass
class EngineResult:
    """What an engine made of one segment: text, or a failure with a reason."""

    text: str | None
    failure: Failure | None = None
    reason: str | None = None
    retry_after: float | None = None
    cached: bool = False
    elapsed_ms: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failure is None and bool(self.text)


@dataclass(frozen=True)
class EnginePolicy:
    """Time bounds, retries, throttling and breaker settings of one engine (from its options)."""

    timeout: float = 10.0  # seconds for one HTTP exchange, body included
    connect_timeout: float = 3.0
    retries: int = 3  # extra attempts after the first, for transient and rate-limited failures
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After ends this run's attempts for the segment
    concurrency: int = 4
    rate: float = 5.0  # calls per second
    breaker_threshold: int = 5
    breaker_cooldown: float = 60.0


# Engines that run in this process: their work is CPU, not waiting on a network.
LOCAL_ENGINES = frozenset({"memory"})


class Engine(Protocol):
    """A translation engine. Implementations must be safe to call from several threads."""

    name: str

    def supports(self, src: str, tgt: str, /) -> bool: ...

    def translate_batch(self, texts: list[str], src: str, tgt: str, /) -> list[EngineResult]: ...


@runtime_checkable
class RemoteEngine(Engine, Protocol):
    """An engine behind a network service: its calls are throttled, retried, broken off and cached.

    The runner calls `translate_batch` with one text at a time, inside a limiter slot."""

    policy: EnginePolicy
    limiter: Limiter  # this process's own; a flow run passes a limiter shared by all workers instead
    breaker: CircuitBreaker
    cacheable: bool
