"""Is a submitted notice Vietnamese? An English or Lao notice queued for translation "from Vietnamese"
would come back as nonsense, so such a notice is refused unless the editor insists (`--force-language`).

Lao is told by its script (lingua has no Lao model). Everything else goes to lingua, with its models
inside the package, restricted to the languages a notice at these gates plausibly arrives in: loading
all 75 models takes ~11 s, these ~1.5 s, and Vietnamese with its tone marks is known without any model.
Only a confident verdict on enough text refuses a notice; Vietnamese typed without its tone marks reads
as uncertain (lingua's best guess is Tagalog at ~0.4) and passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

MIN_LETTERS = 40  # less than this says little: a title, a list of names
CONFIDENT = 0.8  # how sure the detector must be before a notice is refused
LAO = (0x0E80, 0x0EFF)
_CANDIDATES = (
    "VIETNAMESE", "ENGLISH", "FRENCH", "GERMAN", "SPANISH", "RUSSIAN", "CHINESE", "JAPANESE",
    "KOREAN", "THAI", "INDONESIAN", "MALAY", "TAGALOG",
)  # fmt: skip


@dataclass(frozen=True)
class Detected:
    language: str  # its English name, e.g. "English"
    confidence: float  # 0–1

    @property
    def vietnamese(self) -> bool:
        return self.language == "Vietnamese"


@cache
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in _CANDIDATES)).build()


def detect(text: str) -> Detected | None:
    """The language of `text` when it can be told with confidence; None for too little or unclear text."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < MIN_LETTERS:
        return None
    lao = sum(LAO[0] <= ord(ch) <= LAO[1] for ch in letters) / len(letters)
    if lao >= 0.5:
        return Detected("Lao", round(lao, 2))
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    if best.value < CONFIDENT:
        return None
    return Detected(best.language.name.title(), round(best.value, 2))
