"""Reviewer actions. Each one is one transaction, checks who may take it, and leaves an audit event.

Edits and approvals are compare-and-set: a row changed since the reviewer read it is refused with who
changed it and when ("changed by X at T; re-open"), never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from trilingo import rules
from trilingo.channels.markdown import first_paragraph
from trilingo.errors import Conflict, InputError, NotFound, Refused, StateError
from trilingo.glossary.store import load
from trilingo.i18n import N_
from trilingo.languages import check_target
from trilingo.people import authorize
from trilingo.review import checks
from trilingo.review.states import QUEUED, REJECT_CODES, require
from trilingo.review.view import doclang
from trilingo.store.audit import record
from trilingo.store.documents import resolve_document
from trilingo.store.hashing import release_hash
from trilingo.store.models import (
    Comment,
    DocLang,
    DocumentVersion,
    Release,
    Segment,
    SegmentState,
    Translation,
    aware,
    utcnow,
)
from trilingo.text.clean import check_text, clean_line
from trilingo.text.segment import join, screen_text
from trilingo.tm import memory

MAX_TARGET = 8_000
MAX_COMMENT = 2_000


@dataclass(frozen=True)
class Outcome:
    """What a review action did: `detail` in words, `checks` for the segment it changed (if any)."""

    document: int
    slug: str
    lang: str
    state: str
    detail: str = ""
    checks: list[dict[str, str]] = field(default_factory=list)
    segment: int | None = None
    release: int | None = None


def _load(session: Session, ref: str, lang: str) -> tuple[int, str, DocLang]:
    check_target(lang)
    doc = resolve_document(session, ref)
    assert doc.id is not None
    return doc.id, doc.slug, doclang(session, doc.id, lang)


def rows(session: Session, dl: DocLang) -> list[tuple[Segment, Translation]]:
    return list(
        session.exec(
            select(Segment, Translation)
            .join(Translation, col(Translation.segment_id) == col(Segment.id))
            .where(Segment.version_id == dl.version_id, Translation.lang == dl.lang)
            .order_by(col(Segment.n))
        ).all()
    )


def _segment(session: Session, dl: DocLang, slug: str, n: int) -> tuple[Segment, Translation]:
    by_n = {seg.n: (seg, tr) for seg, tr in rows(session, dl)}
    if n not in by_n:
        raise NotFound(
            N_("{slug} has no segment {n} (it has 1–{count})").format(slug=slug, n=n, count=len(by_n))
        )
    return by_n[n]


def _not_claimed_by_other(dl: DocLang, slug: str, actor: str, now: datetime) -> None:
    if dl.claimed_by and dl.claimed_by != actor and dl.claim_expires and aware(dl.claim_expires) > now:
        raise Conflict(
            N_(
                "{slug} [{lang}] is claimed by {by} until {until:%H:%M}Z; "
                "nothing was saved. Take another item with `trilingo review next --lang {lang}`"
            ).format(slug=slug, lang=dl.lang, by=dl.claimed_by, until=aware(dl.claim_expires))
        )


def document_channels(session: Session, dl: DocLang) -> list[str]:
    """The channels the document's version asks for (none: every channel)."""
    version = session.get(DocumentVersion, dl.version_id)
    return list(version.channels) if version else []


