"""Commands that run no flow must not import Prefect (it takes ~2 s to load)."""

from __future__ import annotations

import os
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


CLIENT_PROBE = """
import sys
from click.testing import CliRunner
from trilingo.cli import cli
result = CliRunner().invoke(cli, {args!r})
assert result.exit_code == 0, result.output
print(sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic", "httpx", "prefect", "starlette") if m in sys.modules))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["review", "queue", "--json"],
        ["review", "show", "tb", "--lang", "lo", "--json"],
        ["status"],
        ["submit", "NOTICE"],
        ["glossary", "lookup", "cửa khẩu"],
    ],
)
def test_a_client_of_a_trilingo_server_loads_no_database_code(
    workspace: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through a server, a command is one HTTP request: nothing of the database, the ORM or Prefect loads."""
    from click.testing import CliRunner

    from tests.apiserver import mint, running_api
    from tests.helpers import write_notice
    from trilingo import config
    from trilingo.cli import cli

    notice = write_notice(workspace.parent, "tb", "Câu một.")
    assert CliRunner().invoke(cli, ["submit", str(notice)]).exit_code == 0
    token = mint("tester")
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", "http://127.0.0.1:9/api")
    with running_api(config.load()) as url:
        env = {k: v for k, v in os.environ.items() if k not in ("TRILINGO_HOME", "TRILINGO_DATABASE_URL")}
        env.update(TRILINGO_SERVER=url, TRILINGO_TOKEN=token)
        probe = CLIENT_PROBE.format(args=[str(notice) if a == "NOTICE" else a for a in args])
        out = subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).parent.parent,
        )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
