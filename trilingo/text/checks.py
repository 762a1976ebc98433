"""Reviewer-facing checks on a translation: script, Traditional characters, numbers and URLs kept."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any

from trilingo.i18n import N_
from trilingo.languages import LANGUAGES

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。]+|[\w.+-]+@[\w-]+\.[\w.-]+")


@lru_cache(maxsize=1)
def _t2s() -> Any:  # opencc ships no type information
    from opencc import OpenCC  # loading the dictionaries takes ~0.1 s: only when a check needs it

    return OpenCC("t2s")


def _letters(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c).startswith("L")]


Finding = tuple[str, str]  # (code, message)


def script_findings(text: str, lang: str) -> list[Finding]:
    """Script problems of a translation into `lang`, from the language registry: letters of a script
    confused with its own (code: that script's name, `thai` for Thai in Lao), too few letters in its
    script (`script`), and for Simplified Chinese Traditional characters (`traditional`)."""
    letters = _letters(text)
    if not letters:
        return []
    language = LANGUAGES[lang]
    out: list[Finding] = []
    for other in language.confusable:
        found = sorted({c for c in letters if other.has(c) and not language.script.has(c)})
        if found:
            out.append(
                (
                    other.name.lower(),
                    N_("script: {script} letters in a {language} translation: {letters}").format(
                        script=other.name, language=language.name, letters="".join(found[:10])
                    ),
                )
            )
    share = language.script.share(letters)
    if share < language.min_script_share:
        out.append(
            (
                "script",
                N_(
                    "script: only {share:.0%} of letters are {script} (expected at least "
                    "{expected:.0%} in a {language} translation)"
                ).format(
                    share=share,
                    script=language.script.name,
                    expected=language.min_script_share,
                    language=language.name,
                ),
            )
        )
    if "simplified" in language.checks:
        out += _traditional(text)
    return out


def _traditional(text: str) -> list[Finding]:
    simplified = _t2s().convert(text)
    traditional = sorted({a for a, b in zip(text, simplified, strict=False) if a != b})
    if len(simplified) == len(text) and traditional:
        return [
            (
                "traditional",
                N_("script: Traditional characters in Simplified Chinese: {characters}").format(
                    characters="".join(traditional[:10])
                ),
            )
        ]
    if len(simplified) != len(text):
        return [("traditional", N_("script: Traditional phrasing in Simplified Chinese"))]
    return []


def preserved_findings(source: str, target: str, numerals: Collection[str] = ()) -> list[Finding]:
    """Numbers (times, dates, phone numbers) and URLs in the source must appear in the target.

    Any script's decimal digits are digits (Lao ໐–໙ too), and the target language's other number forms
    (its `numerals` in the registry) count as the numbers they write: with `han`, 大年初一 for "mùng 1
    Tết", 十五 for 15."""
    out: list[Finding] = []
    written = _digits(target) + [n for form in numerals for n in NUMERALS[form](target)]
    missing = Counter(_digits(source)) - Counter(written)
    if missing:
        numbers = ", ".join(sorted(missing))
        out.append(("numbers", N_("numbers: missing in the translation: {numbers}").format(numbers=numbers)))
    urls = _urls(source) - _urls(target)
    if urls:
        links = ", ".join(sorted(urls))
        out.append(("links", N_("links: missing in the translation: {links}").format(links=links)))
    return out


def _urls(text: str) -> set[str]:
    # A sentence's own punctuation after an address is not part of it: "(xem https://a.vn/b)." ends at b.
    return {url.rstrip(".,;:!?)]}'’\"") for url in _URL.findall(text)}


def _digits(text: str) -> list[str]:
    # Compare digit runs, so "7 giờ 30" and "7时30分" agree and "0215 3826 123" survives regrouping.
    # int() reads any script's decimal digits: Lao ໑໒ is 12.
    return [str(int(run)) for run in re.findall(r"\d+", " ".join(_NUMBER.findall(text)))]


_HAN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_HAN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_HAN_NUMBER = re.compile(f"[{''.join(_HAN_DIGITS)}{''.join(_HAN_UNITS)}]+")


def _han_numbers(text: str) -> list[str]:
    """The numbers written in Chinese numerals: 十五 → 15, 二十一 → 21, 一百零五 → 105, 一 → 1."""
    out = []
    for run in _HAN_NUMBER.findall(text):
        total = section = digit = 0
        for ch in run:
            if ch in _HAN_DIGITS:
                digit = _HAN_DIGITS[ch]
            elif ch == "万":
                total += (section + digit) * 10_000
                section = digit = 0
            else:
                section += (digit or 1) * _HAN_UNITS[ch]  # 十 alone is ten
                digit = 0
        out.append(str(total + section + digit))
    return out


# The number forms a language may name in its `numerals` (trilingo.languages.RULES lists the same names).
NUMERALS: dict[str, Callable[[str], list[str]]] = {"han": _han_numbers}
