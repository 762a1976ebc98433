"""Match keys: the folded form of text that glossary and memory lookups compare. Never shown to users.

Vietnamese: NFC, casefold, old/new tone-mark placement (hoà = hòa, thuỷ = thủy, uỷ = ủy) folded to
the old style, NBSP and zero-width characters folded. Closed syllables (hoàn, huỳnh, thuyền) keep
their marks because the tone moves only when the toned vowel ends the word.
Lao: ໍາ→ຳ, ຫນ→ໜ, ຫມ→ໝ, ຫລ→ຫຼ, zero-width and ordinary spaces dropped (Lao needs neither).
Chinese: spaces and zero-width characters dropped. Never NFKC (it breaks ຳ/ໜ/ໝ and full-width punctuation).

`match_key` is the key of a whole string (translation memory). `scan_key` is the key the matcher
runs over: for Vietnamese it is length-preserving on clean NFC text, so match offsets map back to the
original text for free; anything else (NFD, zero-width, Lao folds, spaces in Lao/Chinese) goes
through an `OffsetMap` built only around the places that change length.

Speed: a Vietnamese scan key is only lower() and a few str.replace calls. The tone-mark fold is
not applied to running text at all: `term_keys` adds every old/new spelling of a term to the
automaton instead (a term has few such syllables), and the matcher checks syllable boundaries only
on the candidates it finds.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import Any

from trilingo.languages import LANGUAGES, SOURCE
from trilingo.text.clean import ZERO_WIDTH, clean_line

_ZW_CLASS = "[" + ZERO_WIDTH + "]"

# Tone on the second vowel of an open oa/oe/uy (new style) → on the first vowel (old style).
# "Open" means no letter follows, so hoàn, hoạch, huỳnh, khuyên are never touched; after q the u
# belongs to the consonant (quý, quỳ), so uy is left alone there.
_TONED = {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ"}
_O_TONES, _U_TONES = "òóỏõọ", "ùúủũụ"
_TONE_FOLD: dict[str, str] = {}
for _vowel, _marks in _TONED.items():
    _first, _tones = ("u", _U_TONES) if _vowel == "y" else ("o", _O_TONES)
    for _mark, _tone in zip(_marks, _tones, strict=True):
        _TONE_FOLD[_first + _mark] = _tone + _vowel
_TONE_RE = re.compile(r"(?:o[àáảãạèéẻẽẹ]|(?<!q)u[ỳýỷỹỵ])(?!\w)")

# The other spelling of each folded (old-style) open syllable, for generating term variants.
_TONE_UNFOLD = {v: k for k, v in _TONE_FOLD.items()}
_FOLDED_RE = re.compile(r"(?:[òóỏõọ][ae]|(?<!q)[ùúủũụ]y)(?!\w)")
_MAX_VARIANTS = 64
# Whitespace that separates words like a space (NBSP, narrow NBSP, tabs, newlines …).
_WORD_SPACES = (
    "\u00a0\u202f\u2007\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000\t\n\r\x0b\x0c"
)
# Places where a key may change length: zero-width runs, dotted capital I (lower() makes it two
# characters), a base letter followed by combining marks (NFD input), and for Lao and Chinese spaces.
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LO_SPOTS = re.compile(
    f"{_ZW_CLASS}+|\\s+|\u0130|\u0ecd([\u0ec8-\u0ecb]?)\u0eb2|\u0eab[\u0e99\u0ea1]"
    f"|[^{_COMBINING}][{_COMBINING}]+",
    re.S,
)
_DENSE_SPOTS = re.compile(f"{_ZW_CLASS}+|\\s+|\u0130|[^{_COMBINING}][{_COMBINING}]+", re.S)
_LAO_PAIRS = {"\u0eab\u0e99": "\u0edc", "\u0eab\u0ea1": "\u0edd"}  # ຫນ→ໜ, ຫມ→ໝ
_HO_LO = ("\u0eab\u0ea5", "\u0eab\u0ebc")  # ຫລ→ຫຼ, same length
_SPACES = re.compile(r"\s+")


def _fold_tones(text: str) -> str:
    return _TONE_RE.sub(lambda m: _TONE_FOLD[m.group()], text)


def _lao_fold(text: str) -> str:
    text = re.sub("\u0ecd([\u0ec8-\u0ecb]?)\u0eb2", "\\1\u0eb3", text)
    for old, new in _LAO_PAIRS.items():
        text = text.replace(old, new)
    return text.replace(*_HO_LO)


@cache
def _rules(lang: str) -> tuple[bool, bool, bool]:
    """(words are spaced, tone-mark folding, Lao spelling folding) for `lang`, from the registry; a
    code that is not a language (a kiosk query's) is keyed like the source."""
    language = LANGUAGES.get(lang) or LANGUAGES[SOURCE]
    return language.word_spaces, "tone-marks" in language.folds, "lao-spelling" in language.folds


def match_key(text: str, lang: str) -> str:
    """The key of a whole string: variants of one text (case, tone marks, NFD, NBSP, ZW) share it."""
    text = clean_line(text)
    spaced, tones, lao = _rules(lang)
    if tones:
        return _fold_tones(text.lower())
    if spaced:
        return text.lower()
    if lao:
        text = _lao_fold(text)
    return _SPACES.sub("", text).lower()


class OffsetMap:
    """Maps positions in a key back to the text it came from, piece by piece."""

    __slots__ = ("_key_starts", "_pieces")

    def __init__(self, pieces: list[tuple[int, int, int, int]]) -> None:
        # (key_start, key_len, text_start, text_len); identity pieces have key_len == text_len.
        self._pieces = pieces
        self._key_starts = [p[0] for p in pieces]

    def spans(self, starts: list[int], ends: list[int], shift: int = 0) -> tuple[list[int], list[int]]:
        """Map many key spans [start - shift, end - shift), sorted and not overlapping, at once (the
        matcher's hot path on rewritten text): one walk over the pieces, no search per span."""
        ks_list, pieces = self._key_starts, self._pieces
        out_starts: list[int] = []
        out_ends: list[int] = []
        last = len(pieces) - 1
        i = 0
        nxt = ks_list[1] if last else 1 << 62  # where piece i + 1 starts
        ks, kl, ts, tl = pieces[0]
        for a, b in zip(starts, ends, strict=True):
            a -= shift
            b -= shift
            while nxt <= a:
                i += 1
                ks, kl, ts, tl = pieces[i]
                nxt = ks_list[i + 1] if i < last else 1 << 62
            out_starts.append(ts + (a - ks) if kl == tl else ts)
            if nxt < b:  # the span reaches into later pieces (rare)
                j = i
                while j < last and ks_list[j + 1] <= b - 1:
                    j += 1
                jks, jkl, jts, jtl = pieces[j]
                out_ends.append(jts + (b - jks) if jkl == jtl else jts + jtl)
            else:
                out_ends.append(ts + (b - ks) if kl == tl else ts + tl)
        return out_starts, out_ends

    def start(self, k: int) -> int:
        ks, kl, ts, tl = self._pieces[bisect_right(self._key_starts, k) - 1]
        return ts + (k - ks) if kl == tl else ts

    def end(self, k: int) -> int:
        if k <= 0:
            return 0
        ks, kl, ts, tl = self._pieces[bisect_right(self._key_starts, k - 1) - 1]
        return ts + (k - ks) if kl == tl else ts + tl


def _rewrite(text: str, spots: list[tuple[int, int, str]]) -> tuple[str, OffsetMap]:
    """Replace each length-changing spot (start, end, new text) and record where every key piece came from."""
    parts: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    k = t = 0
    for start, end, new in spots:
        if end <= t:  # spots found separately (an İ before a mark run) may overlap: first one wins
            continue
        start = max(start, t)
        if start > t:
            n = start - t
            parts.append(text[t:start])
            pieces.append((k, n, t, n))
            k += n
        if new:
            parts.append(new)
            pieces.append((k, len(new), start, end - start))
            k += len(new)
        t = max(t, end)
    if t < len(text):
        parts.append(text[t:])
        pieces.append((k, len(text) - t, t, len(text) - t))
    if not pieces:
        pieces.append((0, 0, 0, len(text)))
    return "".join(parts), OffsetMap(pieces)


def _regex_spots(text: str, pattern: re.Pattern[str], lao: bool) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), _spot_replacement(m, lao)) for m in pattern.finditer(text)]


