"""Commands that run no flow must not import Prefect (it takes ~2 s to load)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from click.testing import CliRunner
from trilingo.cli import cli
result = CliRunner().invoke(cli, {args!r})
assert result.exit_code == {code}, result.output
print("prefect" in sys.modules, "deep_translator" in sys.modules)
"""


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--help"], 0),
        (["status", "--json"], 0),
        (["review", "queue"], 0),
        (["review", "show", "nope", "--lang", "lo"], 1),
        (["review", "next", "--lang", "lo"], 0),
        (["review", "history", "nope", "--lang", "lo"], 1),
        (["catalogs", "export", "--lang", "zh"], 0),
        (["catalogs", "import", "missing.po"], 1),
        (["users", "list"], 0),
        (["kiosk", "search", "口岸", "--bundle", "missing"], 1),
        (["kiosk", "verify", "missing"], 1),
        (["submit", "missing.md"], 1),
        (["glossary", "export", "--format", "tbx"], 0),
        (["glossary", "lookup", "cửa khẩu"], 0),
        (["tm", "import", "missing.tmx"], 1),
        (["server", "status"], 10),
        (["runs"], 10),
        (["serve", "--help"], 0),
        (["deploy", "--help"], 0),
    ],
)
@pytest.mark.usefixtures("workspace")
def test_no_prefect_import(args: list[str], code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, code=code)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.split() == ["False", "False"]


ORM_PROBE = """
import sys
from click.testing import CliRunner
from trilingo.cli import cli
result = CliRunner().invoke(cli, {args!r})
assert result.exit_code == 0, result.output
print(sorted(m for m in ("sqlmodel", "pydantic", "sqlalchemy.orm", "trilingo.store.models") if m in sys.modules))
"""


@pytest.mark.parametrize(
    "args",
    [["review", "queue", "--lang", "lo", "--json"], ["review", "queue"], ["status", "--json"], ["status"]],
)
@pytest.mark.usefixtures("workspace")
def test_the_reviewers_queue_and_status_load_no_orm(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLModel, pydantic and the mapped classes were a third of a cold queue at 10,000 documents."""
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", "http://127.0.0.1:9/api")
    out = subprocess.run(
        [sys.executable, "-c", ORM_PROBE.format(args=args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.strip() == "[]"
