"""Offline review with gettext PO files (Poedit, Weblate, Lokalize).

Export: one entry per segment of each document-language, `msgctxt` = "slug|vN|sM" (document, version,
segment). Everything not yet approved is flagged fuzzy, so an approval is always a person's act of
un-fuzzying an entry. Translator comments carry the glossary hits, the checks and memory suggestions;
the extracted comment `trilingo-rev: N` is the segment's row version, so an entry changed by somebody
else after the export is refused instead of overwriting their edit.

Import: edits go through the same permissions and checks as `review edit`; document-languages whose
entries are all no longer fuzzy are approved when the user may approve them. A malformed file changes
nothing and is reported with its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polib
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from trilingo.errors import InputError, TrilingoError
from trilingo.glossary.store import load
from trilingo.i18n import N_
from trilingo.languages import LANGUAGES, TARGETS, check_target, from_code, names_of
from trilingo.people import authorize
from trilingo.review import actions, checks
from trilingo.review.states import QUEUED
from trilingo.store.models import (
    DocLang,
    DocState,
    Document,
    DocumentVersion,
    Segment,
    SegmentState,
    Translation,
    utcnow,
)
from trilingo.text.files import Source, decode_utf8, read_input

# The header's Language for each target: its `po` code in the registry (lo and zh_CN as shipped). On
# import any code the registry knows for a target is taken (its aliases: lo_LA, zh_Hans, zh …).
PO_LANGUAGE = {code: LANGUAGES[code].po for code in TARGETS}
# Neither Lao nor Chinese inflects nouns for number; and an entry is a segment, never a plural one.
PLURAL_FORMS = "nplurals=1; plural=0;"
MAX_PO_BYTES = 50 * 1024 * 1024
STATES = {"waiting": QUEUED, "all": tuple(DocState)}
_CONTEXT = re.compile(r"^(?P<slug>[^|]+)\|v(?P<version>\d{1,9})\|s(?P<n>\d{1,6})$")
_REV = re.compile(r"^trilingo-rev:\s*(\S*)\s*$", re.M)
MAX_REV = 2**31 - 1


class POError(InputError):
    """The PO file is malformed; nothing was imported."""


def export(
    session: Session,
    lang: str,
    actor: str,
    state: str = "waiting",
    now: datetime | None = None,
    limits: Mapping[str, int] | None = None,
) -> str:
    """The PO text for `lang`: the segments of every document-language in `state` (waiting, all), with
    their checks (`limits`: the workspace's channel limits, else the defaults)."""
    check_target(lang)
    authorize(session, actor, "read")
    if state not in STATES:
        raise InputError(
            N_("unknown state {state!r} (expected one of: {expected})").format(
                state=state, expected=", ".join(STATES)
            )
        )
    now = now or utcnow()
    po = polib.POFile(wrapwidth=0)
    po.header = (
        f"Trilingo: {lang} translations to review, exported by {actor}.\n"
        "Confirm an entry by clearing its fuzzy mark (Poedit: Needs work off); then import the file with\n"
        "`trilingo catalogs import FILE`. Entries whose source changed meanwhile are refused, not merged."
    )
    po.metadata = {
        "Project-Id-Version": "Trilingo border notices",
        "POT-Creation-Date": now.strftime("%Y-%m-%d %H:%M+0000"),
        "PO-Revision-Date": now.strftime("%Y-%m-%d %H:%M+0000"),
        "Last-Translator": actor,
        "Language-Team": f"Trilingo {lang} reviewers",
        "Language": PO_LANGUAGE[lang],
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": PLURAL_FORMS,
        "X-Generator": "Trilingo",
        "X-Trilingo-Exported-By": actor,
    }
    glossary = load(session)
    rows = session.execute(
        sa_select(
            col(Document.slug),
            col(DocumentVersion.number),
            col(Segment.n),
            col(Segment.source),
            col(Translation.target),
            col(Translation.state),
            col(Translation.hints),
            col(Translation.checks),
            col(Translation.dismissed),
            col(Translation.row_version),
            col(Translation.detail),
            col(DocLang.reason),
            col(Segment.kind),
            col(DocumentVersion.channels),
        )
        .select_from(DocLang)
        .join(Document, col(Document.id) == col(DocLang.document_id))
        .join(DocumentVersion, col(DocumentVersion.id) == col(DocLang.version_id))
        .join(Segment, col(Segment.version_id) == col(DocLang.version_id))
        .join(
            Translation,
            (col(Translation.segment_id) == col(Segment.id)) & (col(Translation.lang) == col(DocLang.lang)),
        )
        .where(col(DocLang.lang) == lang, col(DocLang.state).in_(STATES[state]))
        .order_by(col(DocLang.waiting_since), col(DocLang.document_id), col(Segment.n))
    ).all()
    for (
        slug,
        version,
        n,
        source,
        target,
        seg_state,
        hints,
        found,
        dismissed,
        rev,
        detail,
        reason,
        kind,
        channels,
    ) in rows:
        comments = []
        if n == 1 and reason:
            comments.append(f"Rejected: {reason}")
        for h in hints:
            if h["type"] == "term":
                note = f" — {h['note']}" if h.get("note") else ""
                comments.append(
                    f"Term: {h['source']} → {h['target'] or '?'} ({h['confidence']} confidence){note}"
                )
            elif h["type"] == "fuzzy":
                comments.append(f"Suggestion {h['score']:.0f}%: {h['target']}")
        stored = found or checks.as_stored(
            checks.for_segment(
                source,
                target,
                lang,
                glossary,
                kind=kind,
                channels=channels or [],
                limits=limits,
                detail=detail,
            )
        )
        for c in stored:
            if c["code"] in dismissed or c["code"] == "empty":
                continue
            level = "BLOCKS approval" if c["level"] == "block" else "warning"
            comments.append(f"Check {c['code']} ({level}): {c['message']}")
        entry = polib.POEntry(
            msgctxt=f"{slug}|v{version}|s{n}",
            msgid=source,
            msgstr=target or "",
            tcomment="\n".join(comments),
            comment=f"trilingo-rev: {rev}",
        )
        if target and seg_state != SegmentState.APPROVED:
            entry.flags.append("fuzzy")
        po.append(entry)
    return str(po)


@dataclass
class ImportReport:
    file: str
    lang: str
    entries: int = 0
    edited: int = 0
    unchanged: int = 0
    approved: list[str] = field(default_factory=list)
    not_approved: list[dict[str, str]] = field(default_factory=list)  # {document, reason}
    refused: list[dict[str, str]] = field(default_factory=list)  # {context, reason}


def import_file(
    session: Session,
    path: Source,
    actor: str,
    *,
    limits: Mapping[str, int] | None = None,
) -> ImportReport:
    """Apply a reviewed PO file as `actor`. Malformed: POError, nothing changed. Stale entries: refused."""
    text = decode_utf8(path, read_input(path, POError, MAX_PO_BYTES), POError)
    _check_syntax(path, text)
    try:
        po = polib.pofile(text, wrapwidth=0)
    except (OSError, ValueError) as exc:
        raise POError(f"{path}: {exc}") from None
    lang = _language(path, po)
    authorize(session, actor, "edit", lang)
    report = ImportReport(str(path), lang)
    by_doc: dict[str, list[tuple[polib.POEntry, int, int, int]]] = {}
    for entry in po:
        if entry.obsolete:
            continue
        slug, version, n = _context(path, entry)
        by_doc.setdefault(slug, []).append((entry, version, n, entry.linenum))
    refused_docs: set[str] = set()
    for slug, entries in by_doc.items():
        for entry, version, n, line in entries:
            report.entries += 1
            problem = _apply(session, slug, lang, entry, version, n, actor, limits, report)
            if problem:
                refused_docs.add(slug)
                report.refused.append({"context": entry.msgctxt, "line": str(line), "reason": problem})
    for slug, entries in by_doc.items():
        if slug in refused_docs:
            report.not_approved.append({"document": slug, "reason": N_("some of its entries were refused")})
            continue
        if any("fuzzy" in e.flags or not e.msgstr for e, *_ in entries):
            continue
        _approve(session, slug, lang, {n for _e, _v, n, _l in entries}, actor, limits, report)
    return report


def _apply(
    session: Session,
    slug: str,
    lang: str,
    entry: polib.POEntry,
    version: int,
    n: int,
    actor: str,
    limits: Mapping[str, int] | None,
    report: ImportReport,
) -> str | None:
    """Apply one entry; the reason it was refused, or None."""
    found = session.execute(
        sa_select(col(Segment.source), col(Translation.target), col(DocumentVersion.number))
        .select_from(Document)
        .join(DocLang, (col(DocLang.document_id) == col(Document.id)) & (col(DocLang.lang) == lang))
        .join(DocumentVersion, col(DocumentVersion.id) == col(DocLang.version_id))
        .join(Segment, (col(Segment.version_id) == col(DocLang.version_id)) & (col(Segment.n) == n))
        .join(Translation, (col(Translation.segment_id) == col(Segment.id)) & (col(Translation.lang) == lang))
        .where(col(Document.slug) == slug)
    ).first()
    if found is None:
        return N_("no segment {n} in the current version of {slug} [{lang}]").format(
            n=n, slug=slug, lang=lang
        )
    source, target, current = found
    if source != entry.msgid:
        if current != version:
            return N_("the source changed since the export (now version {current}); export again").format(
                current=current
            )
        return N_("the source changed since the export (changed); export again")
    if not entry.msgstr or entry.msgstr == target:
        report.unchanged += 1
        return None
    if version != current:
        # An edit is a compare-and-set on the version being worked on: an entry for another version (an
        # old export, or a made-up v99) cannot say what it would overwrite.
        return N_(
            "the entry is for version {version}, but {slug} is at version {current}; export again"
        ).format(version=version, slug=slug, current=current)
    revs = _REV.findall(entry.comment or "")
    if len(revs) != 1 or not re.fullmatch(r"[0-9]{1,10}", revs[0]) or not 1 <= int(revs[0]) <= MAX_REV:
        # Without the row version it was exported at, an edit could silently overwrite a newer one.
        return N_("its `#. trilingo-rev:` comment is missing or not a revision Trilingo wrote; export again")
    expected = int(revs[0])
    try:
        with session.begin_nested():
            actions.edit(session, slug, lang, n, entry.msgstr, actor, expected=expected, limits=limits)
    except TrilingoError as exc:
        return exc.message
    report.edited += 1
    return None


def _approve(
    session: Session,
    slug: str,
    lang: str,
    numbers: set[int],
    actor: str,
    limits: Mapping[str, int] | None,
    report: ImportReport,
) -> None:
    """Approve a document-language whose entries are all confirmed, if this user may; else say why not."""
    from trilingo.review.view import doclang
    from trilingo.store.documents import resolve_document

    doc = resolve_document(session, slug)
    dl = doclang(session, doc.id, lang)
    if dl.state in (DocState.APPROVED, DocState.PUBLISHED):
        return
    total = len(actions.rows(session, dl))
    if numbers != set(range(1, total + 1)):
        report.not_approved.append(
            {"document": slug, "reason": N_("the file does not hold all its segments")}
        )
        return
    try:
        with session.begin_nested():
            authorize(session, actor, "approve", lang)
            actions.approve(session, slug, lang, actor, limits=limits)
    except TrilingoError as exc:
        report.not_approved.append({"document": slug, "reason": exc.message})
        return
    report.approved.append(slug)


def _language(path: Source, po: polib.POFile) -> str:
    raw = po.metadata.get("Language", "").strip()
    lang = from_code(raw) if raw else None
    if lang is None or lang not in TARGETS:  # the source is no language a PO file is reviewed in
        expected = names_of(tuple(PO_LANGUAGE.values()))
        raise POError(
            N_("{path}: line 1: the header's Language is {raw!r}; expected {expected}").format(
                path=path, raw=raw, expected=expected
            )
        )
    return lang


def _context(path: Source, entry: polib.POEntry) -> tuple[str, int, int]:
    m = _CONTEXT.match(entry.msgctxt or "")
    if m is None:
        raise POError(
            N_(
                "{path}: line {line}: msgctxt {context!r} is not a Trilingo entry (expected slug|vN|sM, as exported)"
            ).format(path=path, line=entry.linenum, context=entry.msgctxt)
        )
    if entry.msgid_plural:
        raise POError(
            N_("{path}: line {line}: plural entries are not Trilingo entries").format(
                path=path, line=entry.linenum
            )
        )
    return m["slug"], int(m["version"]), int(m["n"])


_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*)$')
_STRING = re.compile(r'^"(?:[^"\\]|\\[\\"abfnrtv0-7x])*"\s*$')


def _check_syntax(path: Source, text: str) -> None:
    """A strict reading of the PO grammar: polib accepts some broken files (an unterminated string)."""
    seen: set[tuple[str | None, str]] = set()
    context: str | None = None
    expect_string = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            expect_string = False
            continue
        m = _KEYWORD.match(stripped)
        rest = m.group(2) if m else stripped
        if m is None and not (expect_string and stripped.startswith('"')):
            raise POError(
                N_("{path}: line {line}: not a PO keyword or comment: {text!r}").format(
                    path=path, line=number, text=stripped[:40]
                )
            )
        if not _STRING.match(rest):
            raise POError(N_("{path}: line {line}: a badly quoted string").format(path=path, line=number))
        if m is not None:
            expect_string = True
            if m.group(1) == "msgctxt":
                context = rest
            elif m.group(1) == "msgid":
                if (context, rest) in seen and rest != '""':
                    raise POError(N_("{path}: line {line}: a duplicate entry").format(path=path, line=number))
                seen.add((context, rest))
                context = None
