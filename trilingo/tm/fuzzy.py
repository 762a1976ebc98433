"""Fuzzy translation-memory matches, offered to the reviewer as suggestions, never approved by themselves.

Scored with rapidfuzz's `fuzz.ratio` (normalized Indel similarity, 0–100) over the words of the match
keys, so tone-mark placement, case and spacing cost nothing. Words, not characters, as CAT tools
score fuzzy matches: Vietnamese writes one syllable per word, so one changed syllable in ten costs
ten points, where characters would barely notice it. It is also 4–5× faster: each distinct word
becomes one code point, and rapidfuzz compares strings a fifth as long.

The index sorts entries by word count: a ratio of at least T is impossible when the lengths differ by
more than (1 − T/100) of their sum, so a query only scores the window that can reach the threshold.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from trilingo.languages import SOURCE
from trilingo.store.hints import FuzzyHint
from trilingo.tm.memory import tm_key
from trilingo.tm.models import TMEntry

DEFAULT_THRESHOLD = 75.0
_WORD = re.compile(r"\w+|[^\w\s]")
_FIRST_CODE = 0x100
_UNKNOWN_CODE = 0x100000  # words the memory has never seen: far above any vocabulary's codes


@dataclass(frozen=True)
class Suggestion:
    """A stored pair whose source resembles the text; `score` is 0–100."""

    source: str
    target: str
    score: float
    entry_id: int | None = None
    needs_native_review: bool = False

    def as_hint(self) -> FuzzyHint:
        return {"type": "fuzzy", "source": self.source, "target": self.target, "score": self.score}


@dataclass(frozen=True)
class Row:
    key: str
    source: str
    target: str
    entry_id: int | None = None
    needs_native_review: bool = False


def length_window(n: int, threshold: float) -> tuple[float, float]:
    """The key lengths that can still score `threshold` against a key of length n."""
    t = max(0.0, min(1.0, 1 - threshold / 100))
    if t >= 1:
        return 0.0, float("inf")
    return n * (1 - t) / (1 + t), n * (1 + t) / (1 - t)


class FuzzyIndex:
    """The keys of one language pair's memory as word-code strings, sorted by length."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.vocabulary: dict[str, str] = {}
        words = sorted(((_WORD.findall(r.key), r) for r in rows), key=lambda pair: len(pair[0]))
        self.rows = [r for _, r in words]
        # Built in sorted order on purpose: the strings then sit in memory in the order they are
        # scanned, which makes a scan about 2.5× faster than over strings allocated in another order.
        self.codes = [self._encode_words(w, grow=True) for w, _ in words]
        self.lengths = [len(c) for c in self.codes]

    def __len__(self) -> int:
        return len(self.rows)

    def _encode(self, key: str, *, grow: bool) -> str:
        return self._encode_words(_WORD.findall(key), grow=grow)

    def _encode_words(self, words: list[str], *, grow: bool) -> str:
        """One code point per word; unknown query words get codes that match nothing stored."""
        out = []
        unknown = _UNKNOWN_CODE
        for word in words:
            code = self.vocabulary.get(word)
            if code is None:
                if grow:
                    n = _FIRST_CODE + len(self.vocabulary)
                    code = self.vocabulary[word] = chr(n if n < 0xD800 else n + 0x800)  # skip surrogates
                else:
                    code, unknown = chr(unknown), unknown + 1
            out.append(code)
        return "".join(out)

    def search(self, key: str, *, limit: int = 3, threshold: float = DEFAULT_THRESHOLD) -> list[Suggestion]:
        """The best `limit` rows scoring at least `threshold` against `key`, best first."""
        query = self._encode(key, grow=False)
        if not query or not self.rows or limit <= 0:
            return []
        low, high = length_window(len(query), threshold)
        start = bisect_left(self.lengths, low)
        stop = bisect_right(self.lengths, high)
        hits = process.extract(
            query,
            self.codes[start:stop],
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            limit=limit,
            processor=None,
        )
        out = []
        for _, score, i in hits:
            row = self.rows[start + i]
            out.append(
                Suggestion(row.source, row.target, round(score, 1), row.entry_id, row.needs_native_review)
            )
        return out

    def suggest(self, text: str, *, limit: int = 3, threshold: float = DEFAULT_THRESHOLD) -> list[Suggestion]:
        return self.search(tm_key(text, SOURCE), limit=limit, threshold=threshold)


def load_index(session: Session, tgt: str, src: str = SOURCE) -> FuzzyIndex:
    """Build the index of one pair's memory, or reuse the one built earlier in this session if unchanged."""
    stamp = session.exec(
        select(func.count(), func.max(TMEntry.id), func.max(TMEntry.updated_at)).where(
            TMEntry.src_lang == src, TMEntry.tgt_lang == tgt
        )
    ).one()
    cache_key = ("tm.fuzzy", src, tgt)
    cached = session.info.get(cache_key)
    if cached is not None and cached[0] == tuple(stamp):
        return cached[1]
    # SQLAlchemy's own select: sqlmodel's typed overloads stop at four columns.
    rows = session.execute(
        sa_select(
            col(TMEntry.key),
            col(TMEntry.source),
            col(TMEntry.target),
            col(TMEntry.id),
            col(TMEntry.needs_native_review),
        ).where(col(TMEntry.src_lang) == src, col(TMEntry.tgt_lang) == tgt)
    ).all()
    index = FuzzyIndex(Row(*r) for r in rows)
    session.info[cache_key] = (tuple(stamp), index)
    return index


def suggest(
    session: Session, text: str, tgt: str, *, limit: int = 3, threshold: float = DEFAULT_THRESHOLD
) -> list[Suggestion]:
    """Up to `limit` memory pairs resembling `text` (score ≥ threshold), best first; for the reviewer only."""
    return load_index(session, tgt).suggest(text, limit=limit, threshold=threshold)
