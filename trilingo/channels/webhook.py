"""The webhook channel: JSON events for the provincial portal, signed with HMAC-SHA256.

A publish compares what is live with what each receiver was last told (PublishRecord rows of channel
"webhook", path "document/lang") and writes one event per change and receiver (the outbox), in the
same transaction. Delivery comes after: each pending event is POSTed, in order per receiver and
document; a failure is retried with backoff and stays visible in `status`; after `max_tries` the event
is dead, with its last error, until `trilingo webhook retry`.

Events: `published` (a first release), `updated` (a newer release), `retracted`, `expired`.
Signed as Standard Webhooks signs (https://www.standardwebhooks.com/): `webhook-id` (the event id,
the same on every retry: drop a duplicate), `webhook-timestamp` (unix seconds when this attempt was
sent: refuse one more than 5 minutes away, so a captured request cannot be replayed later) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`. The key is the secret's
(WebhookConfig.key): `whsec_` + base64, or, as before, a plain secret's UTF-8 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from trilingo.channels import PublishSummary, Target
from trilingo.config import WebhookConfig
from trilingo.i18n import N_
from trilingo.store.db import redact
from trilingo.store.models import PublishRecord, WebhookEvent, aware, utcnow

CHANNEL = "webhook"
ID, TIMESTAMP, SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"


def sign(key: bytes, event_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` of one attempt: v1, then base64 of HMAC-SHA256 over id.timestamp.body."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def headers(key: bytes, event_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers of one attempt, stamped with the time it is sent."""
    at = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json; charset=utf-8",
        ID: event_id,
        TIMESTAMP: str(at),
        SIGNATURE: sign(key, event_id, at, body),
    }


@dataclass
class WebhookSummary:
    queued: int = 0
    delivered: int = 0
    failed: list[str] = field(default_factory=list)  # "url: document: error"
    dead: int = 0  # went dead in this run (max_tries reached)
    # What is left after this run, for every command that delivers to say: events still to be retried
    # (and the earliest retry), and dead ones, which wait for `trilingo webhook retry`.
    pending_total: int = 0
    dead_total: int = 0
    next_retry: datetime | None = None


def outstanding(session: Session, summary: WebhookSummary) -> WebhookSummary:
    """Fill in what is still undelivered after a delivery round."""
    from sqlalchemy import func

    rows = session.exec(
        select(WebhookEvent.state, func.count(), func.min(WebhookEvent.next_at))
        .where(col(WebhookEvent.state).in_(["pending", "dead"]))
        .group_by(col(WebhookEvent.state))
    ).all()
    for state, count, first in rows:
        if state == "pending":
            summary.pending_total, summary.next_retry = count, aware(first) if first else None
        else:
            summary.dead_total = count
    return summary


def describe(summary: WebhookSummary) -> str:
    """What a command says of the deliveries it tried and what is left, in one line ('' if all is well)."""
    parts = []
    if summary.failed:
        parts.append(
            N_("{count} delivery(ies) failed ({first})").format(
                count=len(summary.failed), first=summary.failed[0]
            )
        )
    if summary.pending_total and summary.next_retry:
        parts.append(
            N_("{count} event(s) will be tried again from {next_retry:%H:%M}Z, with backoff").format(
                count=summary.pending_total, next_retry=summary.next_retry
            )
        )
    elif summary.pending_total:
        parts.append(
            N_("{count} event(s) will be tried again, with backoff").format(count=summary.pending_total)
        )
    if summary.dead_total:
        parts.append(
            N_("{count} event(s) are dead after max_tries and wait for `trilingo webhook retry`").format(
                count=summary.dead_total
            )
        )
    return "; ".join(parts)


def enqueue(
    session: Session,
    config: WebhookConfig,
    current: Mapping[tuple[int, str], tuple[str, Callable[[], dict[str, object]]]],
) -> int:
    """Record one event per change and receiver. `current` maps (document, lang) → (state key, what makes
    the payload's fields, called for changes only) for everything the webhook carries now:
    "live:<release>" or "expired:<release>"."""
    if not config.urls:
        return 0
    known = {
        r.path: r for r in session.exec(select(PublishRecord).where(PublishRecord.channel == CHANNEL)).all()
    }
    now = utcnow()
    queued = 0
    changes: list[tuple[int, str, str, dict[str, object]]] = []
    for (doc, lang), (state, make) in sorted(current.items()):
        path = f"{doc}/{lang}"
        record = known.get(path)
        if record is not None and record.content_hash == state:
            continue
        kind = "expired" if state.startswith("expired:") else ("updated" if record else "published")
        changes.append((doc, lang, kind, make()))
        if record is None:
            session.add(
                PublishRecord(channel=CHANNEL, path=path, content_hash=state, document_id=doc, lang=lang)
            )
        else:
            record.content_hash, record.published_at = state, now
    for path, record in sorted(known.items()):
        doc_text, lang = path.split("/", 1)
        if (int(doc_text), lang) not in current and not record.content_hash.startswith("retracted"):
            changes.append((int(doc_text), lang, "retracted", {"document": int(doc_text), "lang": lang}))
            record.content_hash, record.published_at = "retracted", now
    for doc, lang, kind, fields in changes:
        event_id = str(uuid.uuid4())
        body = json.dumps(
            {"id": event_id, "type": kind, "at": now.isoformat(), **fields},
            ensure_ascii=False,
            sort_keys=True,
        )
        for url in config.urls:
            session.add(
                WebhookEvent(
                    event_id=event_id,
                    url=url,
                    document_id=doc,
                    lang=lang,
                    kind=kind,
                    payload=body,
                    next_at=now,
                )
            )
            queued += 1
    session.flush()
    return queued


