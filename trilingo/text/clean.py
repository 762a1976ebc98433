"""Cleaning stored text: NFC, no zero-width characters, NBSP and runs of spaces folded.

Never NFKC: it breaks Lao ຳ/ໜ/ໝ and Chinese full-width punctuation.
"""

from __future__ import annotations

import re
import unicodedata

# ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen. Lao writers use ZWSP as a word break hint:
# it carries no meaning we keep.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZW_TABLE = {ord(c): None for c in ZERO_WIDTH}
# NBSP, narrow NBSP, figure space, and the other Unicode spaces become a plain space.
_SPACE_TABLE = {
    ord(c): " "
    for c in "\u00a0\u202f\u2007\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000\t"
}
_SPACE_RUN = re.compile(r" {2,}")


def clean_line(text: str) -> str:
    """Clean one line of text (no newlines kept)."""
    text = unicodedata.normalize("NFC", text.translate(_ZW_TABLE))
    text = text.translate(_SPACE_TABLE).replace("\r", " ").replace("\n", " ")
    return _SPACE_RUN.sub(" ", text).strip()


def clean_text(text: str) -> str:
    """Clean a multi-line text: each line cleaned, line structure and blank lines kept, ends trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(clean_line(line) for line in text.split("\n")).strip("\n")


# C0/C1 controls (but tab and newline) and lone surrogates: no text of ours needs them, and PostgreSQL
# refuses NUL where SQLite stores it, so they are refused at the door rather than cleaned away.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_char(text: str) -> str | None:
    """'U+0007' for the first control character or lone surrogate in text, else None."""
    found = _FORBIDDEN.search(text)
    return f"U+{ord(found.group()):04X}" if found else None
