"""The glossary as TBX: written as TBX v3 (TBX-Basic, DCA style) or v2 (martif); read from both.

v3: tbx/text/body/conceptEntry/langSec/termSec. v2: martif/text/body/termEntry/langSet/(n)tig, the
dialect translate-toolkit and Weblate read (and write, with the DOCTYPE that names the MARTIF core DTD).
Domain is `descrip type="subjectField"`, the note is `note`, confidence is a reliability code (high 9,
medium 6, low 3; 1-4 reads as low, 5-7 medium, 8-10 high), and each term's status is its
`administrativeStatus`. v2 writes the code as `descrip type="reliabilityCode"`; v3 declares itself
TBX-Basic, whose data categories do not include reliabilityCode (LTAC's Schematron permits `descrip` only
of type subjectField, context and definition), so v3 writes it as the concept's `<note>reliabilityCode:
9</note>`. Both are read from either version, and so are the `descrip` of v3 files our older exporter
wrote. Both writers carry every field, so a glossary goes v3 → v2 → v3 unchanged; v2 only lacks v3's
namespace and its dialect and style attributes.
Languages are written with each one's `tbx` tag in the registry (vi, lo and zh-CN as shipped: the tag
the PO and TMX exports use for Chinese too), and read by any code the registry knows for them (its
codes in each format and its aliases: regional and script variants). A v2 termEntry without an id
(translate-toolkit and Weblate write none) gets one made from its terms: see derived_id; an entry whose
id is not a safe concept id (csv2tbx writes the source term as the id) gets one made from that id, and the
import warns: see safe_id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from xml.sax.saxutils import escape

from trilingo.glossary.entries import ConceptData, TermData, add_term, check_concept_id, check_fields
from trilingo.glossary.errors import MalformedFile
from trilingo.glossary.files import read_text
from trilingo.glossary.xmltree import Node, parse
from trilingo.i18n import N_
from trilingo.languages import ALL, LANGUAGES, SOURCE, from_code, names_of
from trilingo.text.clean import ascii_slug
from trilingo.text.files import Source

NAMESPACE = "urn:iso:std:iso:30042:ed-2"
ADMIN_STATUS = {
    "preferred": "preferredTerm-admn-sts",
    "admitted": "admittedTerm-admn-sts",
    "forbidden": "deprecatedTerm-admn-sts",
    "superseded": "supersededTerm-admn-sts",
}
# Statuses read, by the value's core (lower case, without "term" and "-admn-sts"): TBX-Basic's picklist,
# and the short spellings other tools write (deprecated, deprecatedTerm, TBX-Min's notRecommended, …).
_STATUS_OF = {
    "preferred": "preferred",
    "admitted": "admitted",
    "deprecated": "forbidden",
    "notrecommended": "forbidden",  # the closest of our statuses: keep it out
    "superseded": "superseded",
    "obsolete": "superseded",
}
_STATUS_SUFFIX = re.compile(r"(?:term)?(?:-?admn-?sts)?$")
RELIABILITY = {"high": 9, "medium": 6, "low": 3}
# The language tag written for each of our languages, in both dialects.
TBX_LANG = {code: LANGUAGES[code].tbx for code in ALL}
# What translate-toolkit writes, and Weblate's example files carry; the DTD is never read on import.
V2_DOCTYPE = '<!DOCTYPE martif PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" "TBXcdv04.dtd">'
# TBX v3 (ISO 30042:2019) names a file's schemas in xml-model processing instructions: LTAC's TBX-Basic
# 1.2.1 is the core structure RNG and the dialect's Schematron, at the addresses LTAC's own examples use.
TBX_BASIC_RNG = "https://raw.githubusercontent.com/LTAC-Global/TBX_Core_RNG/master/TBXcoreStructV03.rng"
TBX_BASIC_SCH = "https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/TBX-Basic_DCA.sch"
XML_MODELS = (
    f'<?xml-model href="{TBX_BASIC_RNG}" type="application/xml" '
    'schematypens="http://relaxng.org/ns/structure/1.0"?>',
    f'<?xml-model href="{TBX_BASIC_SCH}" type="application/xml" '
    'schematypens="http://purl.oclc.org/dsdl/schematron"?>',
)
# v3's reliability code, a concept-level note: the whole note is this, then the code.
RELIABILITY_NOTE = "reliabilityCode: "
_RELIABILITY_NOTE = re.compile(r"reliabilityCode\s*:\s*(\S+)", re.IGNORECASE)


def read_tbx(path: Source, warnings: list[str] | None = None) -> tuple[list[ConceptData], list[str]]:
    """Concepts, and the language tags skipped (none of our languages: Traditional Chinese is not zh).

    Entries whose ids are not safe concept ids are imported under ids made from them (safe_id); one
    warning, added to `warnings`, counts them and shows the first few."""
    root = parse(path, read_text(path))
    if root.tag == "tbx":
        entry_tag, lang_tag = "conceptEntry", "langSec"
    elif root.tag == "martif":
        entry_tag, lang_tag = "termEntry", "langSet"
    else:
        raise MalformedFile(
            N_("{path}: line {line}: <{tag}> is not a TBX root (expected <tbx> or <martif>)").format(
                path=path, line=root.line, tag=root.tag
            )
        )
    body = _child(_child(root, "text", path), "body", path)
    concepts: dict[str, ConceptData] = {}
    lines: dict[str, int] = {}
    skipped: list[str] = []
    renamed: list[tuple[str, str]] = []
    for entry in body.find_all(entry_tag):
        # TBX v2 makes termEntry's id optional, and translate-toolkit and Weblate write none.
        derive = root.tag == "martif" and not entry.attrs.get("id", "").strip()
        before = len(renamed)
        concept = _read_entry(entry, lang_tag, path, skipped, derive, renamed)
        where = N_("{path}: line {line}: <{tag}>").format(path=path, line=entry.line, tag=entry_tag)
        if concept.concept in concepts:
            if derive:
                raise MalformedFile(
                    N_(
                        "{where} has no id, and the id made from its terms, {concept!r}, is the "
                        "entry's on line {first}; give the entries ids"
                    ).format(where=where, concept=concept.concept, first=lines[concept.concept])
                )
            if len(renamed) > before:
                raise MalformedFile(
                    N_("{where} id {given!r} (imported as {concept!r}) appears twice").format(
                        where=where, given=renamed[-1][0], concept=concept.concept
                    )
                )
            raise MalformedFile(
                N_("{where} id {concept!r} appears twice").format(where=where, concept=concept.concept)
            )
        concepts[concept.concept] = concept
        lines[concept.concept] = entry.line
    if renamed and warnings is not None:
        shown = ", ".join(f"{old!r} → {new!r}" for old, new in renamed[:SHOWN_RENAMES])
        warnings.append(
            N_(
                "{path}: {count} entry id(s) are not concept ids (letters, digits, '.', '_' and '-'); each "
                "was imported under an id made from it: {shown}{more}"
            ).format(
                path=path, count=len(renamed), shown=shown, more=", …" if len(renamed) > SHOWN_RENAMES else ""
            )
        )
    return list(concepts.values()), sorted(set(skipped))


SHOWN_RENAMES = 3


def derived_id(terms: list[TermData]) -> str:
    """A concept id for an entry that has none: its first source term (else its first term) in ASCII, and
    six hex digits of that term's hash, so that importing the same file again finds the same concepts."""
    first = next((t for t in terms if t.lang == SOURCE), terms[0])
    return _slug_id(first.text, f"{first.lang}:{first.text}", first.lang)


