"""The webhook channel against a local receiver on 127.0.0.1: signatures as Standard Webhooks checks them
(its own verifier, and the README's receiver), replays refused, order per document, retries after a
500, a receiver that hangs (bounded), dead events and their retry, exactly one delivery per id."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.helpers import QuietHandler, add_people, local_server
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

SECRET = "whsec_" + base64.b64encode(b"a key of 32 bytes for the tests!").decode()
README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def readme_receiver(clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """The README's receiver (the Python block of its webhook section), run as it is, with its clock."""
    section = README[README.index("## The published channels") :]
    code = re.search(r"A receiver, in Python.*?```python\n(.*?)```", section, flags=re.S)
    assert code is not None, "the README's webhook section shows no receiver"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)
    namespace["time"] = type("Clock", (), {"time": staticmethod(clock)})  # its `time.time()`
    return namespace


@dataclass
class Receiver:
    url: str = ""
    secret: str | bytes = SECRET  # as the receiver's Standard Webhooks library is given it
    fail: int = 0  # answer 500 to this many requests first
    hang: float = 0.0  # seconds to wait before answering
    received: list[dict[str, object]] = field(default_factory=list)  # accepted deliveries
    requests: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)  # as they came
    attempts: int = 0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A stub receiver that checks every request with the standardwebhooks package's own verifier."""
    state = Receiver()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = dict(self.headers.items())
            state.attempts += 1
            state.requests.append((body, headers))
            if state.hang:
                time.sleep(state.hang)
            if state.fail > 0:
                state.fail -= 1
                self.send_response(500)
                self.end_headers()
                return
            try:
                Webhook(state.secret).verify(body, headers)
                ok = True
            except WebhookVerificationError:
                ok = False
            state.received.append({"id": self.headers["webhook-id"], "signed": ok, **json.loads(body)})
            self.send_response(204)
            self.end_headers()

    with local_server(Handler) as base:
        state.url = f"{base}/hook"
        yield state


