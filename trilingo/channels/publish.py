"""Publishing a channel in its own transaction, marking what went live, and keeping each channel's
outcome (its last failure, the retractions carried out) for `status`."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, update
from sqlalchemy import select as sa_select
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
from trilingo.store.models import DocLang, DocState, DocumentVersion, PublishRecord, utcnow
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


# --- Nothing to publish? --------------------------------------------------------------------------
# `trilingo publish` asks this before it starts a flow run (Prefect's import and a run's start cost more
# than the whole one-second budget). The answer is "nothing" only when everything a publish reads is as
# it was when a publish of every channel last succeeded:
# - the database: the audit log (every change a person or the pipeline makes writes to it, in the same
#   transaction), and, as a second guard against rows written past the app, counts and sums of the
#   releases, document-languages, versions, documents, retractions and settings;
# - per channel: its last publish did not fail (channelstate), and every file its ledger lists is on
#   the disk (a publish puts back a file that went missing);
# - the webhook: no event waits for delivery or is dead (a due retry, or one that `publish` reports);
# - no retraction waits to be carried out;
# - time: no notice's `expires:` passed since then (the kiosk and screens drop it, the web marks it);
# - the renderers and their settings: every source, template and catalog file of Trilingo (size and
#   time), the installed packages (site-packages' time), config.toml's values, the webhook's
#   environment, the public folder and the database;
# - the channels: only the built-in ones (an office's own channel's inputs are not known here).
# The fingerprint is taken before the publish it belongs to and kept only if that publish succeeded on
# every channel, so a change made during it shows at the next one.

FINGERPRINT_FILE = "publish-fingerprint.json"

_GUARDS = (
    "SELECT count(*), max(id) FROM auditevent",
    "SELECT count(*), max(id), sum(document_id + version_id) FROM release",
    "SELECT count(*), sum(id * (1 + coalesce(release_id, 0) % 65521)), sum(version_id), "
    "sum(length(state) * (id % 257)) FROM doclang",
    "SELECT count(*), max(id) FROM documentversion",
    "SELECT count(*), max(id) FROM document",
    "SELECT count(*), max(id), sum(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END) FROM retraction",
    "SELECT count(*), max(updated_at) FROM setting",
)


@dataclass(frozen=True)
class Fingerprint:
    value: str  # the hash of everything above but time
    taken_at: datetime


def fingerprint(conn: Connection, settings: Settings) -> Fingerprint | None:
    """What a publish of every channel reads, as one hash; None when a publish has work whatever the
    last one did (a channel failed, an event waits, a retraction waits, a channel of an office's own)."""
    from sqlalchemy import text

    taken_at = utcnow()
    if set(names()) != set(channels._BUILT_IN) | set(channels._LAST):
        return None
    if conn.execute(text("SELECT count(*) FROM channelstate WHERE error IS NOT NULL")).scalar():
        return None
    if conn.execute(text("SELECT count(*) FROM webhookevent WHERE state IN ('pending', 'dead')")).scalar():
        return None
    if conn.execute(text("SELECT count(*) FROM retraction WHERE done_at IS NULL")).scalar():
        return None
    parts = [repr(tuple(conn.execute(text(query)).one())) for query in _GUARDS]
    parts += [
        _code_stamp(),
        repr(sorted((k, repr(v)) for k, v in settings.file_values.items())),
        repr(settings.webhook_env),
        str(settings.public_dir),
        settings.database_url,
    ]
    return Fingerprint(sha256("\n".join(parts).encode()).hexdigest(), taken_at)


def _code_stamp() -> str:
    """Size and time of every file of Trilingo's package (sources, templates, catalogs), and the time of
    the folder packages are installed in: an upgrade of Trilingo or of a library it renders with."""
    import sysconfig

    import trilingo

    stamps = []
    roots = {Path(trilingo.__file__).parent}
    roots |= {Path(p) for p in getattr(trilingo, "__path__", [])}
    for name in ("trilingo.catalogs", "trilingo.flows"):
        spec = find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots |= {Path(p) for p in spec.submodule_search_locations}
    for root in sorted(roots):
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                info = os.stat(os.path.join(folder, name))
                stamps.append(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}")
    purelib = sysconfig.get_paths()["purelib"]
    with contextlib.suppress(OSError):
        stamps.append(f"{purelib}:{os.stat(purelib).st_mtime_ns}")
    return sha256("\n".join(stamps).encode()).hexdigest()


def nothing_to_publish(conn: Connection, settings: Settings, current: Fingerprint | None) -> bool:
    """Whether a publish of every channel would change nothing: `current` (taken now) is the one kept by
    the last publish that succeeded everywhere, no `expires:` passed since it was taken, and every file
    the ledger lists is on the disk."""
    from sqlalchemy import text

    if current is None:
        return False
    kept = _kept(settings)
    if kept is None or kept.value != current.value:
        return False
    expires = col(DocumentVersion.expires)
    expiring = sa_select(func.count()).where(expires > kept.taken_at, expires <= current.taken_at)
    if conn.execute(expiring).scalar():
        return False
    public = str(settings.public_dir)
    isfile = os.path.isfile
    join = os.path.join
    for channel, path in conn.execute(text("SELECT channel, path FROM publishrecord")):
        if not isfile(join(public, channel, path)):
            return False
    return True


def _kept(settings: Settings) -> Fingerprint | None:
    try:
        data = json.loads((settings.home / FINGERPRINT_FILE).read_text(encoding="utf-8"))
        return Fingerprint(str(data["value"]), datetime.fromisoformat(data["taken_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep_fingerprint(settings: Settings, taken: Fingerprint | None) -> None:
    """After a publish that succeeded on every channel: its fingerprint (taken before it), for the next
    `publish` to compare (written whole, or not at all). None forgets the one kept."""
    path = settings.home / FINGERPRINT_FILE
    with contextlib.suppress(OSError):
        if taken is None:
            path.unlink(missing_ok=True)
            return
        data = json.dumps({"value": taken.value, "taken_at": taken.taken_at.isoformat()})
        tmp = path.with_name(f".{FINGERPRINT_FILE}.tmp")
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
