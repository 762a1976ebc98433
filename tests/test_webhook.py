"""The webhook channel against a local receiver on 127.0.0.1: signatures, order per document, retries
after a 500, a receiver that hangs (bounded), dead events and their retry, exactly one delivery per id."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.helpers import add_people
from trilingo.channels.retract import retract
from trilingo.channels.webhook import WebhookConfig, deliver, publish_webhook, retry_dead
from trilingo.intake.store import submit
from trilingo.review.actions import approve
from trilingo.store.models import (
    DocLang,
    DocState,
    Segment,
    SegmentState,
    Translation,
    User,
    WebhookEvent,
    utcnow,
)
from trilingo.text.frontmatter import parse_notice

SECRET = "s3cret-for-tests"


@dataclass
class Receiver:
    url: str = ""
    fail: int = 0  # answer 500 to this many requests first
    hang: float = 0.0  # seconds to wait before answering
    received: list[dict[str, object]] = field(default_factory=list)  # accepted deliveries
    attempts: int = 0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts += 1
            if state.hang:
                time.sleep(state.hang)
            if state.fail > 0:
                state.fail -= 1
                self.send_response(500)
                self.end_headers()
                return
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, self.headers["X-Trilingo-Signature"])
            state.received.append({"id": self.headers["X-Trilingo-Event"], "signed": ok, **json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()


def config(url: str, **kw: float) -> WebhookConfig:
    return WebhookConfig(
        (url,), SECRET, max_tries=int(kw.get("max_tries", 3)), timeout=kw.get("timeout", 2.0), backoff=0
    )


def approve_zh(session: Session, doc_id: int, text: str) -> None:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == "zh")).one()
    for tr in session.exec(
        select(Translation).join(Segment).where(Segment.version_id == dl.version_id, Translation.lang == "zh")
    ).all():
        tr.target, tr.state, tr.origin = text, SegmentState.NEEDS_REVIEW, "memory"
    dl.state = DocState.IN_REVIEW if dl.release_id else DocState.PRETRANSLATED
    session.flush()
    approve(session, str(doc_id), "zh", "reviewer", accept_warnings="webhook test")


def notice(body: str = "Cửa khẩu mở cửa từ 7 giờ.") -> str:
    return f"---\ntitle: Giờ mở cửa\nslug: gio\n---\n{body}\n"


@pytest.fixture
def doc(session: Session) -> int:
    doc_id = submit(session, parse_notice(notice()), "ed").id
    if session.exec(select(User).where(User.name == "reviewer")).first() is None:
        add_people(session, "reviewer", admin="ed")
    approve_zh(session, doc_id, "口岸7时开放。")
    return doc_id


def test_events_are_signed_and_sent_once(session: Session, doc: int, receiver: Receiver) -> None:
    summary = publish_webhook(session, config(receiver.url), "https://example.vn/")
    assert (summary.queued, summary.delivered, summary.failed) == (2, 2, [])
    assert [(e["type"], e["lang"], e["signed"]) for e in receiver.received] == [
        ("published", "vi", True),
        ("published", "zh", True),
    ]
    assert (
        receiver.received[1]["url"] == "https://example.vn/zh/n/gio.html"
        and receiver.received[1]["document"] == doc
    )
    assert len({e["id"] for e in receiver.received}) == 2
    again = publish_webhook(session, config(receiver.url))  # nothing changed: nothing sent
    assert (again.queued, again.delivered, len(receiver.received)) == (0, 0, 2)


def test_a_500_is_retried_in_order_and_each_event_arrives_once(
    session: Session, doc: int, receiver: Receiver
) -> None:
    receiver.fail = 1
    first = publish_webhook(session, config(receiver.url))
    # vi's event failed, so zh's (same document) waited: the receiver never sees them out of order.
    assert first.delivered == 0 and first.failed == [f"{receiver.url}: document {doc} [vi]: HTTP 500"]
    assert receiver.attempts == 1
    second = deliver(session, config(receiver.url))
    assert second.delivered == 2 and [e["lang"] for e in receiver.received] == ["vi", "zh"]
    third = deliver(session, config(receiver.url))
    assert third.delivered == 0 and len(receiver.received) == 2  # exactly one delivery per event id
    assert len({e["id"] for e in receiver.received}) == 2


@pytest.mark.usefixtures("doc")
def test_a_hanging_receiver_is_bounded_and_the_event_dies_then_revives(
    session: Session, receiver: Receiver
) -> None:
    receiver.hang = 15.0
    start = time.monotonic()
    first = publish_webhook(session, config(receiver.url, timeout=0.5, max_tries=1))
    assert time.monotonic() - start < 8  # one request, cut at 0.5 s, not the 15 s hang; zh waits behind vi
    assert first.dead == 1 and "Timeout" in first.failed[0]
    dead = session.exec(select(WebhookEvent).where(WebhookEvent.state == "dead")).one()
    assert dead.lang == "vi" and "Timeout" in (dead.last_error or "")
    receiver.hang = 0.0
    assert retry_dead(session) == 1
    assert deliver(session, config(receiver.url)).delivered == 2
    assert [e["lang"] for e in receiver.received] == ["vi", "zh"]


def test_updated_retracted_and_expired_events(session: Session, doc: int, receiver: Receiver) -> None:
    publish_webhook(session, config(receiver.url))
    submit(session, parse_notice(notice("Cửa khẩu mở cửa từ 8 giờ.")), "ed")
    approve_zh(session, doc, "口岸8时开放。")
    publish_webhook(session, config(receiver.url))
    retract(session, "gio", "ed", "sai giờ", lang="zh")
    publish_webhook(session, config(receiver.url))
    from sqlalchemy import update

    from trilingo.store.models import DocumentVersion

    session.execute(update(DocumentVersion).values(expires=utcnow() - timedelta(days=1)))
    session.flush()
    publish_webhook(session, config(receiver.url))
    assert [(e["type"], e["lang"]) for e in receiver.received] == [
        ("published", "vi"),
        ("published", "zh"),
        ("updated", "vi"),
        ("updated", "zh"),
        ("retracted", "zh"),
        ("expired", "vi"),
    ]


def test_status_shows_what_waits(home: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from tests.helpers import write_notice
    from trilingo.cli import cli

    receiver.fail = 100
    monkeypatch.setenv("TRILINGO_WEBHOOK_URLS", receiver.url)
    monkeypatch.setenv("TRILINGO_WEBHOOK_SECRET", SECRET)
    (home.parent / "n").mkdir()
    assert (
        CliRunner().invoke(cli, ["submit", str(write_notice(home.parent / "n", "tb", "Câu một."))]).exit_code
        == 0
    )
    from trilingo.store.db import session_scope
    from trilingo.workspace import open_database

    with session_scope(
        open_database(str(__import__("os").environ["TRILINGO_DATABASE_URL"]), "tester")
    ) as session:
        publish_webhook(session, config(receiver.url))
    out = CliRunner().invoke(cli, ["status"]).stdout
    assert "WEBHOOK: 1 event(s) waiting to be delivered, 0 dead (last error: HTTP 500)" in out
    retried = CliRunner().invoke(cli, ["webhook", "retry"])
    assert retried.exit_code == 10 and "failed again" in retried.stderr
