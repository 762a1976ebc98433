"""The three languages and their codes in each outside system."""

from __future__ import annotations

from dataclasses import dataclass

from trilingo.errors import InputError

SOURCE = "vi"
TARGETS: tuple[str, ...] = ("lo", "zh")
ALL: tuple[str, ...] = (SOURCE, *TARGETS)


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native: str
    html: str


LANGUAGES: dict[str, Language] = {
    "vi": Language("vi", "Vietnamese", "Tiếng Việt", "vi"),
    "lo": Language("lo", "Lao", "ພາສາລາວ", "lo"),
    "zh": Language("zh", "Simplified Chinese", "简体中文", "zh-Hans"),
}


def check_target(code: str) -> str:
    """Return `code` if it is a target language, else raise InputError."""
    if code not in TARGETS:
        raise InputError(f"unknown language {code!r} (expected one of: {', '.join(TARGETS)})")
    return code
