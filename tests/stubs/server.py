"""A threaded stub server per engine: the request shapes, codes and error bodies of the real APIs.

Faults (`stub.fault = "…"`, optionally only for the first `stub.fault_count` requests):
hang, slow, 429 (with Retry-After), 500, malformed (bad JSON / page without a result), html (HTML
error page with 502), html200 (a login page with 200), quota (quota text as the translation, 200),
wrong_script, empty, echo (the source back). `refused_url()` gives a port nobody listens on.
"""

from __future__ import annotations

import hashlib
import html
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULTS = (
    "hang",
    "slow",
    "429",
    "500",
    "malformed",
    "html",
    "html200",
    "quota",
    "wrong_script",
    "empty",
    "echo",
)
LAO_LETTERS = "ກຂຄງຈຊຍດຕຖທນບປຜຝພຟມຢຣລວສຫອຮ"
HAN_LETTERS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
KHMER_LETTERS = "កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអ"  # for a language added in a test (km)
THAI_TEXT = "สวัสดี ยินดีต้อนรับ"
VIET_TEXT = "Xin chào quý khách"
QUOTA_TEXT = (
    "MYMEMORY WARNING: YOU USED ALL AVAILABLE FREE TRANSLATIONS FOR TODAY. NEXT AVAILABLE IN  23 HOURS "
    "59 MINUTES 59 SECONDS VISIT HTTPS://MYMEMORY.TRANSLATED.NET/DOC/USAGELIMITS.PHP TO TRANSLATE MORE"
)
HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
)
HTML_LOGIN = "<html><head><title>Network login required</title></head><body><form>Log in</form></body></html>"
GOOGLE_MAX_PATH = 16_000  # the free endpoint fails on longer URLs (~1,800 CJK characters)


def fake_translate(text: str, tgt: str) -> str:
    """A deterministic 'translation' into the target's script; digits and punctuation pass through."""
    letters = (
        HAN_LETTERS
        if tgt.lower().startswith("zh")
        else KHMER_LETTERS
        if tgt.lower().startswith("km")
        else LAO_LETTERS
    )
    out = []
    for ch in text:
        out.append(letters[ord(ch.casefold()) % len(letters)] if ch.isalpha() else ch)
    joined = "".join(out)
    return joined.replace(" ", "") if letters is HAN_LETTERS else joined


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Seen:
    """One request as the stub received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


class StubEngine:
    """One engine's API on 127.0.0.1:PORT. Use as a context manager; `url` is the engine option."""

    def __init__(
        self,
        engine: str,
        *,
        key: str | None = None,
        region: str | None = None,
        appid: str = "stub-appid",
        appkey: str = "stub-appkey",
        latency: float = 0.0,
    ) -> None:
        self.engine = engine
        self.key = key
        self.region = region
        self.appid, self.appkey = appid, appkey
        self.latency = latency
        self.fault: str | None = None
        self.fault_count: int | None = None  # None: every request; n: only the first n
        self.retry_after = "1"
        self.slow = 0.3
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> StubEngine:
        handler = type("Handler", (_Handler,), {"stub": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.seen)

    def texts(self) -> list[str]:
        """The texts the stub was asked to translate, in arrival order."""
        with self._lock:
            return [_text_of(self.engine, s) for s in self.seen]

    def take_fault(self) -> str | None:
        with self._lock:
            if self.fault is None:
                return None
            if self.fault_count is None:
                return self.fault
            if self.fault_count <= 0:
                return None
            self.fault_count -= 1
            return self.fault

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)


def _text_of(engine: str, seen: Seen) -> str:
    if engine == "microsoft":
        return json.loads(seen.body or b"[{}]")[0].get("text", "")
    return seen.query.get("q", "")


