"""Publishing a channel in its own transaction, marking what went live, and keeping each channel's
outcome (its last failure, the retractions carried out) for `status`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

if TYPE_CHECKING:
    from trilingo.config import Settings

from trilingo import channels
from trilingo.channels import PublishSummary, Target, names
from trilingo.errors import TrilingoError
from trilingo.i18n import N_
from trilingo.site import SiteSettings
from trilingo.site import example as example_site
from trilingo.store.audit import record
from trilingo.store.chunks import chunked
from trilingo.store.models import DocLang, DocState, PublishRecord, utcnow
from trilingo.store.tables import channelstate, retraction


def publish_channel(
    session: Session,
    channel: str,
    public_dir: Path,
    actor: str,
    now: datetime | None = None,
    *,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
    settings: Settings | None = None,
    full: bool = False,
) -> PublishSummary:
    """Write one channel (all of it, or the pages of `documents` and the lists showing them) into
    public_dir/<channel>; approved document-languages whose release is now out become `published`.
    `settings` (the workspace's, loaded once) give the site, the webhook's receivers and the channel's
    own configuration; without them, the shipped example site and no receivers.

    `full` (`trilingo publish --full`, for a new kiosk or after an upgrade) forgets, in this
    transaction, the ledger's input keys of the channel's files: nothing is taken as current, so every
    file is rendered again and compared with the bytes the ledger recorded for it, and written when they
    differ or the file is gone (see `forget_input_keys`)."""
    if full:
        forget_input_keys(session, channel, public_dir)
    target = Target(
        public_dir / channel,
        site or (settings.site if settings else example_site()),
        documents,
        settings.file_values if settings else {},
        settings.webhook if settings else None,
    )
    summary = channels.get(channel).publish(session, target)
    if summary.live is not None:
        _mark_published(session, summary, actor, now or utcnow())
    return summary


def forget_input_keys(session: Session, channel: str, public_dir: Path) -> int:
    """Blank the input keys of `channel`'s ledger records (under the publish lock, in the caller's
    transaction: a failed publish puts them back). Per channel, what a publish does then:
    - web, print, screens: every page, list, sitemap, leaflet (HTML and PDF) and playlist is rendered
      again, and written if its bytes differ from the ledger's or the file is missing;
    - kiosk: its "bundle is current" check fails, so it compares every row of the bundle with the live
      releases (its in-place update, which builds the bundle whole when its renderer, the site or the
      bucket count changed, or a file it needs is missing or damaged) and writes its database, page and
      manifest again if they differ;
    - webhook: keeps no files, so nothing changes: events say what changed, and a full publish sends
      none for what did not (due retries go out as in any publish).
    Returns the number of records whose key was blanked."""
    from trilingo.channels.ledger import hold_publish_lock

    hold_publish_lock(session, public_dir)
    done = session.execute(
        update(PublishRecord)
        .where(col(PublishRecord.channel) == channel, col(PublishRecord.input_key).is_not(None))
        .values(input_key=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def _mark_published(session: Session, summary: PublishSummary, actor: str, now: datetime) -> None:
    live = set(summary.live or ())
    approved = session.exec(
        select(DocLang.id, DocLang.document_id, DocLang.lang, DocLang.release_id).where(
            col(DocLang.state) == DocState.APPROVED
        )
    ).all()
    went = [(i, d, lang, release) for i, d, lang, release in approved if (d, lang) in live and i is not None]
    for chunk in chunked(went):
        # A compare-and-set like every change of a document-language: an approval landing meanwhile wins.
        session.execute(
            update(DocLang)
            .where(col(DocLang.id).in_([i for i, *_ in chunk]), col(DocLang.state) == DocState.APPROVED)
            .values(state=DocState.PUBLISHED, updated_at=now, row_version=col(DocLang.row_version) + 1)
            .execution_options(synchronize_session=False)
        )
    for _, document_id, lang, release in went:
        summary.went_live.append(f"{document_id}:{lang}")
        record(
            session,
            actor,
            "publish",
            document_id=document_id,
            lang=lang,
            channel=summary.channel,
            release=release,
        )


def publish_and_record(
    db: Engine,
    channel: str,
    public_dir: Path,
    actor: str,
    *,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
    settings: Settings | None = None,
    full: bool = False,
) -> PublishSummary:
    """One channel's publish in its own transaction, its outcome kept for `status`: a failure is shown
    there until a publish of that channel succeeds (a webhook delivery that failed counts as one)."""
    from trilingo.store.db import session_scope

    try:
        with session_scope(db) as session:
            summary = publish_channel(
                session,
                channel,
                public_dir,
                actor,
                documents=documents,
                site=site,
                settings=settings,
                full=full,
            )
            if not summary.failed:
                _mark(session.connection(), channel, None)
    except TrilingoError as exc:
        note_failure(db, channel, exc.message)
        raise
    if summary.failed:
        note_failure(
            db,
            channel,
            N_("{count} delivery(ies) failed: {first}").format(
                count=len(summary.failed), first=summary.failed[0]
            ),
        )
    return summary


def _mark(conn: Connection, channel: str, error: str | None) -> None:
    now = utcnow()
    values = (
        {"succeeded_at": now, "error": None} if error is None else {"failed_at": now, "error": error[:2000]}
    )
    done = conn.execute(update(channelstate).where(channelstate.c.channel == channel).values(**values))
    if not done.rowcount:
        conn.execute(insert(channelstate).values(channel=channel, **values))


def note_failure(db: Engine, channel: str, error: str) -> None:
    """Keep a channel's failure (in a transaction of its own: the publish's was rolled back)."""
    from sqlalchemy.exc import DBAPIError

    from trilingo.store.db import WRITE

    try:
        with db.execution_options(**WRITE).begin() as conn:
            _mark(conn, channel, error)
    except DBAPIError:
        pass  # the database itself is what failed: the error the caller raises says so


def finish_retractions(
    db: Engine, channels: Collection[str], documents: Collection[int] | None = None
) -> int:
    """Retractions (of `documents`, or all) whose channels were all published since: carried out, so
    `status` stops showing them as pending."""
    from trilingo.store.db import session_scope

    with session_scope(db) as session:
        conn = session.connection()
        query = (
            retraction.select()
            .where(retraction.c.done_at.is_(None))
            .with_only_columns(retraction.c.id, retraction.c.channel)
        )
        if documents is not None:
            query = query.where(retraction.c.document_id.in_(list(documents)))
        done = [
            r.id
            for r in conn.execute(query).all()
            if (r.channel in channels if r.channel else set(names()) <= set(channels))
        ]
        if done:
            conn.execute(update(retraction).where(retraction.c.id.in_(done)).values(done_at=utcnow()))
    return len(done)
