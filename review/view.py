"""What a reviewer sees of one document-language: its segments side by side, hints, history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from trilingo.errors import NotFound
from trilingo.i18n import N_
from trilingo.languages import SOURCE, check_target
from trilingo.review.queue import live_claim
from trilingo.store.documents import resolve_document
from trilingo.store.hints import Hint
from trilingo.store.models import (
    AuditEvent,
    Comment,
    DocLang,
    DocState,
    DocumentVersion,
    Release,
    Segment,
    SegmentState,
    Translation,
    utcnow,
)

if TYPE_CHECKING:
    from trilingo.glossary.match import Glossary
    from trilingo.review.checks import Finding
    from trilingo.tm.fuzzy import Suggestion


@dataclass
class SegmentView:
    n: int
    source: str
    target: str | None
    origin: str | None
    state: SegmentState
    warnings: list[str]
    hints: list[Hint]
    terms: list[dict[str, Any]] = field(default_factory=list)  # glossary spans in the source
    detail: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)  # {code, level, message, dismissed?}
    suggestions: list[dict[str, Any]] = field(default_factory=list)  # numbered for --use-suggestion
    comments: list[dict[str, Any]] = field(default_factory=list)
    row_version: int = 1  # give it back as `review edit --expect` to refuse a stale write
    updated_by: str | None = None


@dataclass
class DocView:
    document: int
    slug: str
    lang: str
    state: DocState
    version: int
    reason: str | None
    segments: list[SegmentView]
    comments: list[dict[str, Any]] = field(default_factory=list)  # on the whole document-language
    claimed_by: str | None = None
    claim_expires: datetime | None = None
    approved_version: int | None = None  # the version of the live release, if any
    source_diff: str | None = None  # with --diff: the source since the approved version
    target_diff: str | None = None  # with --diff: the draft against the approved text


def show(
    session: Session,
    ref: str,
    lang: str,
    glossary: Glossary | None = None,
    *,
    diff: bool = False,
    limits: Mapping[str, int] | None = None,
) -> DocView:
    """One document-language, segment by segment, with everything a reviewer decides on."""
    from trilingo.review import checks
    from trilingo.tm.fuzzy import load_index

    check_target(lang)
    doc = resolve_document(session, ref)
    dl = doclang(session, doc.id, lang)
    ver = session.get(DocumentVersion, dl.version_id)
    assert ver is not None and doc.id is not None
    rows = session.exec(
        select(Segment, Translation)
        .join(Translation, col(Translation.segment_id) == col(Segment.id))
        .where(Segment.version_id == ver.id, Translation.lang == lang)
        .order_by(col(Segment.n))
    ).all()
    notes = comments(session, doc.id, lang)
    index = load_index(session, lang)
    segments = []
    for seg, tr in rows:
        found = checks.for_segment(
            seg.source,
            tr.target,
            lang,
            glossary,
            kind=seg.kind,
            channels=ver.channels,
            limits=limits,
            detail=tr.detail,
        )
        segments.append(
            SegmentView(
                n=seg.n,
                source=seg.source,
                target=tr.target,
                origin=tr.origin,
                state=tr.state,
                warnings=list(tr.warnings),
                hints=list(tr.hints),
                terms=terms(glossary, seg.source),
                detail=dict(tr.detail),
                checks=checked(found, tr.dismissed),
                suggestions=suggestions(tr.hints, index.suggest(seg.source)),
                comments=[c for c in notes if c["segment"] == seg.n],
                row_version=tr.row_version,
                updated_by=tr.updated_by,
            )
        )
    release = session.get(Release, dl.release_id) if dl.release_id else None
    approved = session.get(DocumentVersion, release.version_id) if release else None
    view = DocView(
        doc.id,
        doc.slug,
        lang,
        dl.state,
        ver.number,
        dl.reason,
        segments,
        comments=[c for c in notes if c["segment"] is None],
        approved_version=approved.number if approved else None,
        **live_claim(dl.claimed_by, dl.claim_expires, utcnow()),
    )
    if diff:
        view.source_diff, view.target_diff = _diffs(session, view, release)
    return view


def terms(glossary: Glossary | None, source: str) -> list[dict[str, Any]]:
    """The glossary's terms found in the source, as spans (none without a glossary)."""
    if glossary is None:
        return []
    return [
        {
            "start": m.start,
            "end": m.end,
            "text": source[m.start : m.end],
            "concept": m.concept,
            "status": m.status,
            "confidence": m.confidence,
            "note": m.note,
        }
        for m in glossary.annotate(source, SOURCE)
    ]