def _is_concept_id(value: str) -> bool:
    try:
        check_concept_id(value, "")
    except MalformedFile:
        return False
    return True


def v3_id(concept: str) -> str:
    """The id a concept has in TBX v3, whose RNG makes it an XML ID (an NCName): a concept id that starts
    with a digit (`110-hotline`) gets a leading `_`, which the importer takes off again."""
    return f"_{concept}" if concept[:1].isdigit() else concept


def _is_v3_id_of(value: str) -> bool:
    """Whether a file's id is v3_id of a concept id that starts with a digit."""
    return value[:1] == "_" and value[1:2].isdigit() and _is_concept_id(value[1:])


def safe_id(value: str) -> str:
    """A concept id for an entry whose id is not one (`trạm kiểm soát biên phòng`, as csv2tbx writes the
    source term): the id in ASCII and six hex digits of its hash (`tram-kiem-soat-bien-phong-…`), so that
    importing the same file again finds the same concepts, and two ids that fold alike stay apart."""
    return _slug_id(value, f"id:{value}", "concept")


def _slug_id(text: str, hashed: str, fallback: str) -> str:
    slug = ascii_slug(text)
    digest = hashlib.sha256(hashed.encode()).hexdigest()[:6]
    return f"{slug[:40].strip('-') or fallback}-{digest}"


def _child(node: Node, tag: str, path: Source) -> Node:
    found = node.find_all(tag)
    if not found:
        raise MalformedFile(
            N_("{path}: line {line}: <{tag}> has no <{child}>").format(
                path=path, line=node.line, tag=node.tag, child=tag
            )
        )
    return found[0]


_WRAPPERS = ("descripGrp", "adminGrp", "termGrp", "termNoteGrp")
MAX_WRAPPER_DEPTH = 16


