"""Checks on what an engine returned, before it may become a draft: empty, unchanged, quota text, script.

Engines answer HTTP 200 with things that are not translations: MyMemory's quota warnings, the source
echoed back, or text in the wrong script. These become BAD_OUTPUT failures, never drafts.
"""

from __future__ import annotations

import re

from trilingo.i18n import N_
from trilingo.languages import LANGUAGES, SOURCE
from trilingo.mt.base import Failure

# MyMemory (and a few proxies) put these in the "translation" field with HTTP 200.
QUOTA_PATTERNS = re.compile(
    r"MYMEMORY WARNING|YOU USED ALL AVAILABLE FREE TRANSLATIONS|QUERY LENGTH LIMIT EXCEEDED"
    r"|INVALID LANGUAGE PAIR|PLEASE SELECT TWO DISTINCT LANGUAGES|NO QUERY SPECIFIED"
    r"|AVAILABLE FREE TRANSLATIONS|DAILY (?:REQUEST|CHARACTER) LIMIT",
    re.IGNORECASE,
)
MIN_SCRIPT_SHARE = 0.8  # DESIGN.md: at least ~80 % of letters in the target script
_PUNCT = ".,;:!?()[]{}\"'«»“”‘’-–—/。，、；：！？（）"


def _foreign_letters(source: str, output: str) -> list[str]:
    """Letters of the output, leaving out capitalised words copied from the source (names, acronyms).

    Lower-case source words in the output are untranslated leftovers, and they count against it.
    """
    kept = {w for w in (w.strip(_PUNCT) for w in source.split()) if w[:1].isupper()}
    letters: list[str] = []
    for word in output.split():
        if word.strip(_PUNCT) in kept:
            continue
        letters.extend(ch for ch in word if ch.isalpha())
    return letters


def script_problem(source: str, output: str, tgt: str) -> str | None:
    """Why `output` is not in `tgt`'s script (the language registry's), or None if it is, or if there is
    nothing to judge. The source language's own script is not judged: its names are copied through."""
    language = LANGUAGES.get(tgt)
    if language is None or language.script == LANGUAGES[SOURCE].script:
        return None
    letters = _foreign_letters(source, output)
    if not letters:
        return None
    for other in language.confusable:
        if any(other.has(ch) and not language.script.has(ch) for ch in letters):
            return N_("wrong script: {other} letters in a {language} translation").format(
                other=other.name, language=language.name
            )
    share = language.script.share(letters)
    if share < MIN_SCRIPT_SHARE:
        return N_("wrong script: only {share:.0%} of letters are {script}").format(
            share=share, script=language.script.name
        )
    return None


def check_output(source: str, output: str | None, tgt: str) -> tuple[Failure, str] | None:
    """The failure to report for this output, or None if it may be used as a draft."""
    text = (output or "").strip()
    if not text:
        return Failure.BAD_OUTPUT, N_("empty translation")
    if QUOTA_PATTERNS.search(text):
        return Failure.BAD_OUTPUT, N_("quota or service message instead of a translation: {text}").format(
            text=text[:80]
        )
    if " ".join(text.split()) == " ".join(source.split()) and any(ch.isalpha() for ch in source):
        return Failure.BAD_OUTPUT, N_("unchanged source returned")
    problem = script_problem(source, text, tgt)
    if problem:
        return Failure.BAD_OUTPUT, problem
    return None
