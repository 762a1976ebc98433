"""Installed, Trilingo is one import package, `trilingo`, and no module of it loads under a second name."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import write_notice

ROOT = Path(__file__).parent.parent
# The top-level names the project installed before it became one namespace (and the tests' stubs).
OLD_NAMES = (
    "bench", "catalogs", "channels", "cli", "commands", "flows", "glossary", "intake", "mt",
    "pretranslate", "review", "store", "stubs", "textproc", "tm",
)  # fmt: skip
# The card's folders, installed inside the namespace.
MAPPED = {
    "flows": "trilingo.flows",
    "catalogs": "trilingo.catalogs",
    "glossary": "trilingo.glossary",
    "review": "trilingo.review",
}

PROBE = """
import json, sys
from click.testing import CliRunner
from trilingo.cli import cli
for args in {commands!r}:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (args, result.output)
print(json.dumps(sorted(n for n in {old!r} if n in sys.modules)))
"""


def _old_names_loaded(commands: list[list[str]]) -> list[str]:
    # Run from the repository root, where every old name is importable: an import under one would succeed
    # quietly there, load a second copy of the module, and show up in sys.modules.
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(commands=commands, old=OLD_NAMES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


@pytest.mark.usefixtures("home")
def test_commands_that_run_no_flow_load_nothing_under_an_old_name(tmp_path: Path) -> None:
    notice = write_notice(tmp_path, "tb", "Hàng hoá phải khai báo với Hải quan.")
    commands = [
        ["init"],
        ["submit", str(notice)],
        ["status"],
        ["review", "queue"],
        ["review", "show", "tb", "--lang", "lo"],
        ["glossary", "lookup", "cửa khẩu"],
        ["glossary", "export", "--format", "tbx"],
        ["glossary", "impact"],
        ["tm", "export", str(tmp_path / "out.tmx")],
    ]
    assert _old_names_loaded(commands) == []


@pytest.mark.usefixtures("flow_home")
def test_flow_commands_load_nothing_under_an_old_name(tmp_path: Path) -> None:
    notice = write_notice(tmp_path, "tb", "Hàng hoá phải khai báo với Hải quan.")
    commands = [["submit", str(notice)], ["pretranslate"], ["publish"]]
    assert _old_names_loaded(commands) == []


def test_outside_the_repository_only_trilingo_imports(tmp_path: Path) -> None:
    ok = subprocess.run(
        [
            sys.executable,
            "-c",
            "import trilingo.glossary, trilingo.flows, trilingo.review, trilingo.catalogs",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    for name in ("glossary", "review", "store", "channels"):
        bad = subprocess.run(
            [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, cwd=tmp_path
        )
        assert f"No module named '{name}'" in bad.stderr


def _tracked_copy(dest: Path) -> Path:
    """The repository's tracked files (symlinks kept), as a fresh clone would have them."""
    files = subprocess.run(["git", "ls-files", "-z"], capture_output=True, cwd=ROOT, check=True).stdout
    for name in files.decode().split("\0"):
        if not name or not (ROOT / name).exists():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target, follow_symlinks=False)
    return dest


def test_the_wheel_holds_one_package_and_every_module(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is needed to list the tracked files")
    src = _tracked_copy(tmp_path / "src")
    # setuptools' own PEP 517 backend, from the test environment: no download, no build isolation.
    subprocess.run(
        [sys.executable, "-c", "from setuptools import build_meta; build_meta.build_wheel('dist')"],
        cwd=src,
        check=True,
        capture_output=True,
    )
    [wheel] = (src / "dist").glob("trilingo-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"trilingo", wheel.name.split("-py")[0] + ".dist-info"}
    # Every Python module of the source tree is in the wheel, under its name in the namespace.
    expected = set()
    for path in src.rglob("*.py"):
        rel = path.relative_to(src)
        top = rel.parts[0]
        if top == "cli.py":
            expected.add("trilingo/cli.py")
        elif top == "trilingo":
            expected.add(rel.as_posix())
        elif top in MAPPED:
            expected.add("trilingo/" + rel.as_posix())
    assert expected <= set(names), sorted(expected - set(names))
    assert not any(n.startswith(("trilingo/tests", "trilingo/bench")) for n in names)
    # The data files it reads at run time.
    for data in ("trilingo/glossary/data/border-glossary.csv", "trilingo/data/starter-tm.csv"):
        assert data in names
    assert any(n.startswith("trilingo/data/samples/") and n.endswith(".md") for n in names)
