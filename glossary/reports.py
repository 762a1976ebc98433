"""Glossary reports over stored translations: `check` (approved text against the glossary) and
`impact` (drafts made with an older glossary version whose terms have changed since)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from trilingo.glossary.entries import ConceptData, TermData
from trilingo.glossary.match import Glossary
from trilingo.glossary.models import GlossaryChange
from trilingo.glossary.protect import check
from trilingo.glossary.store import current_version, load
from trilingo.languages import SOURCE
from trilingo.store.models import Document, DocumentVersion, Segment, SegmentState, Translation


@dataclass
class Finding:
    document: str
    segment: int
    lang: str
    warning: str


@dataclass
class Impact:
    document: str
    segment: int
    lang: str
    state: str
    draft_version: int
    concepts: list[str]
    source: str


def _current_rows(session: Session, *conditions: Any) -> list[tuple[Translation, Segment, Document]]:
    """Translations of the current version of each document, in document and segment order."""
    query = (
        select(Translation, Segment, Document)
        .join(Segment, col(Segment.id) == Translation.segment_id)
        .join(DocumentVersion, col(DocumentVersion.id) == Segment.version_id)
        .join(Document, col(Document.id) == DocumentVersion.document_id)
        .where(col(DocumentVersion.number) == Document.current_version, *conditions)
        .order_by(col(Document.slug), col(Segment.n), col(Translation.lang))
    )
    return [(tr, seg, doc) for tr, seg, doc in session.exec(query).all()]


def check_approved(session: Session, lang: str | None = None) -> list[Finding]:
    """Approved translations that miss a required term or use a forbidden one."""
    glossary = load(session)
    conditions = [col(Translation.state) == SegmentState.APPROVED, col(Translation.target).is_not(None)]
    if lang:
        conditions.append(col(Translation.lang) == lang)
    findings = []
    for tr, seg, doc in _current_rows(session, *conditions):
        for warning in check(tr.target or "", seg.source, SOURCE, tr.lang, glossary):
            findings.append(Finding(doc.slug, seg.n, tr.lang, warning))
    return findings


def impact(session: Session) -> tuple[int, list[Impact]]:
    """(current version, drafts made with an older version whose source has a term changed since)."""
    version = current_version(session)
    rows = _current_rows(
        session, col(Translation.glossary_version).is_not(None), col(Translation.glossary_version) < version
    )
    matchers: dict[int, Glossary] = {}
    out = []
    for tr, seg, doc in rows:
        draft = tr.glossary_version or 0
        if draft not in matchers:
            matchers[draft] = _changed_since(session, draft)
        concepts = sorted({m.concept for m in matchers[draft].annotate(seg.source, SOURCE)})
        if concepts:
            out.append(Impact(doc.slug, seg.n, tr.lang, tr.state, draft, concepts, seg.source))
    return version, out


def _changed_since(session: Session, version: int) -> Glossary:
    """A matcher over the Vietnamese terms, old and new, of every concept changed after `version`."""
    changes = session.exec(select(GlossaryChange).where(col(GlossaryChange.version) > version)).all()
    by_concept: dict[str, ConceptData] = {}
    for ch in changes:
        c = by_concept.setdefault(ch.concept, ConceptData(ch.concept))
        for snap in (ch.old, ch.new):
            for lang, text, _status in (snap or {}).get("terms", []):
                if lang == SOURCE and all(t.text != text for t in c.terms):
                    # Statuses do not matter here: any spelling the source may use should count.
                    c.terms.append(TermData(lang, text, "admitted"))
    return Glossary(by_concept.values())
