"""Small builders shared by tests."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOTICE = """---
title: {title}
slug: {slug}
---
{body}
"""


def write_notice(folder: Path, slug: str, body: str, title: str = "Thông báo thử") -> Path:
    path = folder / f"{slug}.md"
    path.write_text(NOTICE.format(title=title, slug=slug, body=body), encoding="utf-8")
    return path


# Runs CLI commands in a fresh process, each through CliRunner, and prints what each did as JSON: the
# exit code, stdout, stderr, and the exception class if one escaped (a traceback in real life).
PROBE = r"""
import json, sys
from click.testing import CliRunner
from trilingo.cli import cli
exec(sys.argv[2])  # set-up code of the test's own (a fault to inject), or nothing
out = []
for args in json.loads(sys.argv[1]):
    r = CliRunner().invoke(cli, args)
    escaped = None if r.exception is None or isinstance(r.exception, SystemExit) else type(r.exception).__name__
    out.append({"args": args, "code": r.exit_code, "stdout": r.stdout, "stderr": r.stderr, "escaped": escaped})
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Ran:
    args: list[str]
    code: int
    stdout: str
    stderr: str
    escaped: str | None  # the class of an exception that was not turned into an exit code


def run_commands(
    commands: list[list[str]],
    env: dict[str, str],
    *,
    setup: str = "",
    timeout: float = 600,
    account: str = "tester",
) -> list[Ran]:
    """Each command through the CLI, in one fresh process, as `account`; `setup` is Python run there first."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(commands), setup],
        capture_output=True,
        text=True,
        env={**env, "TRILINGO_TEST_ACCOUNT": account},
        cwd=Path(__file__).parent.parent,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [Ran(**r) for r in json.loads(done.stdout.splitlines()[-1])]


def one_error_line(ran: Ran) -> str:
    """The single `Error: …` line a failed command printed (and nothing else on stderr)."""
    assert ran.escaped is None, f"{ran.args}: {ran.escaped} escaped"
    lines = ran.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), f"{ran.args}: {ran.stderr!r}"
    assert "Traceback" not in ran.stdout + ran.stderr
    return lines[0]


def add_users(*names: str, role: str = "reviewer", langs: str = "lo,zh", admin: str = "tester") -> None:
    """Add people to the workspace of the current environment, as its admin (in this process)."""
    from click.testing import CliRunner

    from trilingo.cli import cli

    for name in names:
        args = ["users", "add", name, "--role", role, "--as", admin]
        if langs and role == "reviewer":
            args += ["--lang", langs]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output


def add_people(session: object, *names: str, role: str = "reviewer", admin: str = "tester") -> None:
    """The same, through the core function, in an open session (tests of core functions)."""
    from sqlmodel import Session

    from trilingo.people import add_user
    from trilingo.store.models import Role

    assert isinstance(session, Session)
    for name in names:
        add_user(session, admin, name, Role(role), ["lo", "zh"] if role == "reviewer" else [])


# Words that are the same in every language: names, formats and the values a person types back.
ALLOWED = {
    "trilingo",
    "prefect",
    "json",
    "pdf",
    "sqlite",
    "postgresql",
    "http",
    "https",
    "tester",
    "poedit",
    "utc",
}


@functools.cache
def english_words() -> frozenset[str]:
    """Words of the English strings that the Vietnamese translations never use."""
    import polib

    from trilingo import i18n

    po = polib.pofile(str(i18n.po_path("vi")))
    english = {
        w.lower()
        for e in po
        for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}|`[^`]*`|--[\w-]+", " ", e.msgid))
    }
    vietnamese = {w.lower() for e in po for w in re.findall(r"[A-Za-z]{3,}", e.msgstr)}
    return frozenset(english - vietnamese - ALLOWED)


def english_in(output: str, data: set[str]) -> list[str]:
    # Commands in backticks, options, paths, addresses and dotted names (trilingo.document.submitted,
    # an event's name) are the same in every language.
    text = re.sub(r"`[^`]*`|--[\w-]+|\S*[/\\]\S*|https?:\S+|\w+(?:\.\w+)+", " ", output)
    words = {w.lower() for w in re.findall(r"(?<![\w-])[A-Za-z]{3,}(?![\w-])", text)}
    return sorted(words & english_words() - data)


class Terminal:
    """A command on a pseudo-terminal, as a person at a keyboard runs it: read until a marker shows."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        import pty
        import subprocess

        self.main, child = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env)
        os.close(child)
        self.seen = b""

    def until(self, marker: bytes | str, timeout: float = 30) -> None:
        import select
        import time

        wanted = marker.encode() if isinstance(marker, str) else marker
        end = time.monotonic() + timeout
        while wanted not in self.seen:
            assert time.monotonic() < end, self.seen.decode(errors="replace")[-2000:]
            if select.select([self.main], [], [], 0.2)[0]:
                try:
                    self.seen += os.read(self.main, 65536)
                except OSError:
                    break

    def type(self, text: str) -> None:
        os.write(self.main, text.encode())

    def wait(self) -> int:
        code = self.proc.wait(timeout=30)
        os.close(self.main)
        return code


