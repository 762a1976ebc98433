"""Each engine's code for our languages, from the language registry (`engines` of each language); a
pair is supported only if the engine has a code for both.

The codes are the ones deep-translator's language tables accept (tests check that), not ours:
Google wants zh-CN, Microsoft zh-hans, MyMemory region tags (vi-VN, lo-LA). deep-translator's
LibreTranslate table has no Lao, and Argos has no vi→lo model to self-host; Baidu has no Lao.
"""

from __future__ import annotations

from trilingo.languages import LANGUAGES, SOURCE


def code(engine: str, lang: str) -> str:
    """The engine's code for one of our languages (KeyError if it has none)."""
    found = LANGUAGES[lang].engine_code(engine)
    if found is None:
        raise KeyError(f"{engine} has no code for {lang}")
    return found


def supports(engine: str, src: str, tgt: str) -> bool:
    if src != SOURCE or src == tgt or src not in LANGUAGES or tgt not in LANGUAGES:
        return False
    return LANGUAGES[src].engine_code(engine) is not None and LANGUAGES[tgt].engine_code(engine) is not None
