"""Splitting a segment to fit an engine's length limit, counted in characters or UTF-8 bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from trilingo.languages import LANGUAGES

# Sentence ends, then clause breaks, then spaces: split at the weakest break that makes pieces fit.
_BREAKS = (re.compile(r"(?<=[.!?。！？])\s+"), re.compile(r"(?<=[,;:，；：])\s*"), re.compile(r"\s+"))


@dataclass(frozen=True)
class LengthLimit:
    """An engine's limit on one request's text; 0 means no limit of that kind."""

    chars: int = 0
    bytes: int = 0

    def fits(self, text: str) -> bool:
        if self.chars and len(text) > self.chars:
            return False
        return not (self.bytes and len(text.encode("utf-8")) > self.bytes)


def split(text: str, limit: LengthLimit) -> list[str]:
    """Pieces of `text`, each within `limit`, that join back (with single spaces) to the text."""
    if limit.fits(text):
        return [text]
    return _split(text, limit, 0)


def _split(text: str, limit: LengthLimit, level: int) -> list[str]:
    if limit.fits(text):
        return [text]
    if level >= len(_BREAKS):
        return _hard_cut(text, limit)
    parts = [p for p in _BREAKS[level].split(text) if p.strip()]
    if len(parts) == 1:
        return _split(text, limit, level + 1)
    pieces: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if limit.fits(candidate):
            current = candidate
            continue
        if current:
            pieces.append(current)
        if limit.fits(part):
            current = part
        else:
            pieces.extend(_split(part, limit, level + 1))
            current = ""
    if current:
        pieces.append(current)
    return pieces


def _hard_cut(text: str, limit: LengthLimit) -> list[str]:
    """Last resort for one unbroken run longer than the limit: cut between characters."""
    pieces: list[str] = []
    current = ""
    for ch in text:
        if current and not limit.fits(current + ch):
            pieces.append(current)
            current = ""
        current += ch
    if current:
        pieces.append(current)
    return pieces


def join(pieces: list[str], tgt: str) -> str:
    """The pieces of one text in the target language, joined as it joins sentences (Chinese runs them
    together; Lao, like Vietnamese, separates them with a space)."""
    return LANGUAGES[tgt].sentence_joiner.join(p.strip() for p in pieces)