def edit(
    session: Session,
    ref: str,
    lang: str,
    n: int,
    text: str,
    actor: str,
    now: datetime | None = None,
    *,
    expected: int | None = None,
    limits: Mapping[str, int] | None = None,
) -> Outcome:
    """A person's text for segment n. It is never overwritten by a machine afterwards.

    `expected` is the segment's row version the person started from (`review show --json`, a PO file):
    if somebody changed it since, nothing is saved and they are told who and when."""
    now = now or utcnow()
    doc_id, slug, dl = _load(session, ref, lang)
    authorize(session, actor, "edit", lang)
    target = clean_line(check_text(text, "the new text"))
    if not target:
        raise InputError(N_("the new text is empty"))
    if len(target) > MAX_TARGET:
        raise InputError(
            N_("the new text is too long ({count:,} characters; the limit is {limit:,})").format(
                count=len(target), limit=MAX_TARGET
            )
        )
    state = require("edit", dl.state, f"{slug} [{lang}]")
    _not_claimed_by_other(dl, slug, actor, now)
    seg, tr = _segment(session, dl, slug, n)
    if expected is not None and tr.row_version != expected:
        if tr.updated_by:
            changed = N_(
                "segment {n} of {slug} [{lang}] was changed by {by} at "
                "{at:%Y-%m-%d %H:%M}Z after you opened it; nothing was saved. "
                "Re-open it (`trilingo review show {slug} --lang {lang}`) and edit again"
            )
        else:
            changed = N_(
                "segment {n} of {slug} [{lang}] was changed by the pipeline at "
                "{at:%Y-%m-%d %H:%M}Z after you opened it; nothing was saved. "
                "Re-open it (`trilingo review show {slug} --lang {lang}`) and edit again"
            )
        raise Conflict(changed.format(n=n, slug=slug, lang=lang, by=tr.updated_by, at=aware(tr.updated_at)))
    findings = checks.for_segment(
        seg.source,
        target,
        lang,
        load(session),
        kind=seg.kind,
        channels=document_channels(session, dl),
        limits=limits,
    )
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
    if target != tr.target:
        tr.dismissed = {}  # a dismissal was for the old text
    tr.target, tr.state, tr.origin = target, SegmentState.EDITED, "human"
    tr.checks = checks.as_stored(findings)
    tr.warnings = checks.messages(findings)
    tr.detail = {
        **{k: v for k, v in tr.detail.items() if k != "needs_native_review"},
        "edited_at": now.isoformat(),
        "previous_origin": tr.detail.get("engine") or tr.origin,
    }
    tr.updated_at, tr.updated_by = now, actor
    # The rejection reason stays until the document-language is approved.
    dl.state, dl.updated_at = state, now
    return Outcome(doc_id, slug, lang, state, N_("segment {n} saved").format(n=n), tr.checks, n)


def suggestion(session: Session, ref: str, lang: str, n: int, k: int) -> str:
    """The text of fuzzy memory suggestion k (1-based, as `review show` numbers them) for segment n."""
    from trilingo.tm.fuzzy import suggest

    _doc_id, slug, dl = _load(session, ref, lang)
    seg, tr = _segment(session, dl, slug, n)
    found: list[str] = []
    for target in [h["target"] for h in tr.hints if h["type"] == "fuzzy"] + [
        s.target for s in suggest(session, seg.source, lang)
    ]:
        if target not in found:
            found.append(target)
    if not 1 <= k <= len(found):
        if found:
            missing = N_("segment {n} of {slug} [{lang}] has no suggestion {k} (it has 1–{count})")
        else:
            missing = N_("segment {n} of {slug} [{lang}] has no suggestion {k} (it has none)")
        raise NotFound(missing.format(n=n, slug=slug, lang=lang, k=k, count=len(found)))
    return found[k - 1]


def approve(
    session: Session,
    ref: str,
    lang: str,
    actor: str,
    now: datetime | None = None,
    *,
    trusted: bool = True,
    accept_warnings: str | None = None,
    limits: Mapping[str, int] | None = None,
) -> Outcome:
    """Freeze the current text as a release and feed the memory, if every check allows it.

    Blocking checks stop it; open warnings stop it unless dismissed or accepted here with a reason; under
    the four-eyes rule, a workspace setting (trilingo.rules), nobody approves a segment whose text they
    were the last to change."""
    now = now or utcnow()
    doc_id, slug, dl = _load(session, ref, lang)
    authorize(session, actor, "approve", lang)
    four_eyes = rules.four_eyes(session)
    state = require("approve", dl.state, f"{slug} [{lang}]")
    _not_claimed_by_other(dl, slug, actor, now)
    segments = rows(session, dl)
    blocking, warnings = _findings(session, dl, segments, lang, limits)
    candidate = Candidate(slug, lang, actor, segments, blocking, warnings, four_eyes, accept_warnings)
    for gate in GATES:
        gate(candidate)
    _accept_warnings(session, candidate, doc_id)
    _approve_segments(session, candidate, doc_id, now, trusted=trusted)
    version = session.get(DocumentVersion, dl.version_id)
    assert version is not None
    release = _new_release(session, dl, doc_id, candidate, now)
    old_release = dl.release_id
    dl.release_id, dl.state, dl.updated_at, dl.reason = release.id, state, now, None
    dl.claimed_by = dl.claim_expires = None
    record(
        session,
        actor,
        "approve",
        document_id=doc_id,
        lang=lang,
        new=release.title,
        release=release.id,
        previous_release=old_release,
        version=version.number,
        segments=len(segments),
        accepted_warnings=len(warnings),
        four_eyes=four_eyes,
    )
    return Outcome(
        doc_id, slug, lang, state, N_("release {release}").format(release=release.id), release=release.id
    )


