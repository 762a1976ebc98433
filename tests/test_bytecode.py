"""Bytecode is compiled once after an install, not before every command (trilingo.bytecode)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from trilingo import bytecode

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A virtual environment of one package and one loose module, with no bytecode yet."""
    prefix = tmp_path / "venv"
    site = prefix / "lib" / "python3.11" / "site-packages"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("X = 1\n")
    (site / "loose.py").write_text("Y = 2\n")
    (site / "broken.py").write_text("def (:\n")  # not Python: skipped without a word
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path / "system"))
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    monkeypatch.setattr(bytecode, "PACKAGES", ())
    return site


def _compiled(site: Path) -> set[str]:
    return {p.name.split(".")[0] for p in site.rglob("*.pyc")}


def test_the_first_command_compiles_and_the_next_ones_only_look(fake_env: Path) -> None:
    announced: list[bool] = []
    assert bytecode.ensure_compiled(lambda: announced.append(True)) is True
    assert announced == [True]
    assert _compiled(fake_env) == {"__init__", "loose"}
    assert (fake_env.parents[2] / bytecode.MARKER).read_text() == str(fake_env.stat().st_mtime_ns)
    assert bytecode.ensure_compiled(lambda: announced.append(True)) is False
    assert announced == [True]


def test_an_install_compiles_again(fake_env: Path) -> None:
    assert bytecode.ensure_compiled() is True
    (fake_env / "newpkg").mkdir()  # a package installed later changes site-packages' time
    (fake_env / "newpkg" / "__init__.py").write_text("Z = 3\n")
    os.utime(fake_env, ns=(fake_env.stat().st_atime_ns, fake_env.stat().st_mtime_ns + 10**9))
    assert bytecode.ensure_compiled() is True
    assert "__init__" in {p.name.split(".")[0] for p in (fake_env / "newpkg").rglob("*.pyc")}
    assert bytecode.ensure_compiled() is False


def test_a_system_python_is_left_to_its_packager(fake_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "base_prefix", sys.prefix)
    assert bytecode.ensure_compiled() is False
    assert _compiled(fake_env) == set()


def test_an_environment_this_account_cannot_write_is_not_touched(
    fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tests run as root, who may write anywhere; os.access is what the code asks.
    monkeypatch.setattr(bytecode.os, "access", lambda path, _mode: Path(path) != fake_env)
    assert bytecode.ensure_compiled() is False
    assert _compiled(fake_env) == set()


def test_the_package_folders_are_found_without_importing_them() -> None:
    before = set(sys.modules)
    folders = bytecode.package_folders()
    assert {f.name for f in folders} >= {"trilingo", "flows", "catalogs", "glossary", "review"}
    assert "trilingo.flows" not in set(sys.modules) - before


def test_uv_run_compiles_nothing_before_a_command() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        assert "compile-bytecode" not in tomllib.load(f).get("tool", {}).get("uv", {})
    uv = shutil.which("uv")
    if uv is None:
        if os.environ.get("CI") == "true":
            pytest.fail("uv is not on PATH under CI=true")
        pytest.skip("uv is not on PATH")
    if not (ROOT / "uv.lock").exists():
        pytest.skip("no uv.lock: uv run would resolve the dependencies again")
    done = subprocess.run(
        [uv, "run", "--offline", "--frozen", "trilingo", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Bytecode compiled" not in done.stderr
    assert "Usage:" in done.stdout
