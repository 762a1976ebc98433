"""Glossary concepts and terms as plain data: what files are read into and written from.

A concept has a stable id, a domain, a confidence and a note, and terms in each of the languages
(trilingo.languages: Vietnamese, Lao and Chinese as shipped), each with its own status. The database
(glossary.models), the files (csvio, tbx) and the matcher all speak this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trilingo.glossary.errors import MalformedFile, TermConflict
from trilingo.i18n import N_
from trilingo.languages import ALL
from trilingo.text.clean import clean_line, forbidden_char, text_problem
from trilingo.text.keys import match_key

LANGS = ALL  # the source first, then the targets: the order of columns and of a concept's languages
# Listed best first: the order a concept's terms are written in, and which term wins a tie.
STATUSES = ("preferred", "admitted", "superseded", "forbidden")
CONFIDENCES = ("high", "medium", "low")
_CONCEPT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class TermData:
    lang: str
    text: str
    status: str


@dataclass
class ConceptData:
    concept: str
    domain: str = ""
    confidence: str = "low"
    note: str = ""
    terms: list[TermData] = field(default_factory=list)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy, kept in the change log so `impact` can see what a term used to be."""
        return {
            "domain": self.domain,
            "confidence": self.confidence,
            "note": self.note,
            "terms": [[t.lang, t.text, t.status] for t in self.terms],
        }

    def sorted_terms(self) -> list[TermData]:
        """Terms best status first, keeping their order within a status (the order files use)."""
        return sorted(self.terms, key=lambda t: STATUSES.index(t.status))


def check_concept_id(value: str, where: str) -> str:
    value = value.strip()
    if not value:
        raise MalformedFile(N_("{where}: empty concept id").format(where=where))
    if not _CONCEPT_ID.fullmatch(value):
        raise MalformedFile(
            N_("{where}: bad concept id {value!r} (use letters, digits, '.', '_' and '-')").format(
                where=where, value=value
            )
        )
    return value


def check_status(value: str, where: str) -> str:
    value = value.strip()
    if value not in STATUSES:
        raise MalformedFile(
            N_("{where}: unknown status {value!r} (expected one of: {expected})").format(
                where=where, value=value, expected=", ".join(STATUSES)
            )
        )
    return value


def check_confidence(value: str, where: str) -> str:
    value = value.strip()
    if value not in CONFIDENCES:
        raise MalformedFile(
            N_("{where}: unknown confidence {value!r} (expected one of: {expected})").format(
                where=where, value=value, expected=", ".join(CONFIDENCES)
            )
        )
    return value


def add_term(concept: ConceptData, term: TermData, where: str) -> None:
    """Add a term, refusing duplicates and a second preferred term in one language."""
    if bad := forbidden_char(term.text):
        raise MalformedFile(
            N_("{where}: {lang} term contains the control character {bad}").format(
                where=where, lang=term.lang, bad=bad
            )
        )
    text = clean_line(term.text)
    if not text:
        raise MalformedFile(N_("{where}: empty {lang} term").format(where=where, lang=term.lang))
    key = match_key(text, term.lang)
    for other in concept.terms:
        if other.lang != term.lang:
            continue
        if match_key(other.text, other.lang) == key:
            raise MalformedFile(
                N_("{where}: concept {concept!r} lists the {lang} term {text!r} twice").format(
                    where=where, concept=concept.concept, lang=term.lang, text=text
                )
            )
        if term.status == "preferred" and other.status == "preferred":
            raise TermConflict(
                N_(
                    "{where}: concept {concept!r} has two preferred {lang} terms "
                    "({other!r} and {text!r}); make one of them admitted"
                ).format(where=where, concept=concept.concept, lang=term.lang, other=other.text, text=text)
            )
    concept.terms.append(TermData(term.lang, text, term.status))


def check_fields(concept: ConceptData, where: str) -> None:
    """The concept's own text (domain, note) follows the same rules as its terms."""
    for name, value in (("domain", concept.domain), ("note", concept.note)):
        if problem := text_problem(value):
            raise MalformedFile(
                N_("{where}: {name}: {problem} is not allowed").format(
                    where=where, name=name, problem=problem
                )
            )


def confidence_label(confidence: str) -> str:
    """What a reviewer sees next to a term: nothing for high, a warning for medium and low."""
    return (
        ""
        if confidence == "high"
        else N_("{confidence} confidence, unverified").format(confidence=confidence)
    )
