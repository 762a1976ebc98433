"""Checks on a translation, and which of them stop an approval.

Every draft and every edit is checked; the results are stored on the translation (Translation.checks)
and run again at approval time, so a check added later also covers older drafts.

- A *blocking* check (level "block") makes approval impossible until the text is fixed.
- A *warning* (level "warn") needs a person's decision: dismiss it on its segment with a reason
  (`review dismiss`, kept until the text changes), or approve with `--accept-warnings --reason`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from trilingo.i18n import N_
from trilingo.languages import LANGUAGES, SOURCE
from trilingo.text.checks import preserved_findings, script_findings
from trilingo.text.keys import match_key
from trilingo.text.limits import Limits

if TYPE_CHECKING:
    from trilingo.glossary.match import Glossary

BLOCK: Literal["block"] = "block"
WARN: Literal["warn"] = "warn"

# code → (level, what it means); the README lists the same table.
CODES: dict[str, tuple[str, str]] = {
    "empty": (BLOCK, "the translation is empty"),
    "unchanged": (BLOCK, "the translation is the untranslated source"),
    "forbidden": (BLOCK, "a glossary term marked forbidden is used"),
    "placeholder": (BLOCK, "a placeholder {n} was damaged, lost or added"),
    "thai": (BLOCK, "Thai letters in a Lao translation"),
    "script": (BLOCK, "Lao text that is not in Lao script"),
    "traditional": (BLOCK, "Traditional characters in Simplified Chinese"),
    "han": (WARN, "a Chinese translation with few Han characters"),
    "term": (WARN, "a preferred glossary term is missing"),
    "numbers": (WARN, "numbers, times, dates or phone numbers differ from the source"),
    "links": (WARN, "a web address or e-mail differs from the source"),
    "native": (WARN, "memory text that still needs a native speaker's review"),
    "length": (WARN, "longer than a channel allows"),
}

_PLACEHOLDER = re.compile(r"[{｛]\s*[^{}｛｝\s]{0,16}\s*[}｝]|[\x00\x01]")


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    @property
    def level(self) -> str:
        return CODES[self.code][0]

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "level": self.level, "message": self.message}


SCREEN_KIND = "screen"  # the `screen:` summary's segment: the only one a screen's length limit applies to


def for_segment(
    source: str,
    target: str | None,
    lang: str,
    glossary: Glossary | None,
    *,
    kind: str,
    channels: Iterable[str],
    limits: Mapping[str, int] | None = None,
    detail: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Every check on one segment's translation, blocking ones first. The tightest length limit of the
    document's `channels` (`limits`: the workspace's, else the defaults) applies to the kind of segment
    it is for: a gate screen shows the `screen:` summary, so only that segment is held to its limit."""
    limit = None
    if kind == SCREEN_KIND:
        limit = segment_limit(channels, Limits().channel_limits() if limits is None else limits)
    return _run(source, target, lang, glossary, detail=detail, limit=limit)


def _run(
    source: str,
    target: str | None,
    lang: str,
    glossary: Glossary | None,
    *,
    detail: Mapping[str, Any] | None = None,
    limit: tuple[str, int] | None = None,
) -> list[Finding]:
    text = (target or "").strip()
    if not text:
        return [Finding("empty", N_("empty: nothing translated yet"))]
    found: list[Finding] = []
    if any(c.isalpha() for c in source) and match_key(text, lang) == match_key(source, lang):
        found.append(
            Finding(
                "unchanged",
                N_("unchanged: the translation is the {language} source").format(
                    language=LANGUAGES[SOURCE].name
                ),
            )
        )
    if Counter(_PLACEHOLDER.findall(text)) != Counter(_PLACEHOLDER.findall(source)):
        found.append(Finding("placeholder", N_("placeholder: a {n} placeholder was damaged, lost or added")))
    for code, message in script_findings(text, lang):
        found.append(Finding(LANGUAGES[lang].script_finding if code == "script" else code, message))
    if glossary is not None:
        found += _glossary(glossary, source, text, lang)
    found += [
        Finding(code, message) for code, message in preserved_findings(source, text, LANGUAGES[lang].numerals)
    ]
    if detail and detail.get("needs_native_review"):
        origin = detail.get("tm_origin") or detail.get("engine") or "memory"
        found.append(
            Finding(
                "native",
                N_("native: {origin} text that no native speaker has confirmed yet").format(origin=origin),
            )
        )
    if limit is not None and len(text) > limit[1]:
        channel, chars = limit
        found.append(
            Finding(
                "length",
                N_("length: {count} characters; {channel} shows at most {chars}").format(
                    count=len(text), channel=channel, chars=chars
                ),
            )
        )
    return sorted(found, key=lambda f: f.level != BLOCK)


def _glossary(glossary: Glossary, source: str, target: str, lang: str) -> list[Finding]:
    from trilingo.glossary.protect import check

    out = []
    for message in check(target, source, SOURCE, lang, glossary):
        out.append(Finding("forbidden" if "forbidden term" in message else "term", message))
    return out


def as_stored(findings: Iterable[Finding]) -> list[dict[str, str]]:
    return [f.as_dict() for f in findings]


def messages(findings: Iterable[Finding]) -> list[str]:
    return [f.message for f in findings]


def open_warnings(findings: Iterable[Finding], dismissed: Mapping[str, Any]) -> list[Finding]:
    """Warnings nobody has dismissed on this text."""
    return [f for f in findings if f.level == WARN and f.code not in dismissed]


def segment_limit(channels: Iterable[str], limits: Mapping[str, int]) -> tuple[str, int] | None:
    """The tightest per-segment length any of the document's channels sets, as (channel, characters).
    A document that names no channel goes to every channel."""
    named = list(channels) or list(limits)
    set_ = [(limits[c], c) for c in named if c in limits]
    if not set_:
        return None
    chars, channel = min(set_)
    return channel, chars