def deliver(session: Session, config: WebhookConfig, now: datetime | None = None) -> WebhookSummary:
    """POST every pending event that is due, in order per (receiver, document); a failure holds back the
    later events of that document for that receiver, so they never arrive out of order."""
    import httpx

    now = now or utcnow()
    summary = WebhookSummary()
    pending = session.exec(
        select(WebhookEvent).where(WebhookEvent.state == "pending").order_by(col(WebhookEvent.id))
    ).all()
    blocked: set[tuple[str, int]] = set()
    signing = config.key
    with httpx.Client(timeout=httpx.Timeout(config.timeout), follow_redirects=False) as client:
        for event in pending:
            key = (event.url, event.document_id)
            if key in blocked:
                continue
            if aware(event.next_at) > now:
                blocked.add(key)
                continue
            body = event.payload.encode("utf-8")
            try:
                response = client.post(
                    event.url, content=body, headers=headers(signing, event.event_id, body)
                )
                error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{exc.__class__.__name__}: {exc}".replace(event.url, redact(event.url))[:300]
            event.tries += 1
            if error is None:
                event.state, event.delivered_at, event.last_error = "delivered", now, None
                summary.delivered += 1
                continue
            blocked.add(key)
            event.last_error = error
            if event.tries >= config.max_tries:
                event.state = "dead"
                summary.dead += 1
            else:
                event.next_at = now + timedelta(seconds=min(config.backoff * 2 ** (event.tries - 1), 3600))
            summary.failed.append(
                N_("{url}: document {document} [{lang}]: {error}").format(
                    url=redact(event.url), document=event.document_id, lang=event.lang, error=error
                )
            )
    session.flush()
    return summary


def retry_dead(session: Session) -> int:
    """Dead events go back to pending, due now, with their tries reset."""
    dead = session.exec(select(WebhookEvent).where(WebhookEvent.state == "dead")).all()
    now = utcnow()
    for event in dead:
        event.state, event.tries, event.next_at = "pending", 0, now
    session.flush()
    return len(dead)


def publish_webhook(session: Session, config: WebhookConfig, base_url: str = "") -> WebhookSummary:
    """Queue an event for every change since the last publish, commit them, then deliver what is due.
    Without a receiver there is nothing to queue, and the live pages are not read."""
    from trilingo.channels.pages import Page, article_url, date_text, gates_of, live_pages

    def fields(page: Page) -> dict[str, object]:
        return {
            "document": page.doc_id,
            "slug": page.slug,
            "lang": page.lang,
            "title": page.title,
            "release": page.release_id,
            "approved": page.approved_at.isoformat(),
            "category": page.category,
            "gates": list(gates_of(page)),
            "expires": date_text(page.expires) or None,
            "url": article_url(base_url, page.lang, page.slug),
        }

    now = utcnow()
    current: dict[tuple[int, str], tuple[str, Callable[[], dict[str, object]]]] = {}
    for page in live_pages(session, CHANNEL) if config.urls else []:
        state = f"{'expired' if page.expired(now) else 'live'}:{page.release_id}"
        current[(page.doc_id, page.lang)] = (state, partial(fields, page))  # built for changes only
    summary = WebhookSummary(queued=enqueue(session, config, current))
    session.commit()  # the events are safe before anything is sent
    if config.urls:
        delivered = deliver(session, config)
        summary.delivered, summary.failed, summary.dead = (
            delivered.delivered,
            delivered.failed,
            delivered.dead,
        )
    return outstanding(session, summary)


RETRY_EVERY = 15.0  # seconds between `serve`'s delivery rounds: backoffs are in tens of seconds


def deliver_due(db: Any, config: WebhookConfig, public_dir: Path) -> WebhookSummary | None:
    """One delivery round of what is due, outside any publish (`serve` runs one every RETRY_EVERY s, so
    retries keep their backoff instead of waiting for the next publish). None when there is nothing to
    do, or a publish holds the workspace (it delivers itself)."""
    from trilingo.channels.ledger import hold_publish_lock
    from trilingo.errors import UnavailableError
    from trilingo.store.db import session_scope

    if not config.urls:
        return None
    with session_scope(db) as session:
        due = session.exec(
            select(WebhookEvent.id)
            .where(WebhookEvent.state == "pending", col(WebhookEvent.next_at) <= utcnow())
            .limit(1)
        ).first()
        if due is None:
            return None
        try:
            hold_publish_lock(session, public_dir, wait=0)
        except UnavailableError:
            return None
        return outstanding(session, deliver(session, config))


class Webhook:
    """Events for the provincial portal: one per change and receiver, delivered with retries."""

    name = CHANNEL
    retractable = False  # a retraction from every channel goes out as a `retracted` event

    def publish(self, session: Session, target: Target) -> PublishSummary:
        config = target.webhook or WebhookConfig()
        hook = publish_webhook(session, config, target.site.base_url)
        return PublishSummary(
            self.name,
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

    def status(self, conn: Connection) -> dict[str, Any] | None:
        from trilingo.status import webhook_counts

        return webhook_counts(conn)

    def report(self, result: Mapping[str, Any], folder: Path) -> list[str]:
        del folder  # it writes no files
        if not result["receivers"]:
            return [N_("webhook: no receiver configured ([webhook] urls in config.toml)")]
        lines = [
            N_("webhook: {queued} event(s) queued, {delivered} delivered to {receivers} receiver(s)").format(
                queued=result["queued"], delivered=result["delivered"], receivers=result["receivers"]
            )
        ]
        if result["undelivered"]:
            lines.append(f"  {result['undelivered']}")
        return lines


channel = Webhook()
