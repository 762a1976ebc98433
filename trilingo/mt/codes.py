"""Each engine's code for vi, lo and zh; a pair is supported only if both codes are listed here.

The codes are the ones deep-translator's language tables accept (tests check that), not ours:
Google wants zh-CN, Microsoft zh-hans, MyMemory region tags (vi-VN, lo-LA).
"""

from __future__ import annotations

from trilingo.languages import SOURCE

CODES: dict[str, dict[str, str]] = {
    "google": {"vi": "vi", "lo": "lo", "zh": "zh-CN"},
    "microsoft": {"vi": "vi", "lo": "lo", "zh": "zh-hans"},
    "mymemory": {"vi": "vi-VN", "lo": "lo-LA", "zh": "zh-CN"},
    # deep-translator's LibreTranslate table has no Lao, and Argos has no vi→lo model to self-host.
    "libre": {"vi": "vi", "zh": "zh"},
    # Baidu is used for Chinese only; it has no Lao.
    "baidu": {"vi": "vie", "zh": "zh"},
}


def code(engine: str, lang: str) -> str:
    """The engine's code for one of our languages (KeyError if it has none)."""
    return CODES[engine][lang]


def supports(engine: str, src: str, tgt: str) -> bool:
    table = CODES.get(engine, {})
    return src == SOURCE and src != tgt and src in table and tgt in table
