"""The glossary in the database: load, import, add and export, each change one new version.

A change set (the starter glossary, one import, one `add`) is written in the caller's transaction
and bumps the version once; GlossaryChange keeps each touched concept before and after, which is
what `impact` reads. Imports merge: concepts in the file replace those with the same id, the rest
stay. A file is parsed and checked completely before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from trilingo.access import check_scope
from trilingo.errors import Conflict
from trilingo.glossary.csvio import read_csv, write_csv
from trilingo.glossary.entries import ConceptData, TermData, add_term, check_concept_id
from trilingo.glossary.errors import GlossaryError, MalformedFile
from trilingo.glossary.files import file_format
from trilingo.glossary.match import Glossary, Match
from trilingo.glossary.models import GlossaryChange, GlossaryConcept, GlossaryTerm, GlossaryVersion
from trilingo.glossary.tbx import read_tbx, write_tbx, write_tbx2
from trilingo.i18n import N_
from trilingo.languages import ALL, LANGUAGES, SOURCE, TARGETS
from trilingo.people import authorize
from trilingo.store.audit import record
from trilingo.text.files import Source

STARTER = "border-glossary.csv"


@dataclass
class ImportSummary:
    file: str
    format: str
    version: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped_langs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def starter_path() -> Path:
    return Path(str(resources.files("trilingo.glossary").joinpath("data", STARTER)))


def current_version(session: Session) -> int:
    return session.exec(select(func.max(GlossaryVersion.version))).one() or 0


def concepts(session: Session) -> list[ConceptData]:
    """Every concept with its terms, in the order they arrived."""
    rows = session.exec(select(GlossaryConcept).order_by(col(GlossaryConcept.id))).all()
    out = {r.id: ConceptData(r.concept, r.domain, r.confidence, r.note) for r in rows}
    for t in session.exec(select(GlossaryTerm).order_by(col(GlossaryTerm.id))).all():
        out[t.concept_id].terms.append(TermData(t.lang, t.text, t.status))
    return list(out.values())


def load(session: Session) -> Glossary:
    """The matcher for the current version."""
    return Glossary(concepts(session), current_version(session))


def load_starter(session: Session, actor: str) -> int:
    """Load the shipped border glossary if the glossary was never set up; return the version.

    Only workspace initialisation calls this (trilingo.workspace): reads never seed."""
    if current_version(session) == 0 and session.exec(select(GlossaryConcept.id).limit(1)).first() is None:
        _apply(session, read_csv(starter_path()), actor, "starter", STARTER)
    return current_version(session)


@dataclass
class ParsedFile:
    format: str  # csv | tbx
    concepts: list[ConceptData]
    skipped_langs: list[str] = field(default_factory=list)  # language tags that are none of ours
    warnings: list[str] = field(default_factory=list)


def read_file(path: Source) -> ParsedFile:
    """Parse a CSV or TBX file completely."""
    fmt = file_format(path)
    warnings: list[str] = []
    if fmt == "csv":
        parsed = ParsedFile(fmt, read_csv(path, warnings), warnings=warnings)
    else:
        found, skipped = read_tbx(path, warnings)
        parsed = ParsedFile(fmt, found, skipped, warnings)
    if (
        not parsed.concepts
    ):  # a header alone, or an empty <body>, is a mistake, not a glossary with nothing in it
        raise MalformedFile(N_("{path}: no glossary entries").format(path=path))
    for concept in parsed.concepts:
        check_has_source(concept, str(path))
    return parsed


def check_has_source(concept: ConceptData, where: str) -> None:
    """A concept is found in a notice by its source-language (Vietnamese) terms: one without any would
    never match."""
    if not any(t.lang == SOURCE for t in concept.terms):
        name = LANGUAGES[SOURCE].name
        raise MalformedFile(
            N_(
                "{where}: concept {concept!r} has no {name} term; the glossary finds a concept by "
                "its {name}, so give it one"
            ).format(where=where, concept=concept.concept, name=name)
        )


def import_file(session: Session, path: Source, actor: str) -> ImportSummary:
    """Merge a CSV or TBX (v2 or v3) file into the glossary: all of it, or nothing."""
    authorize(session, actor, "glossary")
    parsed = read_file(path)
    summary = _apply(session, parsed.concepts, actor, "import", path.name)
    summary.file, summary.format = str(path), parsed.format
    summary.skipped_langs, summary.warnings = parsed.skipped_langs, parsed.warnings
    return summary


def add(
    session: Session,
    actor: str,
    concept: str,
    terms: list[TermData],
    domain: str | None = None,
    confidence: str | None = None,
    note: str | None = None,
) -> ImportSummary:
    """Add terms to a concept (created if new); fields given replace the concept's."""
    authorize(session, actor, "glossary")
    if not terms and domain is None and confidence is None and note is None:
        options = ", ".join(f"--{lang}" for lang in ALL)
        raise GlossaryError(
            N_("nothing to add: give a term ({options}) or a field to change").format(options=options)
        )
    concept = check_concept_id(concept, "glossary add")
    existing = {c.concept: c for c in concepts(session)}
    old = existing.get(concept)
    data = ConceptData(concept, *(old.domain, old.confidence, old.note) if old else ("", "low", ""))
    data.terms = list(old.terms) if old else []
    data.domain = data.domain if domain is None else domain.strip()
    data.confidence = data.confidence if confidence is None else confidence
    data.note = data.note if note is None else note.strip()
    for t in terms:
        add_term(data, t, f"glossary add {concept}")
    if not data.terms:
        raise GlossaryError(N_("concept {concept!r} needs at least one term").format(concept=concept))
    check_has_source(data, "glossary add")
    described = ", ".join(f"{t.lang} {t.text!r} ({t.status})" for t in terms) or "fields"
    summary = _apply(session, [data], actor, "add", f"{concept}: {described}")
    summary.format = "add"
    return summary