@dataclass(frozen=True)
class Candidate:
    """What an approval decides on: a document-language's segments, what its checks found, and the rules."""

    slug: str
    lang: str
    actor: str
    segments: list[tuple[Segment, Translation]]
    blocking: list[str]  # "segment N: message", one per blocking finding
    warnings: list[tuple[int, checks.Finding]]  # (segment n, finding) not dismissed
    four_eyes: bool  # the workspace's four-eyes rule is on
    accept_warnings: str | None  # the reason given to approve over open warnings, if any

    @property
    def what(self) -> str:
        return f"{self.slug} [{self.lang}]"


def _findings(
    session: Session,
    dl: DocLang,
    segments: list[tuple[Segment, Translation]],
    lang: str,
    limits: Mapping[str, int] | None,
) -> tuple[list[str], list[tuple[int, checks.Finding]]]:
    """Every segment's checks: the blocking findings as messages, and the warnings nobody dismissed."""
    glossary, channels = load(session), document_channels(session, dl)
    blocking: list[str] = []
    warnings: list[tuple[int, checks.Finding]] = []
    for seg, tr in segments:
        found = checks.for_segment(
            seg.source,
            tr.target,
            lang,
            glossary,
            kind=seg.kind,
            channels=channels,
            limits=limits,
            detail=tr.detail,
        )
        blocking += [_on_segment(seg.n, f.message) for f in found if f.level == checks.BLOCK]
        warnings += [(seg.n, f) for f in checks.open_warnings(found, tr.dismissed)]
    return blocking, warnings


def all_translated(c: Candidate) -> None:
    """Refuse (StateError) if any segment has no text."""
    empty = [str(seg.n) for seg, tr in c.segments if not (tr.target or "").strip()]
    if empty:
        listed = ", ".join(empty[:10]) + (" …" if len(empty) > 10 else "")
        raise StateError(
            N_("cannot approve {slug} [{lang}]: {count} segment(s) untranslated ({listed})").format(
                slug=c.slug, lang=c.lang, count=len(empty), listed=listed
            )
        )


def nothing_blocking(c: Candidate) -> None:
    """Refuse (StateError) if any blocking check failed: those are fixed by editing, never dismissed."""
    if c.blocking:
        raise StateError(
            N_("cannot approve {slug} [{lang}]: {blocking}; fix them with `review edit`").format(
                slug=c.slug, lang=c.lang, blocking=_listed(c.blocking)
            )
        )


def own_changes(c: Candidate) -> list[int]:
    """The segments whose text the approver was the last person to change."""
    return [seg.n for seg, tr in c.segments if tr.origin == "human" and tr.updated_by == c.actor]


def other_eyes(c: Candidate) -> None:
    """Under the four-eyes rule, refuse (audited) an approver who last changed any segment's text."""
    own = own_changes(c) if c.four_eyes else []
    if own:
        raise Refused(
            N_(
                "four-eyes rule: {actor} last changed segment(s) {segments} of "
                "{slug} [{lang}]; another reviewer of {lang} must approve it"
            ).format(actor=c.actor, segments=", ".join(map(str, own)), slug=c.slug, lang=c.lang),
            audit={
                "actor": c.actor,
                "action": "refused",
                "lang": c.lang,
                "attempted": "approve",
                "doc": c.slug,
            },
        )


def warnings_decided(c: Candidate) -> None:
    """Refuse (StateError) open warnings unless the approver accepts them (the reason is checked later)."""
    if c.warnings and not c.accept_warnings:
        listed = _listed([_on_segment(n, f.message) for n, f in c.warnings])
        raise StateError(
            N_(
                "cannot approve {slug} [{lang}]: {count} warning(s) need a decision: {listed}. Dismiss "
                "each with `review dismiss {slug} --lang {lang} --segment N --check CODE --reason …`, or "
                'approve with --accept-warnings --reason "…"'
            ).format(slug=c.slug, lang=c.lang, count=len(c.warnings), listed=listed)
        )


# What an approval must pass, in this order: the first gate that refuses is the one the reviewer is told.
GATES: tuple[Callable[[Candidate], None], ...] = (
    all_translated,
    nothing_blocking,
    other_eyes,
    warnings_decided,
)


def _accept_warnings(session: Session, c: Candidate, doc_id: int) -> None:
    """Record the open warnings the approver accepted, with their reason (which must not be empty)."""
    if not (c.warnings and c.accept_warnings):
        return
    reason = clean_line(check_text(c.accept_warnings, "the reason"))
    if not reason:
        raise InputError(N_("--accept-warnings needs a --reason"))
    record(
        session,
        c.actor,
        "accept-warnings",
        document_id=doc_id,
        lang=c.lang,
        reason=reason,
        warnings=[{"segment": n, **f.as_dict()} for n, f in c.warnings],
    )


