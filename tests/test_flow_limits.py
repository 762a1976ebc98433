"""The engine limiter that flow runs share through Prefect's concurrency API, against a stub of that API:
a slow answer is asked again, a silent server fails the call after its grace, an error is named."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from trilingo.errors import UnavailableError
from trilingo.flows import throttle
from trilingo.flows.throttle import PrefectLimiter


class _Api(BaseHTTPRequestHandler):
    slow: ClassVar[int] = 0  # how many increments answer too late
    fail_with: ClassVar[int | None] = None
    seen: ClassVar[list[tuple[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        path = self.path.removeprefix("/api/v2/concurrency_limits/")
        type(self).seen.append((path, body))
        if path == "increment":
            if type(self).slow > 0:
                type(self).slow -= 1
                time.sleep(0.6)  # past the client's 0.2 s timeout
            if (status := type(self).fail_with) is not None:
                return self._send(status, {"detail": "boom"})
        answer = {"lease_id": "lease-1"} if path == "increment-with-lease" else {}
        self._send(201 if path == "" else 200, answer)

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def _fresh_process() -> None:
    # Each test sets its limits up as a new process would: a stub server may reuse an earlier one's port.
    throttle._READY.clear()


@pytest.fixture
def api() -> Iterator[str]:
    _Api.slow, _Api.fail_with, _Api.seen = 0, None, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_a_slow_answer_is_asked_again_and_the_slot_is_given_back(api: str) -> None:
    limiter = PrefectLimiter(api, "google", 2, 5.0, timeout=0.2, grace=30)
    _Api.slow = 2
    with limiter.slot():
        held = [p for p, _ in _Api.seen]
    assert held == ["", "", "increment", "increment", "increment", "increment-with-lease"]
    assert _Api.seen[-1] == ("decrement-with-lease", {"lease_id": "lease-1"})
    assert _Api.seen[2][1] == {"names": ["trilingo-mt-google-rate"], "slots": 1, "mode": "rate_limit"}
    assert _Api.seen[5][1]["names"] == ["trilingo-mt-google"]
    # A second limiter in this process (the run's next batch task) does not set the limits up again.
    _Api.seen = []
    with PrefectLimiter(api, "google", 2, 5.0, timeout=0.2, grace=30).slot():
        pass
    assert [p for p, _ in _Api.seen] == ["increment", "increment-with-lease", "decrement-with-lease"]


def test_a_server_silent_past_the_grace_fails_the_call_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    _Api.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    limiter = PrefectLimiter(f"http://127.0.0.1:{server.server_address[1]}/api", "google", 2, 5.0, grace=1.5)
    server.shutdown()
    server.server_close()  # from here on, every request is refused
    # Counted, not timed: a busy machine may take a while over one refused connection.
    tries: list[str] = []
    post = httpx.post

    def counted_post(url: str, **kwargs: Any) -> httpx.Response:
        tries.append(url.rsplit("/", 1)[-1])
        return post(url, **kwargs)

    monkeypatch.setattr(throttle.httpx, "post", counted_post)
    start = time.monotonic()
    with (
        pytest.raises(
            UnavailableError, match=r"^the Prefect server does not answer \(ConnectError; silent for \d+ s\)$"
        ),
        limiter.slot(),
    ):
        pass
    assert len(tries) >= 2 and set(tries) == {"increment"}  # asked again while within the grace (1.5 s)
    assert time.monotonic() - start < 10  # then gave up: far from MAX_WAIT's ten minutes
    # The run's next call: one try and no wait, not a grace of its own.
    tries.clear()
    waits: list[float] = []
    monkeypatch.setattr(throttle.time, "sleep", waits.append)
    with pytest.raises(UnavailableError, match="does not answer"), limiter.slot():
        pass
    assert (tries, waits) == (["increment"], [])
    assert [p for p, _ in _Api.seen] == ["", ""]  # the two limits set up; no slot was ever taken


def test_an_error_answer_fails_the_call_with_its_status(api: str) -> None:
    limiter = PrefectLimiter(api, "google", 2, 5.0, timeout=2, grace=1)
    _Api.fail_with = 500
    with (
        pytest.raises(UnavailableError, match=r"refused a trilingo-mt-google-rate slot \(500\)"),
        limiter.slot(),
    ):
        pass
