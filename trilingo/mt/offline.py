"""The offline `memory` engine: it never invents text.

Exact memory hits and all-glossary segments are resolved by the pretranslation pipeline before any
engine runs, so what reaches this engine is what memory cannot translate whole. It says so, and the
pipeline attaches glossary terms and fuzzy suggestions as hints for the reviewer.
"""

from __future__ import annotations

from trilingo.i18n import N_
from trilingo.languages import SOURCE, TARGETS
from trilingo.mt.base import EngineResult, Failure


class OfflineEngine:
    """`--engine memory`: drafts come only from exact memory matches and all-glossary segments.

    The pipeline finds those before any engine runs; this engine answers for the rest, offline."""

    name = "memory"  # the name users know it by (`--engine memory`)

    def supports(self, src: str, tgt: str) -> bool:
        return src == SOURCE and tgt in TARGETS

    def translate_batch(self, texts: list[str], _src: str, _tgt: str) -> list[EngineResult]:
        return [
            EngineResult(
                None, Failure.UNTRANSLATED, N_("no exact translation-memory match; needs a translator")
            )
            for _ in texts
        ]
