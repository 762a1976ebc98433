"""Commands that run no flow must not import Prefect (it takes ~2 s to load)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from click.testing import CliRunner
from cli import cli
result = CliRunner().invoke(cli, {args!r})
assert result.exit_code == {code}, result.output
print("prefect" in sys.modules, "deep_translator" in sys.modules)
"""


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--help"], 0), (["status", "--json"], 0), (["review", "queue"], 0), (["submit", "missing.md"], 1)],
)
def test_no_prefect_import(args: list[str], code: int, home: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, code=code)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.split() == ["False", "False"]
