"""Taking published content down: a retraction names the live release of each document-language it
covers, so a later approved release (a new version) is not covered and comes back by itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from trilingo.channels import retractable
from trilingo.errors import InputError, StateError
from trilingo.i18n import N_
from trilingo.languages import ALL
from trilingo.people import authorize
from trilingo.store.audit import record
from trilingo.store.documents import resolve_document
from trilingo.store.models import DocLang, DocState, Retraction, utcnow
from trilingo.text.clean import check_text, clean_line


@dataclass
class Retracted:
    document: int
    slug: str
    langs: list[str] = field(default_factory=list)
    channel: str | None = None  # None: every channel
    reason: str = ""


def retract(
    session: Session, ref: str, actor: str, reason: str, lang: str | None = None, channel: str | None = None
) -> Retracted:
    """Retract the live release of `ref` in `lang` (every language that has one by default), from `channel`
    (every channel by default). Reviewers retract in their languages; the Vietnamese original needs an admin."""
    reason = clean_line(check_text(reason, "the reason"))
    if not reason:
        raise InputError(N_("a retraction needs a reason"))
    if lang is not None and lang not in ALL:
        raise InputError(
            N_("unknown language {lang!r} (expected one of: {expected})").format(
                lang=lang, expected=", ".join(ALL)
            )
        )
    if channel is not None and channel not in retractable():
        raise InputError(
            N_("unknown channel {channel!r} (expected one of: {expected})").format(
                channel=channel, expected=", ".join(retractable())
            )
        )
    doc = resolve_document(session, ref)
    assert doc.id is not None
    rows = session.exec(
        select(DocLang).where(DocLang.document_id == doc.id, col(DocLang.release_id).is_not(None))
    ).all()
    live = {dl.lang: dl for dl in rows if lang is None or dl.lang == lang}
    already = retracted_releases(session, channel, [doc.id])
    todo = sorted(
        (dl for dl in live.values() if (doc.id, dl.lang, dl.release_id) not in already),
        key=lambda d: ALL.index(d.lang),
    )
    if not todo:
        if lang:
            raise StateError(
                N_("{slug} [{lang}] has nothing published to retract (or it is retracted already)").format(
                    slug=doc.slug, lang=lang
                )
            )
        raise StateError(
            N_("{slug} has nothing published to retract (or it is retracted already)").format(slug=doc.slug)
        )
    for dl in todo:
        authorize(session, actor, "retract", dl.lang)
    now = utcnow()
    for dl in todo:
        assert dl.release_id is not None
        session.add(
            Retraction(
                document_id=doc.id,
                lang=dl.lang,
                release_id=dl.release_id,
                channel=channel,
                reason=reason,
                actor=actor,
                at=now,
            )
        )
        if channel is None and dl.state in (DocState.APPROVED, DocState.PUBLISHED):
            # Its release is down everywhere: it says so in the queue, `review show` and `status`, until a
            # new approval brings it back. (A document-language already at work on a newer version keeps
            # its state: the work waits as before.)
            dl.state, dl.updated_at = DocState.RETRACTED, now
        record(
            session,
            actor,
            "retract",
            document_id=doc.id,
            lang=dl.lang,
            release=dl.release_id,
            channel=channel,
            reason=reason,
        )
    session.flush()
    return Retracted(doc.id, doc.slug, [dl.lang for dl in todo], channel, reason)


def retracted_releases(
    session: Session, channel: str | None, documents: Iterable[int] | None = None
) -> set[tuple[int, str, int]]:
    """(document, language, release) taken down from `channel` (a retraction from every channel counts)."""
    query = select(Retraction.document_id, Retraction.lang, Retraction.release_id).where(
        (col(Retraction.channel).is_(None)) | (Retraction.channel == channel)
    )
    if documents is not None:
        query = query.where(col(Retraction.document_id).in_(list(documents)))
    return {(d, lang, r) for d, lang, r in session.exec(query).all()}
