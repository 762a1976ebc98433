"""What reviewers see: the queue, and one document-language side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, case, cast, func, or_, tuple_, type_coerce
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType
from sqlmodel import Session, col, select

from trilingo.errors import NotFound
from trilingo.languages import SOURCE, check_target
from trilingo.review.states import QUEUED
from trilingo.store.documents import resolve_document
from trilingo.store.hints import Hint
from trilingo.store.models import (
    AuditEvent,
    Comment,
    DocLang,
    DocState,
    Document,
    DocumentVersion,
    Release,
    Segment,
    SegmentState,
    Translation,
    aware,
    raw_time,
    utcnow,
)

if TYPE_CHECKING:
    from trilingo.glossary.match import Glossary


@dataclass(slots=True)  # not frozen: a frozen init sets each field through object.__setattr__ (10,000 items)
class QueueItem:
    document: int
    slug: str
    lang: str
    state: DocState
    waiting_since: datetime
    version: int
    title: str
    segments: int
    untranslated: int  # untranslated or mt_failed: approval is blocked until they are filled
    warnings: int
    reason: str | None
    claimed_by: str | None = None  # a live claim (`review next`); None when free or expired
    claim_expires: datetime | None = None
    # When the Vietnamese original changed under a translation that is live: readers see an out-of-date
    # page (or, in a critical category, none) until this item is approved. Such items come first.
    outdated_since: datetime | None = None


def queue(session: Session, lang: str | None = None, now: datetime | None = None) -> list[QueueItem]:
    """Document-languages waiting for a reviewer, oldest first: one query, whatever their number."""
    if lang is not None:
        check_target(lang)
    now = now or utcnow()
    query = (
        sa_select(
            col(DocLang.document_id),
            col(Document.slug),
            col(DocLang.lang),
            # Untyped, converted below: per-value type processing was a tenth of a cold 10,000-item queue.
            type_coerce(col(DocLang.state), NullType()).label("state"),
            type_coerce(col(DocLang.waiting_since), NullType()).label("waiting_since"),
            col(DocumentVersion.number),
            col(DocumentVersion.title),
            func.count(col(Translation.id)),
            func.coalesce(func.sum(case((col(Translation.state).in_(OPEN), 1), else_=0)), 0),
            func.coalesce(func.sum(case((cast(col(Translation.warnings), String) != "[]", 1), else_=0)), 0),
            col(DocLang.reason),
            col(DocLang.claimed_by),
            type_coerce(col(DocLang.claim_expires), NullType()).label("claim_expires"),
        )
        .select_from(DocLang)
        .join(Document, col(Document.id) == col(DocLang.document_id))
        .join(DocumentVersion, col(DocumentVersion.id) == col(DocLang.version_id))
        .outerjoin(Segment, col(Segment.version_id) == col(DocLang.version_id))
        .outerjoin(
            Translation,
            (col(Translation.segment_id) == col(Segment.id)) & (col(Translation.lang) == col(DocLang.lang)),
        )
        .group_by(col(DocLang.id), col(Document.id), col(DocumentVersion.id))
        .order_by(col(DocLang.waiting_since), col(DocLang.document_id), col(DocLang.lang))
    )
    if lang:
        query = query.where(col(DocLang.lang) == lang)
    # Waiting for a reviewer; and any live translation whose original changed, even before pretranslation
    # has run on the new version: a reviewer can fix the changed segments at once.
    stale = outdated(session, lang)
    waiting = col(DocLang.state).in_(QUEUED)
    query = query.where(
        or_(waiting, tuple_(DocLang.document_id, DocLang.lang).in_(list(stale))) if stale else waiting
    )
    items = [
        QueueItem(
            document=document,
            slug=slug,
            lang=item_lang,
            state=DocState(state),
            waiting_since=raw_time(waiting_since),
            version=number,
            title=title,
            segments=int(total),
            untranslated=int(open_),
            warnings=int(warned),
            reason=reason,
            **_claim(claimed_by, None if expires is None else raw_time(expires), now),
            outdated_since=stale.get((document, item_lang)),
        )
        for (
            document,
            slug,
            item_lang,
            state,
            waiting_since,
            number,
            title,
            total,
            open_,
            warned,
            reason,
            claimed_by,
            expires,
        ) in session.execute(query).all()
    ]
    if stale:  # out-of-date live translations first, the longest out of date first; then oldest first
        items.sort(key=lambda i: (i.outdated_since is None, i.outdated_since or i.waiting_since))
    return items


def outdated(
    session: Session, lang: str | None = None, states: tuple[DocState, ...] | None = None
) -> dict[tuple[int, str], datetime]:
    """(document, language) → since when its live translation is of an older Vietnamese text than the
    live original. One query; it only looks at document-languages that have a release."""
    live = aliased(Release)
    source_then = aliased(Release)
    source_doclang = aliased(DocLang)
    source_now = aliased(Release)
    query = (
        sa_select(col(DocLang.document_id), col(DocLang.lang), col(source_now.approved_at))
        .select_from(DocLang)
        .join(live, col(live.id) == col(DocLang.release_id))
        .join(
            source_then,
            (col(source_then.document_id) == col(DocLang.document_id))
            & (col(source_then.lang) == SOURCE)
            & (col(source_then.version_id) == col(live.version_id)),
        )
        .join(
            source_doclang,
            (col(source_doclang.document_id) == col(DocLang.document_id))
            & (col(source_doclang.lang) == SOURCE),
        )
        .join(source_now, col(source_now.id) == col(source_doclang.release_id))
        .where(col(DocLang.lang) != SOURCE, col(source_then.content_hash) != col(source_now.content_hash))
    )
    if lang:
        query = query.where(col(DocLang.lang) == lang)
    if states:
        query = query.where(col(DocLang.state).in_(states))
    return {(doc, item_lang): aware(since) for doc, item_lang, since in session.execute(query).all()}


def _claim(by: str | None, expires: datetime | None, now: datetime) -> dict[str, Any]:
    if by is None or expires is None:
        return {}
    expires = aware(expires)
    return {"claimed_by": by, "claim_expires": expires} if expires > now else {}


# Untranslated or failed: approval is blocked until a person fills them.
OPEN = (SegmentState.UNTRANSLATED, SegmentState.MT_FAILED)


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
    limit = checks.segment_limit(ver.channels, limits or {})
    segments = []
    for seg, tr in rows:
        terms = []
        if glossary is not None:
            terms = [
                {
                    "start": m.start,
                    "end": m.end,
                    "text": seg.source[m.start : m.end],
                    "concept": m.concept,
                    "status": m.status,
                    "confidence": m.confidence,
                    "note": m.note,
                }
                for m in glossary.annotate(seg.source, "vi")
            ]
        found = checks.run(
            seg.source,
            tr.target,
            lang,
            glossary,
            detail=tr.detail,
            limit=limit if seg.kind == "screen" else None,
        )
        fuzzy: list[dict[str, Any]] = []
        for h in tr.hints:
            if h["type"] == "fuzzy" and all(f["target"] != h["target"] for f in fuzzy):
                fuzzy.append(
                    {"n": len(fuzzy) + 1, "target": h["target"], "source": h["source"], "score": h["score"]}
                )
        for s in index.suggest(seg.source):
            if all(f["target"] != s.target for f in fuzzy):
                fuzzy.append({"n": len(fuzzy) + 1, "target": s.target, "source": s.source, "score": s.score})
        checked: list[dict[str, Any]] = [
            {**f.as_dict(), **({"dismissed": tr.dismissed[f.code]} if f.code in tr.dismissed else {})}
            for f in found
        ]
        segments.append(
            SegmentView(
                n=seg.n,
                source=seg.source,
                target=tr.target,
                origin=tr.origin,
                state=tr.state,
                warnings=list(tr.warnings),
                hints=list(tr.hints),
                terms=terms,
                detail=dict(tr.detail),
                checks=checked,
                suggestions=fuzzy,
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
        **_claim(dl.claimed_by, dl.claim_expires, utcnow()),
    )
    if diff:
        view.source_diff, view.target_diff = _diffs(session, view, release)
    return view


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
        out.append(HistoryEvent(e.at, e.actor, e.action, segment, e.old, e.new, reason, detail))
    return out


def doclang(session: Session, doc_id: int | None, lang: str) -> DocLang:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).first()
    if dl is None:
        raise NotFound(f"document {doc_id} has no {lang} translation")
    return dl
