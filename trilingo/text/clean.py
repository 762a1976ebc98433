"""Cleaning stored text: NFC, no zero-width characters, NBSP and runs of spaces folded.

Never NFKC: it breaks Lao ຳ/ໜ/ໝ and Chinese full-width punctuation.
"""

from __future__ import annotations

import re
import unicodedata

from trilingo.errors import InputError
from trilingo.i18n import N_

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
    """Clean a multi-line text: each line cleaned, line structure and blank lines kept, ends trimmed.

    Unicode's own line and paragraph separators (U+2028, U+2029, as a word processor may paste them)
    become a line break and a blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n").replace("\u2028", "\n")
    return "\n".join(clean_line(line) for line in text.split("\n")).strip("\n")


# Refused wherever a person's text is stored, rather than cleaned away:
# - C0/C1 controls (but tab and newline): an ANSI escape or a BEL stored in a translation would reach a
#   reviewer's terminal, and PostgreSQL refuses NUL where SQLite stores it;
# - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069): they can make a published
#   notice read differently from the text the reviewer approved;
# - lone surrogates: not text at all.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# Where a forbidden character is and what it is, in a text of several lines and in one line: one whole
# template each. `text_problem` says it alone (other messages put it in theirs); `refusal` says it as a
# whole message, so that the CLI can translate it (a template ending in `U+{code}` followed by more text
# would take that text for the code).
_PROBLEMS = {
    "lone surrogate": (
        N_("line {line}, column {column}: lone surrogate U+{code:04X}"),
        N_("column {column}: lone surrogate U+{code:04X}"),
    ),
    "bidirectional control character": (
        N_("line {line}, column {column}: bidirectional control character U+{code:04X}"),
        N_("column {column}: bidirectional control character U+{code:04X}"),
    ),
    "control character": (
        N_("line {line}, column {column}: control character U+{code:04X}"),
        N_("column {column}: control character U+{code:04X}"),
    ),
}
# Refused, of a whole text (a notice): its problem and "is not allowed".
_REFUSALS = {
    "lone surrogate": (
        N_("line {line}, column {column}: lone surrogate U+{code:04X} is not allowed"),
        N_("column {column}: lone surrogate U+{code:04X} is not allowed"),
    ),
    "bidirectional control character": (
        N_("line {line}, column {column}: bidirectional control character U+{code:04X} is not allowed"),
        N_("column {column}: bidirectional control character U+{code:04X} is not allowed"),
    ),
    "control character": (
        N_("line {line}, column {column}: control character U+{code:04X} is not allowed"),
        N_("column {column}: control character U+{code:04X} is not allowed"),
    ),
}
# Refused, of one value a person gives, named by `what` ("the reason", "front matter: 'title'").
_REFUSALS_OF = {
    "lone surrogate": (
        N_("{what}: line {line}, column {column}: lone surrogate U+{code:04X} is not allowed"),
        N_("{what}: column {column}: lone surrogate U+{code:04X} is not allowed"),
    ),
    "bidirectional control character": (
        N_(
            "{what}: line {line}, column {column}: bidirectional control character U+{code:04X} is not allowed"
        ),
        N_("{what}: column {column}: bidirectional control character U+{code:04X} is not allowed"),
    ),
    "control character": (
        N_("{what}: line {line}, column {column}: control character U+{code:04X} is not allowed"),
        N_("{what}: column {column}: control character U+{code:04X} is not allowed"),
    ),
}


def _kind(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return "lone surrogate"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return "bidirectional control character"
    return "control character"


def forbidden_char(text: str) -> str | None:
    """'U+0007' for the first forbidden character in text, else None."""
    found = _FORBIDDEN.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _say(text: str, templates: dict[str, tuple[str, str]], **values: object) -> str | None:
    """The first forbidden character in `text` in one of `templates` (by kind: several lines, one line)."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    in_lines, in_line = templates[_kind(found.group())]
    template = in_lines if "\n" in text else in_line
    return template.format(line=line, column=column, code=ord(found.group()), **values)


def text_problem(text: str) -> str | None:
    """Where the first forbidden character is and what it is, e.g. 'line 3, column 7: bidirectional
    control character U+202E'; the line is left out for one-line text. None when the text is fine."""
    return _say(text, _PROBLEMS)


def refusal(text: str, what: str | None = None) -> str | None:
    """The message refusing the first forbidden character in `text`: `text_problem`'s, followed by "is
    not allowed", after "`what`: " when given. None when the text is fine."""
    return _say(text, _REFUSALS) if what is None else _say(text, _REFUSALS_OF, what=what)


SEPARATORS = {"\u2028": "line separator", "\u2029": "paragraph separator"}
_SEPARATOR_PROBLEMS = {
    "\u2028": N_("{what}: column {column}: a line separator U+{code:04X} is not allowed in one line"),
    "\u2029": N_("{what}: column {column}: a paragraph separator U+{code:04X} is not allowed in one line"),
}


def only_marks(text: str) -> bool:
    """Whether `text` has combining marks and nothing else to read (no letter, digit or sign they sit on)."""
    found = False
    for ch in text:
        if ch.isspace():
            continue
        if unicodedata.category(ch)[0] != "M":
            return False
        found = True
    return found


def check_text(text: str, what: str) -> str:
    """`text`, one line a person gives (a title, a reason, an edit), if it holds no forbidden character,
    no line or paragraph separator and more than combining marks; else InputError naming `what` and
    where."""
    if refused := refusal(text, what):
        raise InputError(refused)
    for ch in SEPARATORS:
        if ch in text:
            column = text.index(ch) + 1
            raise InputError(_SEPARATOR_PROBLEMS[ch].format(what=what, column=column, code=ord(ch)))
    if only_marks(text):
        raise InputError(
            N_("{what}: only combining marks, with no letter to sit on; nothing to read").format(what=what)
        )
    return text


def check_user(name: str) -> str:
    """A user name: 1–64 printable characters, not only spaces."""
    if not name.strip() or len(name) > 64 or not name.isprintable():
        shown = name.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
        raise InputError(N_("invalid user name {name!r}: use 1–64 printable characters").format(name=shown))
    return name


def ascii_slug(text: str) -> str:
    """`text` as lower-case ASCII words joined by dashes, Vietnamese marks dropped and đ as d
    ('Cửa khẩu Tây Trang' → 'cua-khau-tay-trang'); "" when nothing is left (a Lao or Chinese name)."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode("ascii").lower()).strip("-")
