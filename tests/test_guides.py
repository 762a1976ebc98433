"""The staff guides (trilingo.guides): every command of every guide runs on a fresh office as the
guide's reader, with the interface in the guide's language, and does what the guide says it does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner

from tests.conftest import IN_CI
from trilingo import guides, guides_office, i18n
from trilingo.cli import cli

GUIDES = [(lang, role) for lang, roles in guides.available().items() for role in roles]


def test_the_guides_the_plan_asks_for_are_there() -> None:
    have = guides.available()
    assert set(have.get("vi", [])) == set(guides.ROLES)
    for lang in ("lo", "zh"):
        assert "reviewer" in have.get(lang, []), lang


def _error_prefix(lang: str) -> str:
    [entry] = [e for e in polib.pofile(str(i18n.po_path(lang))) if e.msgid == "Error: {message}"]
    return str(entry.msgstr or entry.msgid).split("{")[0]


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("lang", "role"), GUIDES, ids=lambda v: str(v))
def test_every_command_of_a_guide_works_as_written(
    lang: str, role: str, prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", prefect_api)
    text, ran = guides_office.run_guide(role, lang, tmp_path / "desk", "tester")
    assert len(ran) >= 3
    for r in ran:
        said = r.out + r.err
        assert "Traceback" not in said, f"{r.step.line}\n{said}"
        if r.step.expect_error:
            assert r.code != 0, f"{r.step.line} should be refused, and was not:\n{said}"
            [line] = r.err.strip().splitlines()
            assert line.startswith(_error_prefix(lang)), line
        else:
            assert r.code == 0, f"{r.step.line} failed:\n{said}"
        # The guide shows what the command prints (made by `python -m trilingo.guides_office --write`).
        if said.strip():
            assert r.step.shown, f"{r.step.line}: the guide shows nothing of what it prints"


def test_a_guide_is_printed_as_an_a4_pdf_in_its_language(tmp_path: Path) -> None:
    out = tmp_path / "huong-dan.pdf"
    result = CliRunner().invoke(cli, ["guide", "reviewer", "--lang", "lo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if IN_CI:
            pytest.fail("CI=true but poppler-utils (pdftotext) is not installed")
        pytest.skip("poppler-utils is not installed")
    text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
    title = next(
        line[2:]
        for line in guides.guide_path("reviewer", "lo").read_text().splitlines()
        if line.startswith("# ")
    )
    assert title.strip() in text
    assert "trilingo review next" in text


def test_a_guide_in_a_language_it_is_not_written_in_is_one_error_line() -> None:
    result = CliRunner().invoke(cli, ["guide", "operator", "--lang", "lo"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: there is no operator guide in lo; there is one in: vi"
