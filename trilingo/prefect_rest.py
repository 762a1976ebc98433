"""An httpx client for the Prefect server's REST API that asks again when the server says "busy".

A Prefect server answers 503 when its database is busy (SQLite locked by another writer, a pool
timeout on PostgreSQL), and 429 when it sheds load; both mean "ask again", and Prefect's own client
asks again, with backoff. Trilingo's own calls (the crash detection, `runs`, the sweeps' checks) went
to the server with bare httpx and failed on the first such answer: in CI, a loaded session server
answered one automation update with 503. This transport asks again for up to `patience` seconds and
then hands back the last answer, so the caller still names the status it got.
"""

from __future__ import annotations

import time

import httpx

from trilingo.mt.throttle import backoff

RETRYABLE = frozenset({429, 502, 503})
PATIENCE = 15.0


class BusyRetryTransport(httpx.BaseTransport):
    """Sends a request again while the server answers 429, 502 or 503, honouring Retry-After."""

    def __init__(self, patience: float = PATIENCE, inner: httpx.BaseTransport | None = None) -> None:
        self.patience = patience
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self.patience
        attempt = 0
        while True:
            response = self.inner.handle_request(request)
            if response.status_code not in RETRYABLE:
                return response
            attempt += 1
            delay = _retry_after(response) or backoff(attempt, 0.25, 4.0)
            if time.monotonic() + delay > deadline:
                return response
            response.read()
            response.close()
            time.sleep(delay)

    def close(self) -> None:
        self.inner.close()


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, min(float(response.headers.get("Retry-After", "")), 10.0))
    except ValueError:
        return None


def client(api_url: str, timeout: float | httpx.Timeout = 10.0, patience: float = PATIENCE) -> httpx.Client:
    """A client for `api_url` (the server's `/api` address) that rides out a busy server."""
    return httpx.Client(base_url=api_url, timeout=timeout, transport=BusyRetryTransport(patience))