# UTF-8 lead bytes of U+0300-U+037F, the combining marks NFD Vietnamese is written with. Searching
# bytes with find() is far faster than a regex over the string: mark-free text (the usual case)
# costs one encode and two finds. Marks from the rarer blocks compose with no Vietnamese letter.
_MARK_BYTES = (b"\xcc", b"\xcd")


def _spaced_spots(text: str) -> list[tuple[int, int, str]]:
    """Spots of a text in a spaced language (Vietnamese): base letter + combining marks (→ NFC), zero-width (→ ""), İ (→ i)."""
    data = text.encode("utf-8")
    # Which marks occur (bytes find is fast), then where, searching the string for each one.
    found = {data[off : off + 2] for lead in _MARK_BYTES for off in _find_all(data, lead)}
    chars = {b.decode("utf-8", "replace") for b in found}
    marks = sorted(k for c in chars if unicodedata.category(c) == "Mn" for k in _find_all(text, c))
    spots: list[tuple[int, int, str]] = []
    i = 0
    while i < len(marks):
        j = i
        while j + 1 < len(marks) and marks[j + 1] == marks[j] + 1:
            j += 1
        start, end = max(marks[i] - 1, 0), marks[j] + 1
        spots.append((start, end, unicodedata.normalize("NFC", text[start:end]).replace("\u0130", "i")))
        i = j + 1
    for c in ZERO_WIDTH + "\u0130":
        spots += [(k, k + 1, "i" if c == "\u0130" else "") for k in _find_all(text, c)]
    spots.sort(key=lambda sp: (sp[0], -sp[1]))  # the wider spot first; what it covers is skipped
    return spots