class _Server(ThreadingHTTPServer):
    # Class attributes: the constructor calls listen(request_queue_size), so setting it later does nothing.
    daemon_threads = True
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    stub: StubEngine
    protocol_version = "HTTP/1.1"
    wbufsize = 65_536  # headers and body leave in one write: no delayed-ACK stalls on keep-alive

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        stub = self.stub
        stub.record(Seen(method, parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body))
        if stub.latency:
            time.sleep(stub.latency)
        fault = stub.take_fault()
        if fault == "hang":
            stub._stop.wait(60)
            return
        if fault == "slow":
            time.sleep(stub.slow)
            fault = None
        if fault == "429":
            return self._send(
                429, "application/json", b'{"error":"Too Many Requests"}', {"Retry-After": stub.retry_after}
            )
        if fault == "500":
            return self._send(500, "application/json", b'{"error":"internal error"}')
        if fault == "html":
            return self._send(502, "text/html", HTML_502.encode())
        if fault == "html200":
            return self._send(200, "text/html", HTML_LOGIN.encode())
        handler = getattr(self, f"_{stub.engine}")
        handler(method, parts.path, query, body, fault)

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, "application/json", json.dumps(data, ensure_ascii=False).encode())

    @staticmethod
    def _output(text: str, tgt: str, fault: str | None) -> str:
        if fault == "quota":
            return QUOTA_TEXT
        if fault == "wrong_script":
            return THAI_TEXT if tgt.lower().startswith("lo") else VIET_TEXT
        if fault == "empty":
            return ""
        if fault == "echo":
            return text
        return fake_translate(text, tgt)

    # -- engines ---------------------------------------------------------------------------
    def _google(self, method: str, path: str, q: dict[str, str], _body: bytes, fault: str | None) -> None:
        if method != "GET" or path != "/m":
            return self._send(404, "text/html", b"<html><title>404 Not Found</title></html>")
        if len(self.path) > GOOGLE_MAX_PATH:
            return self._send(413, "text/html", b"<html><title>413 Request Entity Too Large</title></html>")
        if fault == "malformed":
            return self._send(200, "text/html", b"<html><body><div class='other'>?</div></body></html>")
        out = html.escape(self._output(q.get("q", ""), q.get("tl", ""), fault))
        head = "<html><head><title>Google Translate</title></head><body>"
        page = f'{head}<div class="result-container">{out}</div></body></html>'
        self._send(200, "text/html", page.encode())

    def _microsoft(self, method: str, path: str, q: dict[str, str], body: bytes, fault: str | None) -> None:
        if method != "POST" or path != "/translate" or q.get("api-version") != "3.0":
            return self._json(
                404, {"error": {"code": 404001, "message": "The requested resource was not found."}}
            )
        if self.headers.get("Ocp-Apim-Subscription-Key") != self.stub.key or (
            self.stub.region and self.headers.get("Ocp-Apim-Subscription-Region") != self.stub.region
        ):
            message = "The request is not authorized because credentials are missing or invalid."
            return self._json(401, {"error": {"code": 401000, "message": message}})
        if q.get("to") not in ("vi", "lo", "zh-hans", "zh-Hans"):
            return self._json(
                400, {"error": {"code": 400036, "message": "The target language is not valid."}}
            )
        if fault == "malformed":
            return self._send(200, "application/json", b'[{"translations": [')
        items = json.loads(body or b"[]")
        out = [
            {"translations": [{"text": self._output(i["text"], q["to"], fault), "to": q["to"]}]}
            for i in items
        ]
        self._json(200, out)

    def _mymemory(self, method: str, path: str, q: dict[str, str], _body: bytes, fault: str | None) -> None:
        if method != "GET" or path != "/get":
            return self._json(404, {"responseStatus": 404, "responseDetails": "NOT FOUND"})
        text = q.get("q", "")
        tgt = q.get("langpair", "|").split("|")[1]
        if len(text.encode("utf-8")) > 500:
            message = "QUERY LENGTH LIMIT EXCEEDED. MAX ALLOWED QUERY : 500 CHARS"
            return self._json(200, {"responseData": {"translatedText": message}, "responseStatus": 403})
        if fault == "malformed":
            return self._send(200, "application/json", b'{"responseData": {"translatedText": ')
        out = self._output(text, tgt, fault)
        status = 429 if fault == "quota" else 200
        self._json(
            200,
            {"responseData": {"translatedText": out, "match": 1}, "responseStatus": status, "matches": []},
        )

    def _libre(self, method: str, path: str, q: dict[str, str], _body: bytes, fault: str | None) -> None:
        if method != "POST" or path != "/translate":
            return self._json(404, {"error": "Not Found"})
        if self.stub.key is not None and q.get("api_key") != self.stub.key:
            return self._json(403, {"error": "Invalid API key"})
        if q.get("target") not in ("vi", "zh", "en"):
            return self._json(400, {"error": f"{q.get('target')} is not supported"})
        if fault == "malformed":
            return self._send(200, "application/json", b'{"translatedText": ')
        self._json(200, {"translatedText": self._output(q.get("q", ""), q["target"], fault)})

    def _baidu(self, method: str, path: str, q: dict[str, str], _body: bytes, fault: str | None) -> None:
        if method != "POST" or path != "/api/trans/vip/translate":
            return self._json(404, {"error_code": "404", "error_msg": "Not Found"})
        stub = self.stub
        sign = hashlib.md5(
            (stub.appid + q.get("q", "") + q.get("salt", "") + stub.appkey).encode()
        ).hexdigest()
        if q.get("appid") != stub.appid or q.get("sign") != sign:
            return self._json(200, {"error_code": "54001", "error_msg": "Invalid Sign"})
        if fault == "quota":
            return self._json(200, {"error_code": "54003", "error_msg": "Invalid Access Limit"})
        if fault == "malformed":
            return self._send(200, "application/json", b'{"trans_result": [')
        dst = self._output(q.get("q", ""), q.get("to", ""), fault)
        self._json(
            200, {"from": q.get("from"), "to": q.get("to"), "trans_result": [{"src": q.get("q"), "dst": dst}]}
        )
