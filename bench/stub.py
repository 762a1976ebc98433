"""A Google-like MT endpoint on 127.0.0.1 with a fixed latency per call, for the MT benchmark.

The benchmark's own helper (benchmarks never import the tests): it answers deep-translator's
GoogleTranslator with a page holding a deterministic Lao or Chinese "translation", and counts calls.
"""

from __future__ import annotations

import html
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

LAO_LETTERS = "ກຂຄງຈຊຍດຕຖທນບປຜຝພຟມຢຣລວສຫອຮ"
HAN_LETTERS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"


def fake_translate(text: str, tgt: str) -> str:
    """Letters mapped into the target's script; digits and punctuation pass through."""
    letters = HAN_LETTERS if tgt.lower().startswith("zh") else LAO_LETTERS
    out = "".join(letters[ord(ch.casefold()) % len(letters)] if ch.isalpha() else ch for ch in text)
    return out.replace(" ", "") if letters is HAN_LETTERS else out


class GoogleStub:
    """`with GoogleStub(latency=0.1) as stub:` serves at `stub.url`; `stub.calls` counts requests."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.calls = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GoogleStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with stub._lock:
                    stub.calls += 1
                time.sleep(stub.latency)
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                out = html.escape(fake_translate(query.get("q", ""), query.get("tl", "lo")))
                body = f'<html><body><div class="result-container">{out}</div></body></html>'.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