def _find_all(haystack: Any, needle: Any) -> list[int]:
    out = []
    i = haystack.find(needle)
    while i >= 0:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


def _spot_replacement(m: re.Match[str], lao: bool) -> str:
    s = m.group()
    first = s[0]
    if first in ZERO_WIDTH or first.isspace():
        return ""
    if first == "\u0130":
        return "i"
    if lao and first == "\u0ecd":
        return (m.group(1) or "") + "\u0eb3"
    if lao and s in _LAO_PAIRS:
        return _LAO_PAIRS[s]
    return unicodedata.normalize("NFC", s)


@dataclass(frozen=True)
class ScanKey:
    """The key the automaton runs over, and how to get back to the original text."""

    key: str
    pad: int  # characters added in front of the folded text (the leading boundary space for vi)
    offsets: OffsetMap | None  # None: key position k is text position k - pad

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original-text span of key span [start, end) (both inside the unpadded part)."""
        start -= self.pad
        end -= self.pad
        if self.offsets is None:
            return start, end
        return self.offsets.start(start), self.offsets.end(end)


def scan_key(text: str, lang: str) -> ScanKey:
    """The key of running text for the matcher (see the module docstring)."""
    offsets: OffsetMap | None = None
    spaced, _tones, lao = _rules(lang)
    if spaced:
        spots = _spaced_spots(text)
        if spots:
            text, offsets = _rewrite(text, spots)
        # No whole-text NFC pass: compositions were done per spot, and what NFC would still change
        # (singletons such as U+212B Å) occurs in no Vietnamese term; it would cost 1 ms per MB.
        text = text.lower()
        for space in _WORD_SPACES:
            if space in text:
                text = text.replace(space, " ")
        # One space of padding on each side, so the boundary test never falls off the key.
        return ScanKey(" " + text + " ", 1, offsets)
    text, offsets = _rewrite(text, _regex_spots(text, _LO_SPOTS if lao else _DENSE_SPOTS, lao))
    text = _safe_nfc(text)
    if lao:
        text = text.replace(*_HO_LO)
    return ScanKey(text.lower(), 0, offsets)


def _safe_nfc(text: str) -> str:
    """NFC where it keeps the length (singletons, mark reordering); compositions were done per spot."""
    if unicodedata.is_normalized("NFC", text):
        return text
    nfc = unicodedata.normalize("NFC", text)
    return nfc if len(nfc) == len(text) else text


def term_keys(term: str, lang: str) -> list[str]:
    """The automaton keys of a glossary term: its scan key, and for Vietnamese every tone-mark
    spelling (old and new style in each open oa/oe/uy syllable) and hyphens written as spaces."""
    key = scan_key(clean_line(term), lang).key
    spaced, tones, _lao = _rules(lang)
    if not spaced:
        return [key]
    base = key[1:-1]  # without the boundary padding
    forms = {base, base.replace("-", " ")}
    if not tones:
        return sorted(forms)
    forms = {_fold_tones(f) for f in forms}
    for form in list(forms):
        spots = list(_FOLDED_RE.finditer(form))[:6]  # 2**6 = _MAX_VARIANTS spellings at most
        variants = [form]
        for m in spots:
            other = _TONE_UNFOLD[m.group()]
            variants += [v[: m.start()] + other + v[m.end() :] for v in variants]
        forms.update(variants[:_MAX_VARIANTS])
    return sorted(forms)
