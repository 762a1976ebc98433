"""Small builders shared by tests."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