def suggestions(hints: Sequence[Hint], fuzzy: Iterable[Suggestion]) -> list[dict[str, Any]]:
    """Fuzzy memory suggestions numbered from 1 (for --use-suggestion): the draft's fuzzy hints first, then
    the memory's; a target already listed is not listed again."""
    found: list[dict[str, Any]] = []
    candidates = [(h["target"], h["source"], h["score"]) for h in hints if h["type"] == "fuzzy"]
    candidates += [(s.target, s.source, s.score) for s in fuzzy]
    for target, source, score in candidates:
        if all(f["target"] != target for f in found):
            found.append({"n": len(found) + 1, "target": target, "source": source, "score": score})
    return found


def checked(found: Iterable[Finding], dismissed: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each finding as shown, with who dismissed it, when and why if somebody did."""
    return [
        {**f.as_dict(), **({"dismissed": dismissed[f.code]} if f.code in dismissed else {})} for f in found
    ]


def _diffs(session: Session, view: DocView, release: Release | None) -> tuple[str, str]:
    """Unified diffs, one segment a line: the source since the approved version; the draft against it."""
    import difflib

    if release is None:
        return "", ""
    old_sources = session.exec(
        select(Segment.source).where(Segment.version_id == release.version_id).order_by(col(Segment.n))
    ).all()
    new_sources = [s.source for s in view.segments]
    old_label = f"v{view.approved_version} (approved)"
    source = difflib.unified_diff(
        list(old_sources), new_sources, old_label, f"v{view.version}", lineterm="", n=1
    )
    old_text = [release.title, *[p for p in release.body.split("\n") if p.strip()]]
    new_text = [s.target or "" for s in view.segments]
    target = difflib.unified_diff(
        old_text,
        new_text,
        f"{view.lang} approved (release {release.id})",
        f"{view.lang} draft",
        lineterm="",
        n=1,
    )
    return "\n".join(source), "\n".join(target)


def comments(session: Session, doc_id: int, lang: str) -> list[dict[str, Any]]:
    return [
        {"segment": c.segment_n, "author": c.author, "at": c.at, "text": c.text}
        for c in session.exec(
            select(Comment)
            .where(Comment.document_id == doc_id, Comment.lang == lang)
            .order_by(col(Comment.at), col(Comment.id))
        ).all()
    ]


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime
    actor: str
    action: str
    segment: int | None
    old: str | None
    new: str | None
    reason: str | None
    detail: dict[str, Any]
    via: str | None = None  # the admin who acted as `actor` (--as), when one did


def history(session: Session, ref: str, lang: str) -> list[HistoryEvent]:
    """The audit trail of one document-language (and of the document's source), oldest first."""
    check_target(lang)
    doc = resolve_document(session, ref)
    events = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.document_id == doc.id,
            (col(AuditEvent.lang) == lang) | col(AuditEvent.lang).is_(None),
        )
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    out = []
    for e in events:
        detail = dict(e.detail)
        segment = detail.pop("segment", None)
        reason = detail.pop("reason", None)
        out.append(HistoryEvent(e.at, e.actor, e.action, segment, e.old, e.new, reason, detail, e.via))
    return out


def doclang(session: Session, doc_id: int | None, lang: str) -> DocLang:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).first()
    if dl is None:
        raise NotFound(N_("document {doc_id} has no {lang} translation").format(doc_id=doc_id, lang=lang))
    return dl