def _approve_segments(session: Session, c: Candidate, doc_id: int, now: datetime, *, trusted: bool) -> None:
    """Mark every segment approved and add its pair to the memory."""
    for seg, tr in c.segments:
        assert tr.target is not None
        if tr.state != SegmentState.APPROVED:
            tr.state, tr.updated_at = SegmentState.APPROVED, now
        # An untrusted approval (the demo's) keeps the memory pair marked as needing native review.
        memory.add(
            session,
            seg.source,
            tr.target,
            c.lang,
            actor=c.actor,
            document_id=doc_id,
            needs_native_review=not trusted,
        )


def _new_release(session: Session, dl: DocLang, doc_id: int, c: Candidate, now: datetime) -> Release:
    """The approved text frozen as a release (stored, so it has its id)."""
    rows_ = [(seg.block, seg.kind, seg.prefix, tr.target or "") for seg, tr in c.segments]
    title, body = join(rows_, c.lang)
    screen = screen_text(rows_)
    release = Release(
        document_id=doc_id,
        lang=c.lang,
        version_id=dl.version_id,
        title=title,
        body=body,
        screen=screen,
        lead=first_paragraph(body),
        content_hash=release_hash(title, body, screen),
        approved_by=c.actor,
        approved_at=now,
    )
    session.add(release)
    session.flush()
    return release


def _on_segment(n: int, message: str) -> str:
    """One finding in a list of them: "segment N: message"."""
    return N_("segment {n}: {message}").format(n=n, message=message)


def _listed(items: list[str], most: int = 5) -> str:
    shown = "; ".join(items[:most])
    if len(items) > most:
        return N_("{items}; and {more} more").format(items=shown, more=len(items) - most)
    return shown


def reject(
    session: Session,
    ref: str,
    lang: str,
    reason: str,
    actor: str,
    now: datetime | None = None,
    *,
    code: str = "other",
) -> Outcome:
    """Send it back to work with a reason code and text. What is live stays live."""
    now = now or utcnow()
    if code not in REJECT_CODES:
        raise InputError(
            N_("unknown reason code {code!r} (expected one of: {codes})").format(
                code=code, codes=", ".join(REJECT_CODES)
            )
        )
    reason = clean_line(check_text(reason, "the reason"))
    if not reason:
        raise InputError(N_("a rejection needs a reason"))
    doc_id, slug, dl = _load(session, ref, lang)
    authorize(session, actor, "reject", lang)
    state = require("reject", dl.state, f"{slug} [{lang}]")
    _not_claimed_by_other(dl, slug, actor, now)
    shown_reason = reason if code == "other" else f"{code}: {reason}"
    record(
        session,
        actor,
        "reject",
        document_id=doc_id,
        lang=lang,
        old=dl.state,
        new=state,
        reason=reason,
        code=code,
    )
    dl.state, dl.reason, dl.updated_at, dl.waiting_since = state, shown_reason, now, now
    dl.claimed_by = dl.claim_expires = None
    return Outcome(doc_id, slug, lang, state, shown_reason)


