"""The engine interface: a batch of segments for one language pair in, one result per segment out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


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


class Engine(Protocol):
    """A translation engine. Implementations must be safe to call from several threads."""

    name: str

    def supports(self, src: str, tgt: str) -> bool: ...

    def translate_batch(self, texts: list[str], src: str, tgt: str) -> list[EngineResult]: ...
