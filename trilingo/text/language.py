"""Is a submitted notice Vietnamese? An English or Lao notice queued for translation "from Vietnamese"
would come back as nonsense, so such a notice is refused unless the editor insists (`--force-language`).

Lao is told by its script (lingua has no Lao model). Everything else goes to lingua, with its models
inside the package, restricted to the languages a notice at these gates plausibly arrives in: loading
all 75 models takes ~11 s, these ~1.5 s, and Vietnamese with its tone marks is known without any model.
Only a confident verdict on enough text refuses a notice; Vietnamese typed without its tone marks reads
as uncertain (lingua's best guess is Tagalog at ~0.4) and passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from trilingo.languages import LANGUAGES, SCRIPTS, SOURCE

MIN_LETTERS = 40  # less than this says little: a title, a list of names
CONFIDENT = 0.8  # how sure the detector must be before a notice is refused
_CANDIDATES = (
    "VIETNAMESE", "ENGLISH", "FRENCH", "GERMAN", "SPANISH", "RUSSIAN", "CHINESE", "JAPANESE",
    "KOREAN", "THAI", "INDONESIAN", "MALAY", "TAGALOG",
)  # fmt: skip


# Letters only Vietnamese writes among the candidates: ă đ ơ ư, the circumflexes, and the whole Latin
# Extended Additional block of tone-marked vowels (ạ ả ấ … ỹ). French has â ê ô but not with a second
# mark, and none of the others. In a Vietnamese notice about half the words hold one (0.47–0.67 on the
# samples); an English notice thick with Vietnamese place names stays near a quarter. Only text with
# no letter of another script may take this path: Chinese or Lao runs have no spaces, so a Chinese body
# under a Vietnamese title would count as a few long "words" and pass.
_VI_ONLY = "ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9"
_VI_CHAR = re.compile(f"[{_VI_ONLY}]")
# Letters of any script in the registry other than the source's (Cyrillic, Thai, Lao, Hangul, kana, Han …).
_OTHER_SCRIPT = re.compile(
    "[" + "".join(s.pattern for s in SCRIPTS.values() if s != LANGUAGES[SOURCE].script) + "]"
)
# The scripts lingua's candidates are written in: a registry language in another script (Lao, Khmer) is
# told by its letters, as lingua has no model for it.
_LINGUA_SCRIPTS = ("Latin", "Han", "Cyrillic", "Hangul", "Kana", "Thai")
_WORD = re.compile(r"\w+")
VI_WORDS = 0.4  # this share of words with a Vietnamese-only letter settles it without a model
MIN_WORDS = 10
SAMPLE = 20_000  # characters looked at by the letters test: a long notice says no more than its start


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


def _looks_vietnamese(text: str) -> bool:
    """Enough words with a letter only Vietnamese writes, and no letter of another script."""
    if _OTHER_SCRIPT.search(text):
        return False
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return False
    search = _VI_CHAR.search
    return sum(1 for w in words if search(w)) >= VI_WORDS * len(words)


def detect(text: str) -> Detected | None:
    """The language of `text` when it can be told with confidence; None for too little or unclear text."""
    if _looks_vietnamese(text[:SAMPLE]):
        # Told by its letters: a fifth of the cost of asking the model, and the common case at the gates.
        return Detected("Vietnamese", 1.0)
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < MIN_LETTERS:
        return None
    for language in LANGUAGES.values():
        if language.script.name in _LINGUA_SCRIPTS:
            continue
        share = language.script.share(letters)
        if share >= 0.5:
            return Detected(language.name, round(share, 2))
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    if best.value < CONFIDENT:
        return None
    return Detected(best.language.name.title(), round(best.value, 2))
