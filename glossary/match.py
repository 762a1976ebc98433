"""The in-memory matcher: one Aho-Corasick automaton (Rust aho-corasick crate) per language over the terms' scan keys.

Matches are longest-leftmost. In a language that separates its words with spaces (`word_spaces` in the
registry: Vietnamese) matches must sit on word (syllable) boundaries, checked on each candidate the
automaton finds. Languages that do not mark words with spaces (Lao, Chinese) have keys without
boundaries, which ignore spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from itertools import compress, count, repeat
from operator import and_, itemgetter, rshift, sub
from typing import Any, NamedTuple

import ahocorasick_rs

from trilingo.glossary.entries import LANGS, STATUSES, ConceptData, confidence_label
from trilingo.languages import LANGUAGES, SOURCE
from trilingo.store.hints import TermHint
from trilingo.text.keys import scan_key, term_keys

RECENT = 4096  # segments whose matches a glossary keeps (about two batches' worth)
RECENT_CHARS = 2000  # longer texts (whole documents, benchmarks) are matched afresh each time
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum says yes to: the same Unicode test
# Gaps a whole-glossary segment may have between terms, as a language written without spaces (Chinese)
# writes them: full-width punctuation.
_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"})


@dataclass(frozen=True, slots=True)
class ConceptInfo:
    concept: str
    domain: str
    confidence: str
    note: str
    terms: tuple[tuple[str, str, str], ...]  # (lang, text, status), best status first

    def target(self, lang: str) -> str | None:
        """The term to use in `lang`: preferred, else admitted, else superseded; never forbidden."""
        for status in STATUSES[:3]:
            for t_lang, text, t_status in self.terms:
                if t_lang == lang and t_status == status:
                    return text
        return None

    def accepted(self, lang: str) -> list[str]:
        """Terms that satisfy a requirement for this concept in `lang`."""
        return [text for t_lang, text, status in self.terms if t_lang == lang and status != "forbidden"]

    def label(self) -> str:
        """The concept id, with its confidence when it is not high (a reviewer must see that)."""
        extra = confidence_label(self.confidence)
        return f"{self.concept}, {extra}" if extra else self.concept


@dataclass(frozen=True, slots=True)
class Entry:
    info: ConceptInfo
    lang: str
    text: str
    status: str


class Match(NamedTuple):
    """One glossary term found in a text; start/end index the original text."""

    start: int
    end: int
    source: str  # the whole text searched: the term's own text is cut from it when asked for
    entry: Entry

    @property
    def text(self) -> str:
        return self.source[self.start : self.end]

    @property
    def concept(self) -> str:
        return self.entry.info.concept

    @property
    def status(self) -> str:
        return self.entry.status

    @property
    def confidence(self) -> str:
        return self.entry.info.confidence

    @property
    def note(self) -> str:
        return self.entry.info.note

    @property
    def domain(self) -> str:
        return self.entry.info.domain

    @property
    def info(self) -> ConceptInfo:
        return self.entry.info

    def target(self, lang: str) -> str | None:
        """The term to use for this match in `lang` (None for a forbidden source term)."""
        return None if self.entry.status == "forbidden" else self.entry.info.target(lang)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "concept": self.concept,
            "status": self.status,
            "confidence": self.confidence,
            "note": self.note,
            "domain": self.domain,
            "targets": {lang: self.target(lang) for lang in LANGS},
        }


class Glossary:
    """All terms of one glossary version, ready to match."""

    def __init__(self, concepts: Iterable[ConceptData], version: int = 0) -> None:
        self.version = version
        self.concepts: dict[str, ConceptInfo] = {}
        by_key: dict[str, dict[str, list[Entry]]] = {lang: {} for lang in LANGS}
        for c in concepts:
            terms = tuple((t.lang, t.text, t.status) for t in c.sorted_terms())
            info = ConceptInfo(c.concept, c.domain, c.confidence, c.note, terms)
            self.concepts[c.concept] = info
            for lang, text, status in terms:
                entry = Entry(info, lang, text, status)
                for key in term_keys(text, lang):
                    by_key[lang].setdefault(key, []).append(entry)
        # Per language: an automaton over the keys and, by key index, the entry each key stands for.
        self._automata: dict[str, tuple[_Automaton, list[Entry]]] = {}
        for lang, keys in by_key.items():
            if not keys:
                continue
            # The same key in several concepts (Lào: laos, and the row forbidding 寮国): best status wins.
            best = [min(entries, key=lambda e: STATUSES.index(e.status)) for entries in keys.values()]
            self._automata[lang] = (_Automaton(list(keys)), best)
        self._by_source = {lang: by_key[lang] for lang in LANGS}
        self._recent: dict[tuple[str, str], list[Match]] = {}

    def annotate(self, text: str, lang: str) -> list[Match]:
        """Longest-leftmost glossary terms in `text` (whole words in a language that spaces its words).

        A segment's matches are kept for the next question about it: pretranslation asks whether a
        segment is all glossary terms, then for its hints, then checks the draft (a third of a memory-
        engine batch went to matching each segment twice). Long texts are not kept."""
        if len(text) > RECENT_CHARS:
            return self._annotate(text, lang)
        key = (text, lang)
        found = self._recent.get(key)
        if found is None:
            found = self._annotate(text, lang)
            if len(self._recent) >= RECENT:
                self._recent.clear()
            self._recent[key] = found
        return list(found)

    def _annotate(self, text: str, lang: str) -> list[Match]:
        found = self._automata.get(lang)
        if found is None or not text:
            return []
        automaton, values = found
        sk = scan_key(text, lang)
        # Whole words (Vietnamese syllables) only in a language that separates its words with spaces: the
        # characters around a term must not be letters or digits.
        starts, ends, indexes = automaton.select(sk.key, boundary=LANGUAGES[lang].word_spaces)
        entries = list(map(values.__getitem__, indexes))
        if sk.offsets is not None:
            starts, ends = sk.offsets.spans(starts, ends, sk.pad)
        elif sk.pad:
            starts = [a - sk.pad for a in starts]
            ends = [b - sk.pad for b in ends]
        # Built by C-level map/zip: a Python loop creating 10,000s of Match tuples is a fifth of the time,
        # and cutting out each one's text another 6 % (most callers want the concept, not the text).
        return list(map(_new_match, zip(starts, ends, repeat(text), entries)))

    def whole_translation(self, text: str, src: str, tgt: str) -> str | None:
        """The target text if `text` is only glossary terms, spaces and punctuation; else None."""
        matches = self.annotate(text, src)
        if not matches:
            return None
        pieces: list[str] = []
        pos = 0
        for m in [*matches, None]:
            gap = text[pos : m.start if m else len(text)]
            if any(ch.isalnum() for ch in gap):
                return None
            pieces.append(_gap(gap, tgt))
            if m is None:
                break
            target = m.target(tgt)
            if target is None:
                return None
            pieces.append(target)
            pos = m.end
        return "".join(pieces).strip()

    def hints(self, text: str, src: str, tgt: str) -> list[TermHint]:
        """One JSON-able hint per term found, for the reviewer (confidence included)."""
        return [
            {
                "type": "term",
                "source": m.text,
                "target": m.target(tgt),
                "concept": m.concept,
                "status": m.status,
                "confidence": m.confidence,
                "note": m.note,
                "domain": m.domain,
                "start": m.start,
                "end": m.end,
            }
            for m in self.annotate(text, src)
        ]

    def replacement(self, info: ConceptInfo, lang: str) -> str | None:
        """What to write instead of a forbidden term: the concept's own target, else one of a concept
        that shares its source term (寮国 is forbidden under a row whose Vietnamese term is Lào)."""
        own = info.target(lang)
        if own:
            return own
        for t_lang, text, _ in info.terms:
            if t_lang != SOURCE:
                continue
            for entry in self._by_source[SOURCE].get(term_keys(text, SOURCE)[0], []):
                if entry.info is not info and entry.status != "forbidden" and entry.info.target(lang):
                    return entry.info.target(lang)
        return None


class _Automaton:
    """The longest-leftmost occurrences of the keys in a text that are not inside a longer word.

    The scan runs on the text's UTF-16 bytes, where a character is two bytes and offsets halve back to
    string positions: that skips the UTF-8 copy and position mapping that a search on `str` pays for
    (1.2x faster on 1 MB of Vietnamese, bench glossary). A text with characters beyond U+FFFF (emoji, rare
    CJK) takes four bytes there, so it goes to `str` automata built on first need. All are contiguous
    NFAs from the Rust aho-corasick crate.

    The crate's own leftmost-longest search picks the matches, in Rust. It knows nothing of syllable
    boundaries, nor that a match at an odd byte straddles two characters, so its picks are checked;
    when all pass (nearly always), they are the answer: the first valid occurrence after each pick is
    where it looked. Past a pick that fails, a window is searched for every occurrence and the choice
    made in Python, until the choice meets the crate's picks again. That keeps the Python work to one
    pass over the picks: building, sorting and walking every overlapping occurrence was a third of the
    time of an annotate. Text where many picks fail is searched whole the overlapping way."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = keys
        self._longest = max(map(len, keys))
        encoded = [k.encode("utf-16-le", "surrogatepass") for k in keys]
        self._utf16 = _automata(ahocorasick_rs.BytesAhoCorasick, encoded)
        self._str: tuple[Any, Any] | None = None

    def select(self, key: str, *, boundary: bool) -> tuple[list[int], list[int], list[int]]:
        """(starts, ends, key indexes) of the chosen occurrences in `key`, in order. With `boundary`,
        an occurrence must not touch a letter or digit on either side (`key` is padded with a space)."""
        data = key.encode("utf-16-le", "surrogatepass")  # a lone surrogate stays one two-byte unit
        if len(data) == 2 * len(key):
            search = _Search(key, memoryview(data), 1, *self._utf16)
        else:
            if self._str is None:
                self._str = _automata(ahocorasick_rs.AhoCorasick, self._keys)
            search = _Search(key, key, 0, *self._str)
        return search.select(boundary, self._longest)