def _flat(node: Node, path: Source) -> list[Node]:
    """Children, with v2 descripGrp/adminGrp wrappers opened (iteratively: hostile nesting must not recurse)."""
    out: list[Node] = []
    stack: list[tuple[Node, int]] = [(c, 0) for c in reversed(node.children)]
    while stack:
        c, depth = stack.pop()
        if c.tag not in _WRAPPERS:
            out.append(c)
        elif depth >= MAX_WRAPPER_DEPTH:
            raise MalformedFile(
                N_("{path}: line {line}: <{tag}> nested more than {depth} deep").format(
                    path=path, line=c.line, tag=c.tag, depth=MAX_WRAPPER_DEPTH
                )
            )
        else:
            stack.extend((g, depth + 1) for g in reversed(c.children))
    return out


def _read_entry(
    entry: Node, lang_tag: str, path: Source, skipped: list[str], derive: bool, renamed: list[tuple[str, str]]
) -> ConceptData:
    where = N_("{path}: line {line}: <{tag}>").format(path=path, line=entry.line, tag=entry.tag)
    given = entry.attrs.get("id", "")
    if derive:
        cid = "(no id)"
    elif _is_v3_id_of(given.strip()):
        cid = given.strip()[1:]
    elif given.strip() and not _is_concept_id(given):
        cid = safe_id(given.strip())
        renamed.append((given.strip(), cid))
    else:
        cid = check_concept_id(given, where)
    concept = ConceptData(cid)
    codes: list[int] = []
    notes: list[str] = []
    for c in _flat(entry, path):
        kind = c.attrs.get("type")
        note_code = _note_code(c.text) if c.tag == "note" else None
        if c.tag == "descrip" and kind == "subjectField":
            concept.domain = c.text.strip()
        elif c.tag in ("descrip", "admin") and kind == "reliabilityCode":
            codes.append(_reliability(c, path))
        elif note_code is not None:
            codes.append(note_code)
        elif c.tag == "note" and c.text.strip():
            notes.append(c.text.strip())
    concept.note = "; ".join(notes)
    check_fields(concept, where)
    term_codes: list[int] = []
    for lang_sec in entry.find_all(lang_tag):
        tag = lang_sec.lang()
        # Any code the registry knows for one of our languages (case and _/- do not matter); a tag it
        # does not list (zh-TW, zh-Hant: Traditional Chinese) is skipped.
        lang = from_code(tag) if tag else None
        if not tag:
            raise MalformedFile(
                N_("{path}: line {line}: <{tag}> has no xml:lang").format(
                    path=path, line=lang_sec.line, tag=lang_tag
                )
            )
        if lang is None:
            skipped.append(tag)
            continue
        for term_sec in lang_sec.children:
            if term_sec.tag in ("termSec", "tig", "ntig"):
                term_codes += _read_term(concept, lang, term_sec, path)
    if not concept.terms:
        theirs = sorted({s.lang() for s in entry.find_all(lang_tag) if s.lang()})
        if theirs:
            raise MalformedFile(
                N_("{where} {concept!r} has no {languages} term (its languages: {tags})").format(
                    where=where, concept=given.strip() or cid, languages=names_of(ALL), tags=", ".join(theirs)
                )
            )
        raise MalformedFile(
            N_("{where} {concept!r} has no {languages} term").format(
                where=where, concept=cid, languages=names_of(ALL)
            )
        )
    if derive:
        concept.concept = derived_id(concept.terms)
    codes = codes or term_codes
    # No reliability anywhere means nobody vouched for the terms: show them as unverified.
    concept.confidence = _confidence(min(codes)) if codes else "low"
    return concept


def _read_term(concept: ConceptData, lang: str, term_sec: Node, path: Source) -> list[int]:
    where = N_("{path}: line {line}: <{tag}>").format(path=path, line=term_sec.line, tag=term_sec.tag)
    parts = _flat(term_sec, path)
    terms = [c for c in parts if c.tag == "term"]
    if not terms or not terms[0].text.strip():
        raise MalformedFile(N_("{where} has no <term> text").format(where=where))
    status = "admitted"  # TBX's default when a term carries no status
    codes = []
    for c in parts:
        kind = c.attrs.get("type")
        if c.tag == "termNote" and kind == "administrativeStatus":
            value = c.text.strip()
            found = status_of(value)
            if found is None:
                raise MalformedFile(
                    N_(
                        '{path}: line {line}: <termNote type="administrativeStatus"> has unknown value {value!r} '
                        "(expected one of: {expected})"
                    ).format(path=path, line=c.line, value=value, expected=", ".join(ADMIN_STATUS.values()))
                )
            status = found
        elif c.tag in ("descrip", "termNote", "admin") and kind == "reliabilityCode":
            codes.append(_reliability(c, path))
    add_term(concept, TermData(lang, terms[0].text, status), where)
    return codes


