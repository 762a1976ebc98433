"""One HTTP request with the standard library's http.client, for the commands that must stay fast.

`status` asks whether the Prefect server answers and `submit`, `approve` and `retract` post an event.
Importing httpx and setting up its TLS context cost each of them 0.2 s, a fifth of a cold `status`'s
budget. Neither needs more than one request, so this is all they use: it never raises, always closes
its connection, and says in plain words why a request got no answer.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Reply:
    """The HTTP status, or None and why no answer came ("connection refused", "timed out", …)."""

    status: int | None
    error: str = ""


def request(method: str, url: str, *, body: Any = None, timeout: float) -> Reply:
    """`method` on `url`, with `body` (when given) sent as JSON. The answer's body is read and dropped."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        return Reply(None, f"not an http(s) address: {url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Reply(None, f"not an http(s) address: {url}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    # The port always given: http.client would read the last ":" of a bare IPv6 host ([::1]) as one.
    conn = kind(parts.hostname, port or (443 if parts.scheme == "https" else 80), timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/json"} if body is not None else {}
    data = json.dumps(body).encode("utf-8") if body is not None else None
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.read()
        return Reply(response.status)
    except ConnectionRefusedError:
        return Reply(None, "connection refused")
    except TimeoutError:
        return Reply(None, "timed out")
    except socket.gaierror:
        return Reply(None, f"the host {parts.hostname} is not known")
    except (OSError, http.client.HTTPException, UnicodeError) as exc:
        return Reply(None, exc.__class__.__name__)
    finally:
        conn.close()
