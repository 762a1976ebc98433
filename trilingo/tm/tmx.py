"""TMX 1.4 import and export of the translation memory.

Import is all or nothing: the whole file is parsed and checked before anything is written, and any
problem is one TMXError naming the file and the line. Imported pairs are `origin="tmx"` and flagged
for native review; they never overwrite a pair a reviewer approved here.

The XML safety rule is trilingo.text.xmlsafe's, the same as for TBX: `<!DOCTYPE tmx SYSTEM "tmx14.dtd">`
is accepted (the DTD is never read); internal subsets and entities are refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from sqlmodel import Session, col, select

from trilingo.access import check_scope
from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.languages import ALL, LANGUAGES, SOURCE, TARGETS, from_code
from trilingo.people import authorize
from trilingo.store.audit import record
from trilingo.text.clean import clean_line, forbidden_char
from trilingo.text.files import Source, decode_utf8, read_input, write_atomic
from trilingo.text.xmlsafe import SafeParser
from trilingo.tm.memory import add, lookup_exact, tm_key
from trilingo.tm.models import TMEntry

TOOL = "trilingo"
TOOL_VERSION = "1"  # the export format's version, not the package's: keeps golden files stable
# Locale tags CAT tools expect: each language's `tmx` code in the registry (vi, lo, zh-CN as shipped), the
# same tags as every other export (README: Exchange files). Import also takes the other codes the
# registry knows for a language, and regional variants: see our_lang.
TMX_LANG = {code: LANGUAGES[code].tmx for code in ALL}
# Inline elements whose content is the original's formatting codes, not text.
CODE_ELEMENTS = {"bpt", "ept", "it", "ph", "ut"}
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECL_ENCODING = re.compile(rb"^<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")


# A memory pair is one segment: the same bound as a reviewer's edit (review.actions.MAX_TARGET).
MAX_SEGMENT_CHARS = 8_000


class TMXError(InputError):
    """The TMX file is invalid."""


def our_lang(tag: str) -> str | None:
    """Our code for a TMX language tag; None for any other language (Traditional Chinese too).

    A tag the registry knows (a language's codes and aliases) is that language. Otherwise a tag whose
    first subtag is one of our languages is a regional variant of it (vi-US, lo-TH), unless the
    language's own tag names a script (zh-Hans): then the bare code does not say how a text is written
    (zh-TW, zh-HK and zh-Hant are Traditional), and only tags under that one (zh-Hans-HK) are it."""
    tag = tag.strip().lower().replace("_", "-")
    if not tag:
        return None
    found = from_code(tag)
    if found is not None:
        return found
    base = from_code(tag.split("-", 1)[0], ("code",))
    if base is None:
        return None
    own = LANGUAGES[base].bcp47.lower().replace("_", "-")
    if _names_script(own):
        return base if tag.startswith(own + "-") else None
    return base


def _names_script(tag: str) -> bool:
    """Whether a BCP 47 tag has a script subtag (four letters after the language: zh-Hans, sr-Latn)."""
    parts = tag.split("-")
    return len(parts) > 1 and len(parts[1]) == 4 and parts[1].isalpha()


@dataclass(frozen=True)
class Pair:
    source: str
    lang: str
    target: str
    line: int  # where its <tu> starts


@dataclass
class TMXData:
    pairs: list[Pair] = field(default_factory=list)
    skipped: int = 0  # units without a usable pair: a source text and a target's


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # approved here, so the file's version was not taken
    skipped: int = 0

    def line(self) -> str:
        return N_(
            "{added} added, {updated} updated, {unchanged} unchanged, "
            "{kept} kept (approved here), {skipped} skipped"
        ).format(
            added=self.added,
            updated=self.updated,
            unchanged=self.unchanged,
            kept=self.kept,
            skipped=self.skipped,
        )


class _Unit:
    """One <tu> while it is being read."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.segs: dict[str, str] = {}
        self.lang: str | None = None  # of the open <tuv>
        self.tuv_line = line
        self.seg: list[str] | None = None  # text of the open <seg>
        self.has_seg = False
        self.code_depth = 0


class _Reader:
    def __init__(self, path: Source) -> None:
        self.path = path
        self.safe = SafeParser()
        self.parser = self.safe.parser
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.chars
        self.data = TMXData()
        self.stack: list[str] = []
        self.unit: _Unit | None = None
        self.seen_header = False

    def fail(self, message: str, line: int | None = None) -> TMXError:
        return TMXError(
            N_("{path}: line {line}: {message}").format(
                path=self.path, line=line or self.parser.CurrentLineNumber, message=message
            )
        )

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        parent = self.stack[-1] if self.stack else None
        self.stack.append(tag)
        if parent is None:
            self.open_root(tag, attrs)
            return
        opener = _OPENERS.get((tag, parent))
        if opener is not None:
            opener(self, attrs)
        elif self.unit and self.unit.seg is not None and tag in CODE_ELEMENTS:
            self.unit.code_depth += 1  # its text is formatting codes, left out of the segment

    def open_root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag != "tmx":
            raise self.fail(N_("<{tag}> is not a TMX document (expected <tmx>)").format(tag=tag))
        version = attrs.get("version", "")
        if not version.startswith("1."):
            if version:
                raise self.fail(
                    N_("TMX version {version} is not supported (expected 1.4)").format(version=version)
                )
            raise self.fail(N_("TMX version (none) is not supported (expected 1.4)"))

    def open_header(self, attrs: dict[str, str]) -> None:
        self.seen_header = True
        srclang = attrs.get("srclang", "")
        if srclang.lower() != "*all*" and our_lang(srclang) != SOURCE:
            if srclang:
                raise self.fail(
                    N_("<header> srclang is {srclang}, expected {expected}").format(
                        srclang=srclang, expected=TMX_LANG[SOURCE]
                    )
                )
            raise self.fail(
                N_("<header> srclang is (none), expected {expected}").format(expected=TMX_LANG[SOURCE])
            )

    def open_unit(self, _attrs: dict[str, str]) -> None:
        self.unit = _Unit(self.parser.CurrentLineNumber)

    def open_variant(self, attrs: dict[str, str]) -> None:
        """A <tuv>: one language's version of the unit."""
        if not self.unit:
            return
        lang = attrs.get("xml:lang") or attrs.get("lang")  # `lang` is TMX 1.1's spelling
        if not lang:
            raise self.fail(N_("<tuv> has no xml:lang"))
        self.unit.lang, self.unit.tuv_line, self.unit.has_seg = lang, self.parser.CurrentLineNumber, False

    def open_segment(self, _attrs: dict[str, str]) -> None:
        if self.unit:
            self.unit.seg, self.unit.has_seg = [], True

    def chars(self, text: str) -> None:
        unit = self.unit
        if unit and unit.seg is not None and unit.code_depth == 0:
            unit.seg.append(text)

    def end(self, tag: str) -> None:
        self.stack.pop()
        unit = self.unit
        if tag == "tmx" and not self.seen_header:
            raise self.fail(N_("<tmx> has no <header>"))
        if unit is None:
            return
        if tag in CODE_ELEMENTS and unit.seg is not None:
            unit.code_depth -= 1
        elif tag == "seg" and unit.seg is not None:
            if unit.lang is not None:
                key = unit.lang.lower()
                if key in {k.lower() for k in unit.segs}:
                    raise self.fail(
                        N_('<tu> has two <tuv xml:lang="{lang}">').format(lang=unit.lang), unit.tuv_line
                    )
                unit.segs[unit.lang] = "".join(unit.seg)
            unit.seg = None
        elif tag == "tuv":
            if not unit.has_seg:
                raise self.fail(N_("<tuv> has no <seg>"), unit.tuv_line)
            unit.lang = None
        elif tag == "tu":
            self.finish(unit)
            self.unit = None

    def finish(self, unit: _Unit) -> None:
        by_lang: dict[str, str] = {}
        for tag, text in unit.segs.items():
            lang = our_lang(tag)
            if not lang or not clean_line(text):
                continue
            if bad := forbidden_char(text):
                raise self.fail(N_("<seg> contains the control character {bad}").format(bad=bad), unit.line)
            if len(text) > MAX_SEGMENT_CHARS:
                raise self.fail(
                    N_("<seg> is longer than {limit:,} characters").format(limit=MAX_SEGMENT_CHARS), unit.line
                )
            by_lang.setdefault(lang, clean_line(text))
        source = by_lang.pop(SOURCE, None)
        if source is None or not by_lang:
            self.data.skipped += 1
            return
        for lang, target in by_lang.items():
            self.data.pairs.append(Pair(source, lang, target, unit.line))


# What opens at each (element, parent) below the root; elements elsewhere are ignored, except the inline codes.
_OPENERS: dict[tuple[str, str], Callable[[_Reader, dict[str, str]], None]] = {
    ("header", "tmx"): _Reader.open_header,
    ("tu", "body"): _Reader.open_unit,
    ("tuv", "tu"): _Reader.open_variant,
    ("seg", "tuv"): _Reader.open_segment,
}


def read_tmx(path: Source) -> TMXData:
    """Parse a TMX file into source → target pairs; TMXError names the file and line of any problem."""
    raw = read_input(path, TMXError)
    _check_utf8(path, raw)
    reader = _Reader(path)
    reader.safe.parse(raw, path, TMXError)
    if not reader.data.pairs and not reader.data.skipped:
        raise TMXError(N_("{path}: no translation units").format(path=path))
    return reader.data


def _check_utf8(path: Source, raw: bytes) -> None:
    """Files that are (or claim to be) UTF-8 must decode; others are left to expat's decoders."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return
    declared = _DECL_ENCODING.match(raw.lstrip(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return
    decode_utf8(path, raw, TMXError)


def import_tmx(session: Session, path: Source, actor: str) -> ImportReport:
    """Add the file's pairs to the memory (flagged for native review); approved pairs stay as they are."""
    user = authorize(session, actor, "memory")
    data = read_tmx(path)
    langs = sorted({pair.lang for pair in data.pairs})
    outside = [p for p in data.pairs if p.lang not in user.langs]
    if outside:  # the whole file or nothing: one pair outside the importer's languages refuses it
        first = outside[0]
        check_scope(
            actor,
            user.role,
            user.langs,
            langs,
            "memory",
            N_("{path} has {count} pair(s) in {lang} (line {line} first)").format(
                path=path, count=len(outside), lang=first.lang, line=first.line
            ),
        )
    report = ImportReport(skipped=data.skipped)
    latest: dict[tuple[str, str], Pair] = {}
    for pair in data.pairs:  # a later unit for the same source (by match key) and language wins
        latest[(tm_key(pair.source), pair.lang)] = pair
    for lang in TARGETS:
        pairs = [p for p in latest.values() if p.lang == lang]
        existing = lookup_exact(session, [p.source for p in pairs], lang)
        for pair in pairs:
            entry = existing.get(pair.source)
            if entry is not None and entry.origin not in ("tmx", "starter"):
                report.kept += entry.target != pair.target
                report.unchanged += entry.target == pair.target
                continue
            if entry is not None and entry.target == pair.target:
                report.unchanged += 1
                continue
            report.updated += entry is not None
            report.added += entry is None
            add(session, pair.source, pair.target, lang, origin="tmx", actor=actor, needs_native_review=True)
            session.flush()
    record(session, actor, "tm_import", file=path.name, **vars(report))
    return report


def write_tmx(entries: Iterable[TMEntry]) -> str:
    """TMX 1.4 text, one <tu> per stored pair, in the order given."""
    header = (
        f'<header creationtool="{TOOL}" creationtoolversion="{TOOL_VERSION}" segtype="sentence" '
        f'o-tmf="{TOOL}" adminlang="en" srclang="{TMX_LANG[SOURCE]}" datatype="plaintext"/>'
    )
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<tmx version="1.4">', f"  {header}", "  <body>"]
    for e in entries:
        lines.append("    <tu>")
        lines.append(f'      <prop type="x-trilingo-origin">{_x(e.origin)}</prop>')
        if e.needs_native_review:
            lines.append('      <prop type="x-trilingo-needs-native-review">yes</prop>')
        for lang, text in ((e.src_lang, e.source), (e.tgt_lang, e.target)):
            tag = quoteattr(TMX_LANG.get(lang, lang))
            lines.append(f"      <tuv xml:lang={tag}><seg>{_x(text)}</seg></tuv>")
        lines.append("    </tu>")
    lines += ["  </body>", "</tmx>", ""]
    return "\n".join(lines)


def _x(text: str) -> str:
    # Characters XML 1.0 cannot carry at all; clean text never has them, so dropping loses nothing.
    return escape(_INVALID_XML.sub("", text))


def tmx_text(session: Session, langs: Iterable[str] = TARGETS) -> tuple[str, int]:
    """The memory for `langs` as TMX text, and how many pairs it holds."""
    entries = session.exec(
        select(TMEntry)
        .where(TMEntry.src_lang == SOURCE, col(TMEntry.tgt_lang).in_(list(langs)))
        .order_by(TMEntry.key, col(TMEntry.tgt_lang), col(TMEntry.id))
    ).all()
    return write_tmx(entries), len(entries)


def export_tmx(session: Session, path: Path, langs: Iterable[str] = TARGETS) -> int:
    """Write the memory for `langs` to `path` (atomically); returns the number of pairs written."""
    text, count = tmx_text(session, langs)
    write_atomic(Path(path), text, TMXError)
    return count