def status_of(value: str) -> str | None:
    """Our status for an administrativeStatus value, or None."""
    return _STATUS_OF.get(_STATUS_SUFFIX.sub("", value.strip().lower(), count=1))


def _code(value: str) -> int | None:
    """A reliability code (1-10, or high/medium/low), or None."""
    if value in RELIABILITY:
        return RELIABILITY[value]
    if value.isdigit() and len(value) <= 2 and 1 <= int(value) <= 10:
        return int(value)
    return None


def _note_code(text: str) -> int | None:
    """The code of a v3 reliability note (`reliabilityCode: 9`); None for any other note, which stays a note."""
    found = _RELIABILITY_NOTE.fullmatch(text.strip())
    return _code(found.group(1)) if found else None


def _reliability(node: Node, path: Source) -> int:
    value = node.text.strip()
    code = _code(value)
    if code is not None:
        return code
    raise MalformedFile(
        N_('{path}: line {line}: <{tag} type="reliabilityCode"> must be 1-10, not {value!r}').format(
            path=path, line=node.line, tag=node.tag, value=value[:20]
        )
    )


def _confidence(code: int) -> str:
    return "low" if code <= 4 else "medium" if code <= 7 else "high"


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def write_tbx(concepts: Iterable[ConceptData], title: str = "Trilingo border glossary") -> str:
    """Deterministic TBX v3 text: the same glossary always gives the same bytes."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        *XML_MODELS,
        f'<tbx type="TBX-Basic" style="dca" xml:lang="{_x(TBX_LANG[SOURCE])}" xmlns="{NAMESPACE}">',
        "  <tbxHeader>",
        "    <fileDesc>",
        f"      <sourceDesc><p>{_x(title)}</p></sourceDesc>",
        "    </fileDesc>",
        "  </tbxHeader>",
        "  <text>",
        "    <body>",
    ]
    for c in concepts:
        lines += _entry(c, "conceptEntry", "langSec", "termSec", v3=True)
    lines += ["    </body>", "  </text>", "</tbx>", ""]
    return "\n".join(lines)


def write_tbx2(concepts: Iterable[ConceptData], title: str = "Trilingo border glossary") -> str:
    """Deterministic TBX v2 (martif) text, as translate-toolkit and Weblate read it; same fields as v3."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        V2_DOCTYPE,
        f'<martif type="TBX" xml:lang="{_x(TBX_LANG[SOURCE])}">',
        "  <martifHeader>",
        "    <fileDesc>",
        f"      <sourceDesc><p>{_x(title)}</p></sourceDesc>",
        "    </fileDesc>",
        "  </martifHeader>",
        "  <text>",
        "    <body>",
    ]
    for c in concepts:
        lines += _entry(c, "termEntry", "langSet", "tig", v3=False)
    lines += ["    </body>", "  </text>", "</martif>", ""]
    return "\n".join(lines)


def _entry(c: ConceptData, entry_tag: str, lang_tag: str, term_tag: str, v3: bool) -> list[str]:
    """One concept: v3 names its parts conceptEntry/langSec/termSec, v2 termEntry/langSet/tig; v3 (TBX-Basic)
    gives the reliability code as a note, v2 as a descrip."""
    lines = [f'      <{entry_tag} id="{_x(v3_id(c.concept) if v3 else c.concept)}">']
    if c.domain:
        lines.append(f'        <descrip type="subjectField">{_x(c.domain)}</descrip>')
    code = RELIABILITY[c.confidence]
    if v3:
        lines.append(f"        <note>{RELIABILITY_NOTE}{code}</note>")
    else:
        lines.append(f'        <descrip type="reliabilityCode">{code}</descrip>')
    if c.note:
        lines.append(f"        <note>{_x(c.note)}</note>")
    terms = c.sorted_terms()
    for lang in ALL:
        mine = [t for t in terms if t.lang == lang]
        if not mine:
            continue
        lines.append(f'        <{lang_tag} xml:lang="{_x(TBX_LANG[lang])}">')
        for t in mine:
            lines += [
                f"          <{term_tag}>",
                f"            <term>{_x(t.text)}</term>",
                f'            <termNote type="administrativeStatus">{ADMIN_STATUS[t.status]}</termNote>',
                f"          </{term_tag}>",
            ]
        lines.append(f"        </{lang_tag}>")
    lines.append(f"      </{entry_tag}>")
    return lines