CHROMIUM_REASON = (
    "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
)


def chromium(*args: str, logging: bool = False) -> Any:
    """Debian's chromium, headless, through its chromium-driver (Selenium Manager never downloads one);
    `args` are more command-line switches, `logging` keeps the browser's and the network's logs. Skips
    the test without them, and fails it instead under CI=true."""
    import shutil

    import pytest

    from tests.conftest import IN_CI

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        if IN_CI:
            pytest.fail(f"CI=true but {CHROMIUM_REASON}")
        pytest.skip(CHROMIUM_REASON)
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", *args):
        options.add_argument(arg)
    if logging:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def axe_violations(driver: Any) -> list[str]:
    """axe-core's findings on the page the driver shows, one line each (id, help, where)."""
    from axe_selenium_python import Axe

    axe = Axe(driver)
    axe.inject()
    found = axe.run()
    assert found["passes"], "axe checked nothing"
    return [
        f"{v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'])})"
        for v in found["violations"]
    ]


def approve_directly(db: Any, texts: dict[str, tuple[str, str]], below: int | None = None) -> None:
    """Translations written straight into the tables and approved, for tests of what the channels
    publish (not of review): `texts` is language → (title, body); each release's title gets its
    document's id after it. Every document, or those whose id is below `below`."""
    from sqlalchemy import bindparam, text

    only = " AND r.document_id < :below" if below else ""
    with db.begin() as conn:
        for lang, (title, body) in texts.items():
            conn.execute(
                text(
                    "INSERT INTO release (document_id, lang, version_id, title, body, content_hash, approved_by, "
                    "approved_at) SELECT r.document_id, :lang, r.version_id, :title || ' ' || r.document_id, :body, "
                    "'h-' || r.id || :lang, 'tester', r.approved_at FROM release r WHERE r.lang = 'vi'" + only
                ),
                {"lang": lang, "title": title, "body": body, **({"below": below} if below else {})},
            )
        conn.execute(
            text(
                "UPDATE doclang SET state = 'approved', release_id = (SELECT max(r.id) FROM release r "
                "WHERE r.document_id = doclang.document_id AND r.lang = doclang.lang) WHERE lang IN :langs"
                + (" AND document_id < :below" if below else "")
            ).bindparams(bindparam("langs", expanding=True)),
            {"langs": list(texts), **({"below": below} if below else {})},
        )


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that does not log each request to stderr."""

    def log_message(self, *_args: object) -> None:
        pass


@contextlib.contextmanager
def local_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` served on a free loopback port for the block; yields its base URL (no trailing /)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextlib.contextmanager
def webhook_receiver(status: int = 204) -> Iterator[tuple[str, list[str]]]:
    """A webhook receiver on loopback that answers every POST with `status`; yields its URL and bodies."""
    got: list[str] = []

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            got.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
            self.send_response(status)
            self.end_headers()

    with local_server(Handler) as base:
        yield f"{base}/hook", got


def wait_while_running(
    proc: subprocess.Popen[str], what: str, check: Callable[[], Any], timeout: float = 120, every: float = 0.3
) -> Any:
    """`check()`'s first true value, asked every `every` s while `proc` (serve) runs; fails if `proc`
    exits first or `timeout` passes."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited ({proc.returncode}) while waiting for {what}")
        if value := check():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
