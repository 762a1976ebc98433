"""Stored text shown on a terminal: control and bidirectional characters are made visible, never obeyed.

New text with such characters is refused at the door (text.clean), but a row written before that rule,
or by another tool, must not be able to clear a reviewer's screen or reorder what they read.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(text: object) -> str:
    """`text` with each unsafe character as a visible escape, such as \\x1b or \\u202e."""
    value = "" if text is None else str(text)
    return _UNSAFE.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), value
    )


def undecodable(arg: str) -> str:
    """An argument that held bytes that are not UTF-8, with those bytes as visible escapes."""
    try:
        raw = arg.encode("utf-8", "surrogateescape")  # the bytes Python could not decode
    except UnicodeEncodeError:
        raw = arg.encode("utf-8", "surrogatepass")  # a surrogate that came as text
    return shown(raw.decode("utf-8", "backslashreplace"))


def age(seconds: float) -> str:
    """A wait as a person says it, in their language: 45 s, 12 min, 3 h 20 min, 2 days 4 h."""
    from trilingo.i18n import _, ngettext

    s = max(0, round(seconds))
    if s < 60:
        return _("{s} s").format(s=s)
    minutes = s // 60
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return (
            _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
            if minutes
            else _("{hours} h").format(hours=hours)
        )
    days, hours = divmod(hours, 24)
    if hours:
        return ngettext("{days} day {hours} h", "{days} days {hours} h", days).format(days=days, hours=hours)
    return ngettext("{days} day", "{days} days", days).format(days=days)
