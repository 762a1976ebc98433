"""The Prefect REST client asks again while the server answers "busy" (429, 502, 503), honours
Retry-After, and after its patience hands back the last answer for the caller to name."""

from __future__ import annotations

import time

import httpx

from trilingo.prefect_rest import BusyRetryTransport


def _server(answers: list[tuple[int, dict[str, str]]]) -> tuple[httpx.MockTransport, list[float]]:
    seen: list[float] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        status, headers = answers[min(len(seen), len(answers)) - 1]
        return httpx.Response(status, headers=headers, json={"n": len(seen), "path": request.url.path})

    return httpx.MockTransport(handle), seen


def test_a_busy_answer_is_asked_again_until_the_server_answers() -> None:
    inner, seen = _server([(503, {}), (429, {"Retry-After": "0.3"}), (200, {})])
    with httpx.Client(base_url="http://127.0.0.1:1/api", transport=BusyRetryTransport(10, inner)) as c:
        answer = c.post("/flow_runs/filter", json={})
    assert (answer.status_code, answer.json()) == (200, {"n": 3, "path": "/api/flow_runs/filter"})
    assert seen[2] - seen[1] >= 0.3  # the server's Retry-After was kept


def test_other_answers_are_returned_at_once() -> None:
    for status in (200, 404, 409, 500):
        inner, seen = _server([(status, {})])
        with httpx.Client(base_url="http://127.0.0.1:1", transport=BusyRetryTransport(10, inner)) as c:
            assert c.get("/x").status_code == status
        assert len(seen) == 1


def test_a_server_busy_past_the_patience_gives_its_last_answer() -> None:
    inner, seen = _server([(503, {"Retry-After": "0.2"})])
    started = time.monotonic()
    with httpx.Client(base_url="http://127.0.0.1:1", transport=BusyRetryTransport(1.0, inner)) as c:
        answer = c.get("/x")
    assert answer.status_code == 503
    assert 2 <= len(seen) <= 6 and time.monotonic() - started < 6  # it gave up, near its patience
