"""Publishing all channels that exist so far, and marking what went live."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from trilingo.channels.web import CHANNEL as WEB
from trilingo.channels.web import publish_web
from trilingo.errors import TrilingoError
from trilingo.site import SiteSettings
from trilingo.site import example as example_site
from trilingo.store.audit import record
from trilingo.store.models import DocLang, DocState, utcnow
from trilingo.store.tables import channelstate, retraction

PRINT = "print"  # channels.leaflets, imported when used: `submit` publishes only the web pages
KIOSK = "kiosk"  # channels.kiosk_bundle, likewise
SCREENS = "screens"  # channels.screens, imported when used
WEBHOOK = "webhook"  # channels.webhook: events for the provincial portal (last: it reports what went out)
# The channels that have a publisher (text.frontmatter.KNOWN_CHANNELS names the same; a test checks).
PUBLISHERS = (WEB, PRINT, KIOSK, SCREENS, WEBHOOK)


@dataclass
class PublishSummary:
    channel: str
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    went_live: list[str] = field(default_factory=list)  # "slug-id:lang" newly published
    waiting: list[str] = field(default_factory=list)  # what cannot go out yet, and why (leaflets)
    withdrawn: list[str] = field(default_factory=list)  # "id:lang" out of date in a critical category
    removed: list[str] = field(default_factory=list)  # files taken down (retracted, or waiting again)
    failed: list[str] = field(default_factory=list)  # deliveries that failed (webhook): retried later
    queued: int = 0  # webhook events written by this publish
    delivered: int = 0  # webhook events delivered by this publish
    receivers: int = 0  # webhook receivers configured
    dead: int = 0  # webhook events that went dead in this publish
    pending_total: int = 0  # webhook events left to retry, after it
    dead_total: int = 0  # dead webhook events, after it (they wait for `trilingo webhook retry`)
    next_retry: datetime | None = None
    undelivered: str = ""  # the webhook's one line on what failed and what is left ('' if nothing)


def publish_channel(
    session: Session,
    channel: str,
    public_dir: Path,
    actor: str,
    now: datetime | None = None,
    *,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
) -> PublishSummary:
    """Write one channel (all of it, or the pages of `documents` and the lists showing them); approved
    document-languages whose release is now out become `published`."""
    now = now or utcnow()
    if channel == WEBHOOK:
        from trilingo.channels.webhook import load_config, publish_webhook

        config = load_config(public_dir.parent)
        hook = publish_webhook(session, config, (site or example_site()).base_url)
        from trilingo.channels.webhook import describe

        return PublishSummary(
            channel,
            failed=hook.failed,
            queued=hook.queued,
            delivered=hook.delivered,
            receivers=len(config.urls),
            dead=hook.dead,
            pending_total=hook.pending_total,
            dead_total=hook.dead_total,
            next_retry=hook.next_retry,
            undelivered=describe(hook),
        )
    if channel == SCREENS:
        from trilingo.channels.screens import publish_screens

        shown = publish_screens(session, public_dir / SCREENS, documents, site)
        return PublishSummary(channel, shown.written, shown.unchanged)
    if channel == KIOSK:
        from trilingo.channels.kiosk import publish_kiosk

        bundle = publish_kiosk(session, public_dir / KIOSK, documents, site)
        return PublishSummary(channel, bundle.written, bundle.unchanged)
    if channel == PRINT:
        from trilingo.channels.leaflets import publish_leaflets

        leaflets = publish_leaflets(session, public_dir / PRINT, documents, site)
        return PublishSummary(
            channel, leaflets.written, leaflets.unchanged, waiting=leaflets.waiting, removed=leaflets.removed
        )
    if channel != WEB:
        raise ValueError(f"unknown channel {channel!r}")
    result = publish_web(session, public_dir / WEB, documents, site)
    live = set(result.published)
    summary = PublishSummary(
        channel,
        result.written,
        result.unchanged,
        withdrawn=[f"{d}:{lang}" for d, lang in result.withdrawn],
        removed=result.removed,
    )
    approved = session.exec(
        select(DocLang.id, DocLang.document_id, DocLang.lang, DocLang.release_id).where(
            col(DocLang.state) == DocState.APPROVED
        )
    ).all()
    went = [(i, d, lang, release) for i, d, lang, release in approved if (d, lang) in live and i is not None]
    for chunk in (went[i : i + 900] for i in range(0, len(went), 900)):
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
            session, actor, "publish", document_id=document_id, lang=lang, channel=channel, release=release
        )
    return summary


def publish_and_record(
    db: Engine,
    channel: str,
    public_dir: Path,
    actor: str,
    *,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
) -> PublishSummary:
    """One channel's publish in its own transaction, its outcome kept for `status`: a failure is shown
    there until a publish of that channel succeeds (a webhook delivery that failed counts as one)."""
    from trilingo.store.db import session_scope

    try:
        with session_scope(db) as session:
            summary = publish_channel(session, channel, public_dir, actor, documents=documents, site=site)
            if not summary.failed:
                _mark(session.connection(), channel, None)
    except TrilingoError as exc:
        note_failure(db, channel, exc.message)
        raise
    if summary.failed:
        note_failure(db, channel, f"{len(summary.failed)} delivery(ies) failed: {summary.failed[0]}")
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
            if (r.channel in channels if r.channel else set(PUBLISHERS) <= set(channels))
        ]
        if done:
            conn.execute(update(retraction).where(retraction.c.id.in_(done)).values(done_at=utcnow()))
    return len(done)