def dismiss(
    session: Session,
    ref: str,
    lang: str,
    n: int,
    code: str,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> Outcome:
    """Dismiss one warning on one segment, with a reason; it stays dismissed until the text changes."""
    now = now or utcnow()
    doc_id, slug, dl = _load(session, ref, lang)
    authorize(session, actor, "dismiss", lang)
    reason = clean_line(check_text(reason, "the reason"))
    if not reason:
        raise InputError(N_("dismissing a check needs a reason"))
    seg, tr = _segment(session, dl, slug, n)
    found = checks.for_segment(
        seg.source,
        tr.target,
        lang,
        load(session),
        kind=seg.kind,
        channels=document_channels(session, dl),
        detail=tr.detail,
    )
    codes = {f.code: f for f in found}
    if code not in codes:
        if codes:
            missing = N_("segment {n} of {slug} [{lang}] has no {code!r} check (its checks: {found})")
        else:
            missing = N_("segment {n} of {slug} [{lang}] has no {code!r} check (its checks: none)")
        raise NotFound(missing.format(n=n, slug=slug, lang=lang, code=code, found=", ".join(codes)))
    if codes[code].level == checks.BLOCK:
        raise StateError(
            N_(
                "{code!r} is a blocking check: it cannot be dismissed; fix the text with `review edit`"
            ).format(code=code)
        )
    tr.dismissed = {**tr.dismissed, code: {"by": actor, "at": now.isoformat(), "reason": reason}}
    record(
        session,
        actor,
        "dismiss",
        document_id=doc_id,
        lang=lang,
        segment_id=seg.id,
        segment=n,
        check=code,
        message=codes[code].message,
        reason=reason,
    )
    return Outcome(
        doc_id,
        slug,
        lang,
        dl.state,
        N_("{code} dismissed on segment {n}").format(code=code, n=n),
        tr.checks,
        n,
    )


def comment(
    session: Session,
    ref: str,
    lang: str,
    text: str,
    actor: str,
    n: int | None = None,
    now: datetime | None = None,
) -> Outcome:
    """A note that editors and reviewers see in `review show` and `review next`."""
    now = now or utcnow()
    doc_id, slug, dl = _load(session, ref, lang)
    authorize(session, actor, "comment", lang)
    text = clean_line(check_text(text, "the comment"))
    if not text:
        raise InputError(N_("the comment is empty"))
    if len(text) > MAX_COMMENT:
        raise InputError(
            N_("the comment is too long ({count:,} characters; the limit is {limit:,})").format(
                count=len(text), limit=MAX_COMMENT
            )
        )
    if n is not None:
        _segment(session, dl, slug, n)
    session.add(
        Comment(
            document_id=doc_id,
            lang=lang,
            segment_n=n,
            version_id=dl.version_id,
            author=actor,
            at=now,
            text=text,
        )
    )
    record(session, actor, "comment", document_id=doc_id, lang=lang, new=text, segment=n)
    if n is not None:
        added = N_("comment added on segment {n}").format(n=n)
    else:
        added = N_("comment added on the document")
    return Outcome(doc_id, slug, lang, dl.state, added, segment=n)


CLAIM_MINUTES = 30


def claim_next(
    session: Session, lang: str, actor: str, now: datetime | None = None, *, minutes: int = CLAIM_MINUTES
) -> DocLang | None:
    """Claim the oldest waiting document-language in `lang` for `actor` (or renew the one they hold).

    The claim is a lease: when it expires, the item is back in the queue for anybody. On PostgreSQL the
    row is taken with FOR UPDATE SKIP LOCKED, so concurrent reviewers each get a different item without
    waiting; on SQLite the write transaction (BEGIN IMMEDIATE) already serialises them."""
    now = now or utcnow()
    check_target(lang)
    authorize(session, actor, "claim", lang)
    if not 1 <= minutes <= 24 * 60:
        raise InputError(N_("a claim lasts between 1 minute and 24 hours"))
    waiting = (
        select(DocLang)
        .where(DocLang.lang == lang, col(DocLang.state).in_(QUEUED))
        .order_by(col(DocLang.waiting_since), col(DocLang.document_id))
        .limit(1)
    )
    held = session.exec(
        waiting.where(DocLang.claimed_by == actor, col(DocLang.claim_expires) > now).with_for_update(
            skip_locked=True
        )
    ).first()
    dl = (
        held
        or session.exec(
            waiting.where(
                col(DocLang.claimed_by).is_(None)
                | (col(DocLang.claim_expires) <= now)
                | (DocLang.claimed_by == actor)
            ).with_for_update(skip_locked=True)
        ).first()
    )
    if dl is None:
        return None
    previous = dl.claimed_by if dl.claimed_by != actor else None
    dl.claimed_by, dl.claim_expires = actor, now + timedelta(minutes=minutes)
    record(
        session,
        actor,
        "claim",
        document_id=dl.document_id,
        lang=lang,
        until=dl.claim_expires.isoformat(),
        expired_claim_of=previous,
    )
    session.flush()
    return dl


def release_claim(session: Session, ref: str, lang: str, actor: str) -> Outcome:
    """Give a claimed item back to the queue (`skip` in `review next`)."""
    doc_id, slug, dl = _load(session, ref, lang)
    authorize(session, actor, "claim", lang)
    if dl.claimed_by != actor:
        raise StateError(
            N_("{slug} [{lang}] is not claimed by {actor}").format(slug=slug, lang=lang, actor=actor)
        )
    dl.claimed_by = dl.claim_expires = None
    record(session, actor, "release-claim", document_id=doc_id, lang=lang)
    return Outcome(doc_id, slug, lang, dl.state, N_("back in the queue"))
