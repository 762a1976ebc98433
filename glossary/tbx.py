"""The glossary as TBX: written as TBX v3 (TBX-Basic, DCA style); read from v3 and v2 (martif).

v3: tbx/text/body/conceptEntry/langSec/termSec. v2: martif/text/body/termEntry/langSet/(n)tig.
Domain is `descrip type="subjectField"`, the note is `note`, confidence is
`descrip type="reliabilityCode"` (high 9, medium 6, low 3; 1-4 reads as low, 5-7 medium, 8-10 high),
and each term's status is its `administrativeStatus`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from trilingo.glossary.entries import ConceptData, TermData, add_term, check_concept_id, check_fields
from trilingo.glossary.errors import MalformedFile
from trilingo.glossary.files import read_text
from trilingo.glossary.xmltree import Node, parse

NAMESPACE = "urn:iso:std:iso:30042:ed-2"
ADMIN_STATUS = {
    "preferred": "preferredTerm-admn-sts",
    "admitted": "admittedTerm-admn-sts",
    "forbidden": "deprecatedTerm-admn-sts",
    "superseded": "supersededTerm-admn-sts",
}
_STATUS_OF = {v: k for k, v in ADMIN_STATUS.items()}
_STATUS_OF["notRecommendedTerm-admn-sts"] = "forbidden"  # the closest of our statuses: keep it out
RELIABILITY = {"high": 9, "medium": 6, "low": 3}
# Language tags we take, by lower-cased tag; Traditional Chinese is not our zh and is skipped.
_LANG_TAGS = {
    "vi": "vi",
    "vi-vn": "vi",
    "lo": "lo",
    "lo-la": "lo",
    "zh": "zh",
    "zh-cn": "zh",
    "zh-hans": "zh",
    "zh-hans-cn": "zh",
    "zh-sg": "zh",
}


def read_tbx(path: Path) -> tuple[list[ConceptData], list[str]]:
    """Concepts, and the language tags skipped (not vi, lo or Simplified Chinese)."""
    root = parse(path, read_text(path))
    if root.tag == "tbx":
        entry_tag, lang_tag = "conceptEntry", "langSec"
    elif root.tag == "martif":
        entry_tag, lang_tag = "termEntry", "langSet"
    else:
        raise MalformedFile(
            f"{path}: line {root.line}: <{root.tag}> is not a TBX root (expected <tbx> or <martif>)"
        )
    body = _child(_child(root, "text", path), "body", path)
    concepts: dict[str, ConceptData] = {}
    skipped: list[str] = []
    for entry in body.find_all(entry_tag):
        concept = _read_entry(entry, lang_tag, path, skipped)
        where = f"{path}: line {entry.line}: <{entry_tag}>"
        if concept.concept in concepts:
            raise MalformedFile(f"{where} id {concept.concept!r} appears twice")
        concepts[concept.concept] = concept
    return list(concepts.values()), sorted(set(skipped))


def _child(node: Node, tag: str, path: Path) -> Node:
    found = node.find_all(tag)
    if not found:
        raise MalformedFile(f"{path}: line {node.line}: <{node.tag}> has no <{tag}>")
    return found[0]


_WRAPPERS = ("descripGrp", "adminGrp", "termGrp", "termNoteGrp")
MAX_WRAPPER_DEPTH = 16


def _flat(node: Node, path: Path) -> list[Node]:
    """Children, with v2 descripGrp/adminGrp wrappers opened (iteratively: hostile nesting must not recurse)."""
    out: list[Node] = []
    stack: list[tuple[Node, int]] = [(c, 0) for c in reversed(node.children)]
    while stack:
        c, depth = stack.pop()
        if c.tag not in _WRAPPERS:
            out.append(c)
        elif depth >= MAX_WRAPPER_DEPTH:
            raise MalformedFile(f"{path}: line {c.line}: <{c.tag}> nested more than {MAX_WRAPPER_DEPTH} deep")
        else:
            stack.extend((g, depth + 1) for g in reversed(c.children))
    return out


def _read_entry(entry: Node, lang_tag: str, path: Path, skipped: list[str]) -> ConceptData:
    where = f"{path}: line {entry.line}: <{entry.tag}>"
    cid = check_concept_id(entry.attrs.get("id", ""), where)
    concept = ConceptData(cid)
    codes: list[int] = []
    notes: list[str] = []
    for c in _flat(entry, path):
        kind = c.attrs.get("type")
        if c.tag == "descrip" and kind == "subjectField":
            concept.domain = c.text.strip()
        elif c.tag in ("descrip", "admin") and kind == "reliabilityCode":
            codes.append(_reliability(c, path))
        elif c.tag == "note" and c.text.strip():
            notes.append(c.text.strip())
    concept.note = "; ".join(notes)
    check_fields(concept, where)
    term_codes: list[int] = []
    for lang_sec in entry.find_all(lang_tag):
        tag = lang_sec.lang()
        lang = _LANG_TAGS.get(tag.lower())
        if not tag:
            raise MalformedFile(f"{path}: line {lang_sec.line}: <{lang_tag}> has no xml:lang")
        if lang is None:
            skipped.append(tag)
            continue
        for term_sec in lang_sec.children:
            if term_sec.tag in ("termSec", "tig", "ntig"):
                term_codes += _read_term(concept, lang, term_sec, path)
    if not concept.terms:
        raise MalformedFile(f"{where} {cid!r} has no vi, lo or zh term")
    codes = codes or term_codes
    # No reliability anywhere means nobody vouched for the terms: show them as unverified.
    concept.confidence = _confidence(min(codes)) if codes else "low"
    return concept


def _read_term(concept: ConceptData, lang: str, term_sec: Node, path: Path) -> list[int]:
    where = f"{path}: line {term_sec.line}: <{term_sec.tag}>"
    parts = _flat(term_sec, path)
    terms = [c for c in parts if c.tag == "term"]
    if not terms or not terms[0].text.strip():
        raise MalformedFile(f"{where} has no <term> text")
    status = "admitted"  # TBX's default when a term carries no status
    codes = []
    for c in parts:
        kind = c.attrs.get("type")
        if c.tag == "termNote" and kind == "administrativeStatus":
            value = c.text.strip()
            if value not in _STATUS_OF:
                raise MalformedFile(
                    f'{path}: line {c.line}: <termNote type="administrativeStatus"> has unknown value {value!r} '
                    f"(expected one of: {', '.join(ADMIN_STATUS.values())})"
                )
            status = _STATUS_OF[value]
        elif c.tag in ("descrip", "termNote", "admin") and kind == "reliabilityCode":
            codes.append(_reliability(c, path))
    add_term(concept, TermData(lang, terms[0].text, status), where)
    return codes


def _reliability(node: Node, path: Path) -> int:
    value = node.text.strip()
    if value in RELIABILITY:
        return RELIABILITY[value]
    if value.isdigit() and len(value) <= 2 and 1 <= int(value) <= 10:
        return int(value)
    raise MalformedFile(
        f'{path}: line {node.line}: <{node.tag} type="reliabilityCode"> must be 1-10, not {value[:20]!r}'
    )


def _confidence(code: int) -> str:
    return "low" if code <= 4 else "medium" if code <= 7 else "high"


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def write_tbx(concepts: Iterable[ConceptData], title: str = "Trilingo border glossary") -> str:
    """Deterministic TBX v3 text: the same glossary always gives the same bytes."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<tbx type="TBX-Basic" style="dca" xml:lang="vi" xmlns="{NAMESPACE}">',
        "  <tbxHeader>",
        "    <fileDesc>",
        f"      <sourceDesc><p>{_x(title)}</p></sourceDesc>",
        "    </fileDesc>",
        "  </tbxHeader>",
        "  <text>",
        "    <body>",
    ]
    for c in concepts:
        lines.append(f'      <conceptEntry id="{_x(c.concept)}">')
        if c.domain:
            lines.append(f'        <descrip type="subjectField">{_x(c.domain)}</descrip>')
        lines.append(f'        <descrip type="reliabilityCode">{RELIABILITY[c.confidence]}</descrip>')
        if c.note:
            lines.append(f"        <note>{_x(c.note)}</note>")
        terms = c.sorted_terms()
        for lang in ("vi", "lo", "zh"):
            mine = [t for t in terms if t.lang == lang]
            if not mine:
                continue
            lines.append(f'        <langSec xml:lang="{lang}">')
            for t in mine:
                lines += [
                    "          <termSec>",
                    f"            <term>{_x(t.text)}</term>",
                    f'            <termNote type="administrativeStatus">{ADMIN_STATUS[t.status]}</termNote>',
                    "          </termSec>",
                ]
            lines.append("        </langSec>")
        lines.append("      </conceptEntry>")
    lines += ["    </body>", "  </text>", "</tbx>", ""]
    return "\n".join(lines)