EXPORT_FORMATS = ("csv", "tbx", "tbx3", "tbx2")  # tbx is TBX v3; tbx2 the martif dialect


def export(session: Session, fmt: str) -> str:
    """The whole glossary as CSV, TBX v3 (tbx, tbx3) or TBX v2 (tbx2) text."""
    if fmt == "csv":
        return write_csv(concepts(session))
    if fmt in ("tbx", "tbx3"):
        return write_tbx(concepts(session))
    if fmt == "tbx2":
        return write_tbx2(concepts(session))
    raise GlossaryError(
        N_("unknown export format {fmt!r} (expected one of: {expected})").format(
            fmt=fmt, expected=", ".join(EXPORT_FORMATS)
        )
    )


def _apply(
    session: Session, incoming: list[ConceptData], actor: str, action: str, source: str
) -> ImportSummary:
    rows = {r.concept: r for r in session.exec(select(GlossaryConcept)).all()}
    existing = {c.concept: c for c in concepts(session)}
    version = current_version(session)
    summary = ImportSummary(source, action, version)
    todo: list[tuple[ConceptData | None, ConceptData]] = []
    for c in incoming:
        old = existing.get(c.concept)
        if old is not None and old.snapshot() == c.snapshot():
            summary.unchanged += 1
        else:
            todo.append((old, c))
    if not todo:
        return summary
    if action != "starter":  # the shipped glossary, loaded once as the workspace is made
        _check_scope(session, actor, todo)
    version += 1
    summary.version = version
    summary.added = [c.concept for old, c in todo if old is None]
    summary.changed = [c.concept for old, c in todo if old is not None]
    session.add(
        GlossaryVersion(
            version=version,
            actor=actor,
            action=action,
            source=source,
            summary={"added": len(summary.added), "changed": len(summary.changed)},
        )
    )
    try:
        session.flush()
    except IntegrityError:  # another change took this version number first: like any lost race, exit 10
        raise Conflict(
            N_("the glossary changed while this change was being saved; nothing was saved. Try again")
        ) from None
    for old, c in todo:
        row = rows.get(c.concept) or GlossaryConcept(concept=c.concept)
        row.domain, row.confidence, row.note, row.version = c.domain, c.confidence, c.note, version
        session.add(row)
        session.flush()
        session.exec(delete(GlossaryTerm).where(col(GlossaryTerm.concept_id) == row.id))
        assert row.id is not None
        session.add_all(
            GlossaryTerm(concept_id=row.id, lang=t.lang, text=t.text, status=t.status) for t in c.terms
        )
        session.add(
            GlossaryChange(
                version=version,
                concept=c.concept,
                action="added" if old is None else "changed",
                old=old.snapshot() if old else None,
                new=c.snapshot(),
            )
        )
    session.flush()
    record(
        session,
        actor,
        "glossary",
        version=version,
        how=action,
        source=source,
        added=summary.added,
        changed=summary.changed,
    )
    return summary


def touched(old: ConceptData | None, new: ConceptData) -> set[str]:
    """The target languages a change to a concept concerns: its terms in one target language alone
    concern that language; a new concept, a changed source term or changed concept fields concern every
    language."""
    if old is None or (old.domain, old.confidence, old.note) != (new.domain, new.confidence, new.note):
        return set(TARGETS)
    before = {(t.lang, t.text, t.status) for t in old.terms}
    after = {(t.lang, t.text, t.status) for t in new.terms}
    langs = {lang for lang, _text, _status in before ^ after}
    return set(TARGETS) if SOURCE in langs else langs


def _check_scope(session: Session, actor: str, todo: list[tuple[ConceptData | None, ConceptData]]) -> None:
    """Refuse the whole change if any concept in it is outside the actor's languages."""
    user = authorize(session, actor, "glossary")
    needed: set[str] = set()
    outside: list[str] = []
    for old, new in todo:
        langs = touched(old, new)
        needed |= langs
        if not langs <= set(user.langs):
            outside.append(new.concept)
    if outside:
        listed = ", ".join(outside[:5])
        if len(outside) > 5:
            what = N_("concept(s) {listed} and {count} more").format(listed=listed, count=len(outside) - 5)
        else:
            what = N_("concept(s) {listed}").format(listed=listed)
        check_scope(actor, user.role, user.langs, sorted(needed), "glossary", what)


def lookup(session: Session, text: str, lang: str) -> tuple[Glossary, list[Match]]:
    """The current glossary and the terms it finds in `text`."""
    glossary = load(session)
    return glossary, glossary.annotate(text, lang)
