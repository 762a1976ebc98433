"""Reviewer-facing checks on a translation: script, Traditional characters, numbers and URLs kept."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

LAO = (0x0E80, 0x0EFF)
THAI = (0x0E00, 0x0E7F)
MIN_LAO_SHARE = 0.8

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。]+|[\w.+-]+@[\w-]+\.[\w.-]+")


@lru_cache(maxsize=1)
def _t2s() -> Any:  # opencc ships no type information
    from opencc import OpenCC  # loading the dictionaries takes ~0.1 s: only when a check needs it

    return OpenCC("t2s")


def _letters(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c).startswith("L")]


def script_warnings(text: str, lang: str) -> list[str]:
    letters = _letters(text)
    if not letters:
        return []
    if lang == "lo":
        warnings = []
        thai = sorted({c for c in letters if THAI[0] <= ord(c) <= THAI[1]})
        if thai:
            warnings.append(f"script: Thai letters in a Lao translation: {''.join(thai[:10])}")
        share = sum(LAO[0] <= ord(c) <= LAO[1] for c in letters) / len(letters)
        if share < MIN_LAO_SHARE:
            warnings.append(
                f"script: only {share:.0%} of letters are Lao (expected at least {MIN_LAO_SHARE:.0%})"
            )
        return warnings
    if lang == "zh":
        warnings = []
        han = [c for c in letters if unicodedata.name(c, "").startswith("CJK UNIFIED")]
        if len(han) < len(letters) / 2:
            warnings.append("script: a Chinese translation with few Han characters")
        simplified = _t2s().convert(text)
        traditional = sorted({a for a, b in zip(text, simplified, strict=False) if a != b})
        if len(simplified) == len(text) and traditional:
            warnings.append(
                f"script: Traditional characters in Simplified Chinese: {''.join(traditional[:10])}"
            )
        elif len(simplified) != len(text):
            warnings.append("script: Traditional phrasing in Simplified Chinese")
        return warnings
    return []


def preserved_warnings(source: str, target: str) -> list[str]:
    """Numbers (times, dates, phone numbers) and URLs in the source must appear in the target."""
    warnings = []
    missing = Counter(_digits(source)) - Counter(_digits(target))
    if missing:
        warnings.append("numbers: missing in the translation: " + ", ".join(sorted(missing)))
    urls = set(_URL.findall(source)) - set(_URL.findall(target))
    if urls:
        warnings.append("links: missing in the translation: " + ", ".join(sorted(urls)))
    return warnings


def _digits(text: str) -> list[str]:
    # Compare digit runs, so "7 giờ 30" and "7时30分" agree and "0215 3826 123" survives regrouping.
    return re.findall(r"\d+", " ".join(_NUMBER.findall(text)))


def all_warnings(source: str, target: str, lang: str) -> list[str]:
    return script_warnings(target, lang) + preserved_warnings(source, target)