def config(url: str, secret: str = SECRET, **kw: float) -> WebhookConfig:
    return WebhookConfig(
        (url,), secret, max_tries=int(kw.get("max_tries", 3)), timeout=kw.get("timeout", 2.0), backoff=0
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


def test_every_attempt_is_signed_as_standard_webhooks_with_a_stable_id_and_its_own_time(
    session: Session, doc: int, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.fail = 1
    before = int(time.time())
    publish_webhook(session, config(receiver.url))
    later = time.time() + 90  # the retry is sent 90 s later, still within the verifier's 5 minutes
    monkeypatch.setattr(
        "trilingo.channels.webhook.time", type("Clock", (), {"time": staticmethod(lambda: later)})
    )
    assert deliver(session, config(receiver.url)).delivered == 2
    (first_body, first), (retry_body, retry) = receiver.requests[:2]
    assert (
        first_body == retry_body
        and json.loads(first_body)["id"] == first["webhook-id"] == retry["webhook-id"]
    )
    assert before <= int(first["webhook-timestamp"]) <= time.time() and int(
        retry["webhook-timestamp"]
    ) == int(later)
    assert first["webhook-signature"] != retry["webhook-signature"]
    assert first["webhook-signature"].startswith("v1,") and "X-Trilingo-Signature" not in first
    assert [e["signed"] for e in receiver.received] == [True, True]  # the package's own verifier
    # The signature covers the id and the time: another id or a later time on the same body fails.
    webhook = Webhook(SECRET)
    assert webhook.verify(retry_body, retry)["document"] == doc
    for name, value in (("webhook-id", "another-id"), ("webhook-timestamp", str(int(later) + 1))):
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            webhook.verify(retry_body, {**retry, name: value})


@pytest.mark.usefixtures("doc")
def test_a_plain_secret_still_signs_with_its_own_bytes(session: Session, receiver: Receiver) -> None:
    receiver.secret = b"s3cret-for-tests"  # how a Standard Webhooks library takes a secret without whsec_
    assert publish_webhook(session, config(receiver.url, "s3cret-for-tests")).delivered == 2
    assert [e["signed"] for e in receiver.received] == [True, True]
    body, headers = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, headers)  # another key: refused


@pytest.fixture
def readme_server() -> Iterator[tuple[str, list[float], list[dict[str, Any]]]]:
    """The README's receiver behind a local HTTP server: 204 for an event (stored once), 401 refused.
    Its clock is the real one plus offset[0] seconds."""
    offset = [0.0]
    receiver = readme_receiver(lambda: time.time() + offset[0])
    seen: set[str] = set()
    stored: list[dict[str, Any]] = []

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                event = receiver["receive"](self.headers, body, SECRET, seen)
            except PermissionError:
                self.send_response(401)
            else:
                if event is not None:
                    stored.append(event)
                self.send_response(204)
            self.end_headers()

    with local_server(Handler) as base:
        yield f"{base}/hook", offset, stored


@pytest.mark.usefixtures("doc")
def test_the_readme_receiver_takes_real_deliveries_and_refuses_a_replay(
    session: Session,
    receiver: Receiver,
    readme_server: tuple[str, list[float], list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, offset, stored = readme_server
    hooks = WebhookConfig((receiver.url, url), SECRET, max_tries=3, timeout=2.0, backoff=0)
    summary = publish_webhook(session, hooks)
    assert (summary.delivered, summary.failed) == (4, [])  # the README's receiver answered 204 to both
    assert [(e["type"], e["lang"]) for e in stored] == [("published", "vi"), ("published", "zh")]
    body, headers = receiver.requests[0]  # a request as it went over the wire, captured
    sent = {k: v for k, v in headers.items() if k.lower().startswith("webhook-") or k == "Content-Type"}
    # Replayed at once: the id is known, so it is acknowledged and dropped.
    assert httpx.post(url, content=body, headers=sent).status_code == 204 and len(stored) == 2
    # Replayed after the 5 minutes (to a receiver that has forgotten the id): refused.
    offset[0] = 301
    stored_ids = {e["id"] for e in stored}
    fresh = readme_receiver(lambda: time.time() + 301)
    with pytest.raises(PermissionError, match="timestamp"):
        fresh["receive"](headers, body, SECRET, set())
    assert httpx.post(url, content=body, headers=sent).status_code == 401
    # …and the standardwebhooks verifier refuses it too.
    import standardwebhooks.webhooks as sw

    real = sw.datetime

    class Later(real):  # type: ignore[misc,valid-type]
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return real.now(tz) + timedelta(seconds=301)

    monkeypatch.setattr(sw, "datetime", Later)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(SECRET).verify(body, headers)
    monkeypatch.setattr(sw, "datetime", real)
    # A fresh timestamp on the captured request does not help: the signature covers it.
    offset[0] = 0
    forged = {**sent, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}
    assert httpx.post(url, content=body, headers=forged).status_code == 401
    with pytest.raises(PermissionError, match="bad signature"):
        fresh = readme_receiver()
        fresh["receive"]({**headers, "webhook-id": "other"}, body, SECRET, set())
    assert {e["id"] for e in stored} == stored_ids and len(stored) == 2
    # The README's key rule is the channel's: a plain secret is its own bytes.
    plain = readme_receiver()["signing_key"]
    assert plain("s3cret") == WebhookConfig(secret="s3cret").key == b"s3cret"
    assert plain(SECRET) == WebhookConfig(secret=SECRET).key == b"a key of 32 bytes for the tests!"


@pytest.mark.parametrize("secret", ["whsec_not base64!", "whsec_", "whsec_@@@@"])
def test_an_unusable_secret_is_one_error_line(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret: str
) -> None:
    from click.testing import CliRunner

    from tests.helpers import write_notice
    from trilingo.cli import cli

    monkeypatch.setenv("TRILINGO_WEBHOOK_URLS", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("TRILINGO_WEBHOOK_SECRET", secret)
    message = (
        "Error: the webhook secret starts with whsec_ but what follows is not a key in base64 "
        "(TRILINGO_WEBHOOK_SECRET or [webhook] secret)\n"
    )
    retried = CliRunner().invoke(cli, ["webhook", "retry"])
    assert (retried.exit_code, retried.output) == (2, message)
    submitted = CliRunner().invoke(cli, ["submit", str(write_notice(tmp_path, "tb-key", "Câu một."))])
    # The notice is kept (as with any publishing failure at submit) and nothing is published.
    assert submitted.exit_code == 2 and submitted.output.splitlines() == [
        "Error: tb-key was stored, but publishing the Vietnamese pages failed: "
        + message.removeprefix("Error: ").strip()
        + " (`trilingo publish` writes them once that is fixed)"
    ]
    assert not list((home / "public").glob("web/**/*.html"))


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