def _automata(kind: Any, keys: list[Any]) -> tuple[Any, Any]:
    """A leftmost-longest automaton of class `kind` over `keys`, and one that finds every occurrence."""
    nfa = ahocorasick_rs.Implementation.ContiguousNFA
    return tuple(
        kind(keys, matchkind=match, implementation=nfa)
        for match in (ahocorasick_rs.MatchKind.LeftmostLongest, ahocorasick_rs.MatchKind.Standard)
    )


@dataclass(frozen=True, slots=True)
class _Search:
    key: str
    haystack: Any  # the UTF-16 bytes of `key` (shift 1: positions are bytes) or `key` itself (shift 0)
    shift: int
    leftmost_ac: Any  # the crate's leftmost-longest automaton
    overlapping_ac: Any  # the same keys, finding all occurrences, overlapping ones included

    def select(self, boundary: bool, longest: int) -> tuple[list[int], list[int], list[int]]:
        found = self.leftmost_ac.find_matches_as_indexes(self.haystack)
        if not found:
            return [], [], []
        # Columns, and the checks over them, by C-level zip and map: no Python code runs per pick.
        indexes, raw_starts, raw_ends = map(list, zip(*found, strict=True))
        if self.shift:
            starts = list(map(rshift, raw_starts, repeat(1)))
            ends = list(map(rshift, raw_ends, repeat(1)))
        else:
            starts, ends = raw_starts, raw_ends
        bad = self.failing(raw_starts, starts, ends, boundary)
        if not bad:
            return starts, ends, indexes
        if len(bad) > 8 + len(found) // 8:
            return self.choose(0, len(self.key), boundary, len(self.key))
        picks = _Picks(indexes, starts, ends, raw_starts, raw_ends)
        return self.repaired(picks, bad, boundary, longest)

    def failing(self, raw_starts: list[int], starts: list[int], ends: list[int], boundary: bool) -> list[int]:
        """The numbers of the picks that are no real occurrence: at an odd byte, or inside a word."""
        bad: set[int] = set()
        if self.shift:
            bad.update(compress(count(), map(and_, raw_starts, repeat(1))))
        if boundary:
            # The characters after and before the picks, as strings: pick n's is character n. One regex
            # pass over each finds the letters and digits among them.
            after = "".join(itemgetter(*ends)(self.key))
            before = "".join(itemgetter(*map(sub, starts, repeat(1)))(self.key))
            bad.update(m.start() for m in _ALNUM.finditer(after))
            bad.update(m.start() for m in _ALNUM.finditer(before))
        return sorted(bad)

    def occurrences(self, lo: int, hi: int, boundary: bool) -> list[tuple[int, int, int]]:
        """Every real occurrence inside key[lo:hi] as (start, -end, key index), sorted: the first at
        each start is the longest there."""
        key, isalnum, sh = self.key, str.isalnum, self.shift
        found = self.overlapping_ac.find_matches_as_indexes(
            self.haystack[lo << sh : hi << sh], overlapping=True
        )
        if sh:
            found = [(i, (s >> 1) + lo, (e >> 1) + lo) for i, s, e in found if not s & 1]
        elif lo:
            found = [(i, s + lo, e + lo) for i, s, e in found]
        if boundary:
            cands = [(s, -e, i) for i, s, e in found if not isalnum(key[e]) and not isalnum(key[s - 1])]
        else:
            cands = [(s, -e, i) for i, s, e in found]
        cands.sort()
        return cands

    def choose(self, lo: int, hi: int, boundary: bool, upto: int) -> tuple[list[int], list[int], list[int]]:
        """The choice among all occurrences in key[lo:hi] that start before `upto`."""
        starts: list[int] = []
        ends: list[int] = []
        indexes: list[int] = []
        pos = lo
        for s, ne, i in self.occurrences(lo, hi, boundary):
            if pos <= s < upto:
                pos = -ne
                starts.append(s)
                ends.append(pos)
                indexes.append(i)
        return starts, ends, indexes

    def repaired(
        self, picks: _Picks, bad: list[int], boundary: bool, longest: int
    ) -> tuple[list[int], list[int], list[int]]:
        """The choice: the crate's picks where they hold, and windows of all occurrences around the ones
        that fail (`bad`, numbers into `picks`)."""
        sh, size, n = self.shift, len(self.key), len(picks.indexes)
        starts: list[int] = []
        ends: list[int] = []
        indexes: list[int] = []
        pos = k = 0  # the choice carries on from pos; picks from k on are the crate's picks from there
        for b in [*bad, n]:
            if b < k:
                continue  # a failed pick the last window already covered
            starts += picks.starts[k:b]
            ends += picks.ends[k:b]
            indexes += picks.indexes[k:b]
            if b == n:
                break
            # Nothing occurs between the last choice and the failed pick (the crate would have picked it).
            pos = max(ends[-1] if ends else 0, picks.raw_starts[b] >> sh)
            k = b
            while True:
                hi = min(size, pos + 2 * longest)
                upto = size if hi == size else hi - longest + 1  # what starts before it ends inside
                more_starts, more_ends, more_indexes = self.choose(pos, hi, boundary, upto)
                starts += more_starts
                ends += more_ends
                indexes += more_indexes
                # Nothing else starts before upto: the choice carries on from there, or from its last end.
                pos = max(upto, more_ends[-1]) if more_ends else upto
                at = pos << sh
                while k < n and picks.raw_ends[k] <= at:
                    k += 1
                if k == n or picks.raw_starts[k] >= at:
                    break  # pos is outside the crate's picks: picks from k on are its picks from pos
        return starts, ends, indexes


class _Picks(NamedTuple):
    indexes: list[int]
    starts: list[int]  # in characters
    ends: list[int]
    raw_starts: list[int]  # in haystack units
    raw_ends: list[int]


# Match(...) goes through a Python-level __new__; tuple.__new__ does the same in C.
_new_match = partial(tuple.__new__, Match)


def _gap(gap: str, tgt: str) -> str:
    language = LANGUAGES.get(tgt)
    if language is None or language.sentence_joiner:
        return gap
    # A language that joins even its sentences without a space (Chinese) writes no spaces between
    # words or phrases at all, and uses full-width punctuation. (Lao spaces no words either, but does
    # separate phrases with spaces: its gaps stay as they are.)
    return gap.replace(" ", "").translate(_FULL_WIDTH)
