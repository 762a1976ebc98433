"""Keeping approved terms away from the MT engine, putting them back, and checking the result.

Scheme "ph1": each source term that has a target term becomes a numbered placeholder `{1}`, `{2}` …
(braces and digits are what engines most often leave alone). Restore is tolerant of what engines
are seen to do to placeholders: spaces inside (`{ 1 }`), full-width forms (`｛１｝`), reordering,
and spaces added around them in a language written without spaces (Chinese). What cannot be
repaired is reported, never patched: a dropped placeholder leaves its term missing, and the draft
carries a warning for the reviewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trilingo.glossary.match import ConceptInfo, Glossary
from trilingo.i18n import N_
from trilingo.languages import LANGUAGES, Script
from trilingo.text.keys import match_key

MODE = "ph1"
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# What an engine may turn `{12}` into and we still recognise as placeholder 12.
_TOKEN_RE = re.compile(r"[{｛]\s*([0-9０-９]{1,4})\s*[}｝]")
# Anything brace-like left over after restoring: a placeholder the engine mangled past recognition.
# A restored term's edge markers (\x00, \x01) inside braces mean the braces came from the source.
_LEFTOVER_RE = re.compile(r"[{｛][^{}｛｝\n\x00\x01]{0,16}[}｝]")
# Punctuation that a language written without spaces (Chinese) sets without spaces around it: CJK
# symbols and punctuation, and the full-width forms. The letters are the language's script's (registry).
_FULL_WIDTH_PUNCT = "\u3000-\u303f\uff00-\uffef"


@dataclass(frozen=True)
class Placeholder:
    n: int
    source: str  # the source text the placeholder stands for
    target: str  # the approved target term it is restored to
    info: ConceptInfo

    @property
    def token(self) -> str:
        return "{" + str(self.n) + "}"


@dataclass(frozen=True)
class Protected:
    text: str  # what the MT engine gets
    mode: str  # the scheme; part of the MT cache key
    source: str
    src: str
    tgt: str
    placeholders: tuple[Placeholder, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Restored:
    text: str
    warnings: list[str] = field(default_factory=list)


def _describe(source: str, info: ConceptInfo) -> str:
    return f"{source!r} ({info.label()})"


def protect(text: str, src: str, tgt: str, glossary: Glossary) -> Protected:
    """Replace each source term that has a `tgt` term by a numbered placeholder."""
    matches = [m for m in glossary.annotate(text, src) if m.target(tgt)]
    if not matches:
        return Protected(text, MODE, text, src, tgt)
    if _TOKEN_RE.search(text) or _LEFTOVER_RE.search(text):
        # The source already holds placeholder-like text: restoring could not tell them apart.
        warning = N_(
            "glossary: terms not protected from MT (the source contains text like a placeholder '{…}')"
        )
        return Protected(text, MODE, text, src, tgt, warnings=(warning,))
    pieces: list[str] = []
    placeholders: list[Placeholder] = []
    pos = 0
    for n, m in enumerate(matches, 1):
        target = m.target(tgt)
        assert target is not None
        ph = Placeholder(n, m.text, target, m.info)
        pieces += [text[pos : m.start], ph.token]
        placeholders.append(ph)
        pos = m.end
    pieces.append(text[pos:])
    return Protected("".join(pieces), MODE, text, src, tgt, tuple(placeholders))


def restore(protected: Protected, output: str) -> Restored:
    """Put the approved terms back into the engine's output; report what did not come back once."""
    warnings = list(protected.warnings)
    if not protected.placeholders:
        return Restored(output, warnings)
    by_n = {p.n: p for p in protected.placeholders}
    seen: dict[int, int] = {}

    def put_back(m: re.Match[str]) -> str:
        n = int(m.group(1).translate(_FULL_DIGITS))
        if n not in by_n:
            return m.group()
        seen[n] = seen.get(n, 0) + 1
        return "\x00" + by_n[n].target + "\x01"  # marks the term's edges for the spacing fix below

    text = _TOKEN_RE.sub(put_back, output)
    language = LANGUAGES.get(protected.tgt)
    if language is not None and not language.sentence_joiner:
        text = _tidy_unspaced(text, language.script)
    leftovers = [m.group() for m in _LEFTOVER_RE.finditer(text)]
    text = text.replace("\x00", "").replace("\x01", "")
    for p in protected.placeholders:
        count = seen.get(p.n, 0)
        if count == 0:
            warnings.append(
                N_("glossary: MT dropped placeholder {token} for {term}; {target} is missing").format(
                    token=p.token, term=_describe(p.source, p.info), target=p.target
                )
            )
        elif count > 1:
            warnings.append(
                N_(
                    "glossary: placeholder {token} for {term} came back {count} times; {target} appears {count} times"
                ).format(token=p.token, term=_describe(p.source, p.info), count=count, target=p.target)
            )
    for leftover in leftovers:
        warnings.append(
            N_("glossary: MT output has an unknown or mangled placeholder {leftover!r}").format(
                leftover=leftover
            )
        )
    return Restored(text, warnings)


def _tidy_unspaced(text: str, script: Script) -> str:
    """Engines put spaces around placeholders as if they were Latin words; a language that joins even
    its sentences without a space (Chinese) has none. Only spaces at a restored term's edges
    (\x00 … \x01) next to letters of its `script` or full-width punctuation are dropped."""
    chars = script.pattern + _FULL_WIDTH_PUNCT
    text = re.sub(f"(?<=[{chars}\x01])[ \u00a0]+\x00", "\x00", text)
    return re.sub(f"\x01[ \u00a0]+(?=[{chars}\x00])", "\x01", text)


def check(target: str, source: str, src: str, tgt: str, glossary: Glossary) -> list[str]:
    """Warnings for the reviewer: a required target term missing, a forbidden term present."""
    warnings: list[str] = []
    target_key = match_key(target, tgt)
    for m in glossary.annotate(source, src):
        required = m.target(tgt)
        if required is None:
            continue
        if not any(match_key(t, tgt) in target_key for t in m.info.accepted(tgt)):
            warnings.append(
                N_("glossary: missing {required} for {term}").format(
                    required=required, term=_describe(m.text, m.info)
                )
            )
    for m in glossary.annotate(target, tgt):
        if m.status != "forbidden":
            continue
        instead = glossary.replacement(m.info, tgt)
        values = {"term": m.text, "label": m.info.label(), "note": m.note, "instead": instead}
        if instead and m.note:
            template = N_(
                "glossary: forbidden term {term} in the translation ({label}: {note}); use {instead}"
            )
        elif instead:
            template = N_("glossary: forbidden term {term} in the translation ({label}); use {instead}")
        elif m.note:
            template = N_("glossary: forbidden term {term} in the translation ({label}: {note})")
        else:
            template = N_("glossary: forbidden term {term} in the translation ({label})")
        warnings.append(template.format(**values))
    return warnings
