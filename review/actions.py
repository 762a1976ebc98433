"""Reviewer actions. Each one is one transaction and leaves an audit event with the old and new text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from trilingo.errors import InputError, NotFound, StateError
from trilingo.glossary.protect import check
from trilingo.glossary.store import load
from trilingo.languages import check_target
from trilingo.review.queue import doclang
from trilingo.review.states import require
from trilingo.store.audit import ensure_user, record
from trilingo.store.documents import resolve_document
from trilingo.store.hashing import sha256
from trilingo.store.models import (
    DocLang,
    DocumentVersion,
    Release,
    Segment,
    SegmentState,
    Translation,
    utcnow,
)
from trilingo.text.checks import all_warnings
from trilingo.text.clean import check_text, clean_line
from trilingo.text.segment import join
from trilingo.tm import memory

MAX_TARGET = 8_000


@dataclass(frozen=True)
class Outcome:
    document: int
    slug: str
    lang: str
    state: str
    detail: str = ""


def _load(session: Session, ref: str, lang: str) -> tuple[int, str, DocLang]:
    check_target(lang)
    doc = resolve_document(session, ref)
    assert doc.id is not None
    return doc.id, doc.slug, doclang(session, doc.id, lang)


def _rows(session: Session, dl: DocLang) -> list[tuple[Segment, Translation]]:
    return list(
        session.exec(
            select(Segment, Translation)
            .join(Translation, col(Translation.segment_id) == col(Segment.id))
            .where(Segment.version_id == dl.version_id, Translation.lang == dl.lang)
            .order_by(col(Segment.n))
        ).all()
    )


def edit(
    session: Session, ref: str, lang: str, n: int, text: str, actor: str, now: datetime | None = None
) -> Outcome:
    """A person's text for segment n. It is never overwritten by a machine afterwards."""
    now = now or utcnow()
    doc_id, slug, dl = _load(session, ref, lang)
    target = clean_line(check_text(text, "the new text"))
    if not target:
        raise InputError("the new text is empty")
    if len(target) > MAX_TARGET:
        raise InputError(
            f"the new text is too long ({len(target):,} characters; the limit is {MAX_TARGET:,})"
        )
    state = require("edit", dl.state, f"{slug} [{lang}]")
    rows = {seg.n: (seg, tr) for seg, tr in _rows(session, dl)}
    if n not in rows:
        raise NotFound(f"{slug} has no segment {n} (it has 1–{len(rows)})")
    ensure_user(session, actor)
    seg, tr = rows[n]
    record(
        session,
        actor,
        "edit",
        document_id=doc_id,
        lang=lang,
        segment_id=seg.id,
        old=tr.target,
        new=target,
        segment=n,
        old_origin=tr.origin,
        row_version=tr.row_version,
    )
    tr.target, tr.state, tr.origin = target, SegmentState.EDITED, "human"
    tr.warnings = all_warnings(seg.source, target, lang) + _glossary_warnings(
        session, seg.source, target, lang
    )
    tr.detail = {
        **tr.detail,
        "edited_at": now.isoformat(),
        "previous_origin": tr.detail.get("engine") or tr.origin,
    }
    tr.updated_at, tr.updated_by = now, actor
    dl.state, dl.updated_at, dl.reason = state, now, None
    return Outcome(doc_id, slug, lang, state, f"segment {n} saved")


def approve(
    session: Session, ref: str, lang: str, actor: str, now: datetime | None = None, *, trusted: bool = True
) -> Outcome:
    """Freeze the current text as a release, feed the memory. Every segment needs a target."""
    now = now or utcnow()
    doc_id, slug, dl = _load(session, ref, lang)
    state = require("approve", dl.state, f"{slug} [{lang}]")
    rows = _rows(session, dl)
    empty = [seg.n for seg, tr in rows if not (tr.target or "").strip()]
    if empty:
        listed = ", ".join(map(str, empty[:10])) + (" …" if len(empty) > 10 else "")
        raise StateError(f"cannot approve {slug} [{lang}]: {len(empty)} segment(s) untranslated ({listed})")
    ensure_user(session, actor)
    for seg, tr in rows:
        assert tr.target is not None
        if tr.state != SegmentState.APPROVED:
            tr.state, tr.updated_at = SegmentState.APPROVED, now
        # An untrusted approval (the demo's) keeps the memory pair marked as needing native review.
        memory.add(
            session,
            seg.source,
            tr.target,
            lang,
            actor=actor,
            document_id=doc_id,
            needs_native_review=not trusted,
        )
    version = session.get(DocumentVersion, dl.version_id)
    assert version is not None
    title, body = join([(seg.block, seg.kind, seg.prefix, tr.target or "") for seg, tr in rows], lang)
    release = Release(
        document_id=doc_id,
        lang=lang,
        version_id=dl.version_id,
        title=title,
        body=body,
        content_hash=sha256(title + "\n" + body),
        approved_by=actor,
        approved_at=now,
    )
    session.add(release)
    session.flush()
    old_release = dl.release_id
    dl.release_id, dl.state, dl.updated_at, dl.reason = release.id, state, now, None
    record(
        session,
        actor,
        "approve",
        document_id=doc_id,
        lang=lang,
        new=title,
        release=release.id,
        previous_release=old_release,
        version=version.number,
        segments=len(rows),
    )
    return Outcome(doc_id, slug, lang, state, f"release {release.id}")


def reject(
    session: Session, ref: str, lang: str, reason: str, actor: str, now: datetime | None = None
) -> Outcome:
    """Send it back to work with a reason. What is live stays live."""
    now = now or utcnow()
    reason = clean_line(check_text(reason, "the reason"))
    if not reason:
        raise InputError("a rejection needs a reason")
    doc_id, slug, dl = _load(session, ref, lang)
    state = require("reject", dl.state, f"{slug} [{lang}]")
    ensure_user(session, actor)
    record(session, actor, "reject", document_id=doc_id, lang=lang, old=dl.state, new=state, reason=reason)
    dl.state, dl.reason, dl.updated_at, dl.waiting_since = state, reason, now, now
    return Outcome(doc_id, slug, lang, state, reason)


def _glossary_warnings(session: Session, source: str, target: str, lang: str) -> list[str]:
    return check(target, source, "vi", lang, load(session))
