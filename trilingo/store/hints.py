"""What a reviewer sees beside a segment and nothing else does: one tagged shape per kind of hint.

Stored as JSON on the translation (Translation.hints); never published, never used as a draft.
"""

from __future__ import annotations

from typing import Literal

# pydantic (under SQLModel) needs typing_extensions' TypedDict on Python < 3.12.
from typing_extensions import TypedDict


class TermHint(TypedDict):
    """A glossary term found in the source, with the target the glossary wants."""

    type: Literal["term"]
    source: str
    target: str | None
    concept: str
    status: str
    confidence: str
    note: str
    domain: str
    start: int
    end: int


class FuzzyHint(TypedDict):
    """An approved memory pair whose source resembles this one (score 0–100)."""

    type: Literal["fuzzy"]
    source: str
    target: str
    score: float


class PreviousHint(TypedDict):
    """What this segment said, and how it was translated, before the source changed."""

    type: Literal["previous"]
    source: str
    target: str | None
    state: str


Hint = TermHint | FuzzyHint | PreviousHint
