"""Bounded, classified HTTP for deep-translator.

deep-translator calls the module-level `requests.get/post` with no timeout, and loses status codes and
Retry-After on the way to its exceptions. Patching `requests.get` around each call (mock.patch) would
swap a global that every thread shares, so one thread's patch or unpatch would hit another's call.
Instead, the `requests` name inside each deep-translator module we use is replaced, once and for good,
by `_RequestsProxy`. The proxy reads its per-call settings (timeout, session) from a thread-local
`CallContext`, so concurrent calls never see each other's state. Outside `bounded()` it forwards to
requests unchanged, so other users of deep-translator see its usual behaviour.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from trilingo.i18n import N_
from trilingo.mt.base import Failure
from trilingo.mt.errors import EngineCallError

_local = threading.local()
_install_lock = threading.Lock()
_installed = False
PATCHED_MODULES = ("google", "microsoft", "mymemory", "libre", "baidu")
CHUNK = 16_384


@dataclass
class CallContext:
    """Settings and observations of one bounded engine call, private to the calling thread."""

    engine: str
    timeout: float  # total seconds for each HTTP exchange, body included
    connect_timeout: float
    requests_made: int = 0
    last_status: int | None = None
    last_body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _session() -> requests.Session:
    """One Session per thread: Sessions are not thread-safe, and reuse keeps connections alive."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def current() -> CallContext | None:
    return getattr(_local, "ctx", None)


@contextmanager
def bounded(engine: str, timeout: float, connect_timeout: float | None = None) -> Iterator[CallContext]:
    """Run deep-translator calls in this block with a time bound and status classification."""
    install()
    ctx = CallContext(engine, timeout, min(timeout, connect_timeout or timeout))
    previous, _local.ctx = current(), ctx
    try:
        yield ctx
    finally:
        _local.ctx = previous


def send(method: str, url: str, **kwargs: Any) -> requests.Response:
    """What deep-translator's `requests.get/post` become."""
    ctx = current()
    if ctx is None:
        return requests.request(method, url, **kwargs)
    kwargs.pop("timeout", None)
    ctx.requests_made += 1
    deadline = time.monotonic() + ctx.timeout
    try:
        response = _session().request(
            method, url, timeout=(ctx.connect_timeout, ctx.timeout), stream=True, **kwargs
        )
        body = _read_body(response, deadline)
    except requests.Timeout:
        raise EngineCallError(
            Failure.TRANSIENT,
            N_("{engine}: no answer within {timeout:g} s").format(engine=ctx.engine, timeout=ctx.timeout),
        ) from None
    except requests.ConnectionError as exc:
        raise EngineCallError(
            Failure.TRANSIENT,
            N_("{engine}: connection failed ({reason})").format(engine=ctx.engine, reason=_root(exc)),
        ) from None
    except requests.RequestException as exc:
        raise EngineCallError(
            Failure.TRANSIENT,
            N_("{engine}: request failed ({reason})").format(engine=ctx.engine, reason=_root(exc)),
        ) from None
    ctx.last_status, ctx.last_body = response.status_code, body
    ctx.headers = {k.lower(): v for k, v in response.headers.items()}
    _raise_for_status(ctx)
    return response


def _read_body(response: requests.Response, deadline: float) -> bytes:
    # The read timeout only bounds each recv; a server that trickles bytes could stretch a call
    # forever, so the whole body is read here against one deadline.
    chunks = []
    for chunk in response.iter_content(CHUNK):
        chunks.append(chunk)
        if time.monotonic() > deadline:
            response.close()
            raise requests.Timeout()
    body = b"".join(chunks)
    # Hand the body to deep-translator as if requests had read it itself.
    response._content = body
    response._content_consumed = True
    return body


def _raise_for_status(ctx: CallContext) -> None:
    status = ctx.last_status or 0
    if 200 <= status < 300:
        return
    snippet = snippet_of(ctx.last_body)
    where = f"{ctx.engine}: HTTP {status}"
    if status == 429:
        retry_after = parse_retry_after(ctx.headers.get("retry-after"))
        raise EngineCallError(
            Failure.RATE_LIMITED,
            N_("{engine}: HTTP {status} (rate limited)").format(engine=ctx.engine, status=status),
            retry_after=retry_after,
        )
    if status in (401, 403):
        raise EngineCallError(
            Failure.AUTH,
            N_("{engine}: HTTP {status} (key refused): {snippet}").format(
                engine=ctx.engine, status=status, snippet=snippet
            ),
        )
    if status in (413, 414):
        raise EngineCallError(
            Failure.UNSUPPORTED,
            N_("{engine}: HTTP {status} (text too long)").format(engine=ctx.engine, status=status),
        )
    if status == 408 or status >= 500:
        raise EngineCallError(Failure.TRANSIENT, f"{where}: {snippet}")
    raise EngineCallError(Failure.UNSUPPORTED, f"{where}: {snippet}")


def snippet_of(body: bytes, limit: int = 120) -> str:
    """A short, one-line view of a response body for a failure reason (HTML tags dropped)."""
    text = body.decode("utf-8", "replace")
    if "<" in text:
        import re

        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _root(exc: BaseException) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return N_("connection refused")
    return text[:160]


class _RequestsProxy:
    """Stands in for the `requests` module inside deep-translator's engine modules."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)  # requests.exceptions, etc.

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return send("POST", url, **kwargs)


_PROXY = _RequestsProxy()


def install() -> None:
    """Point deep-translator's engine modules at the proxy (idempotent, done once per process)."""
    global _installed
    if _installed:
        return
    import importlib

    with _install_lock:
        for name in PATCHED_MODULES:
            module = importlib.import_module(f"deep_translator.{name}")
            vars(module)["requests"] = _PROXY  # see the module docstring
        _installed = True
