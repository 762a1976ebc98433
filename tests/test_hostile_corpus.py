"""The project's own corpus of hostile files (tests/hostile/): each goes through the command that takes
it, and must get its one `Error:` line (expected.toml), the exit code, and a database left as it was.

A new case is a file in the right folder and two lines in expected.toml: notices/ go to `submit`,
po/ to `catalogs import`, glossary/ to `glossary import`, tmx/ to `tm import`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from tests.helpers import english_in, write_notice
from trilingo.cli import cli
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate.jobs import draft_waiting
from trilingo.workspace import open_database

CORPUS = Path(__file__).parent / "hostile"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))
COMMANDS = {
    "notices": ["submit"],
    "po": ["catalogs", "import"],
    "glossary": ["glossary", "import"],
    "tmx": ["tm", "import"],
}
LAOS = "Hàng hoá xuất sang Lào phải khai báo với Hải quan."


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table, whole (the audit log too: bad input is refused before anything is recorded)."""
    with open_database(db_url, "tester").connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            n: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{n}"')).all()), key=repr) for n in names
        }


@pytest.fixture
def ready(solo: Path, db_url: str) -> str:
    """A workspace with one notice drafted (the PO files are for it)."""
    notice = write_notice(solo.parent, "laos", LAOS, title="Hải quan")
    assert CliRunner().invoke(cli, ["submit", str(notice)]).exit_code == 0
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    return db_url


def test_every_file_in_the_corpus_has_an_expectation_and_every_expectation_a_file() -> None:
    files = {
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.name != "expected.toml"
    }
    assert files == set(EXPECTED)
    assert {name.split("/")[0] for name in files} == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_file_gets_one_error_line_and_changes_nothing(ready: str, name: str) -> None:
    case = EXPECTED[name]
    path = CORPUS / name
    before = snapshot(ready)
    result = CliRunner().invoke(cli, [*COMMANDS[name.split("/")[0]], str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.get("exit", 1), result.output
    lines = result.stderr.splitlines()
    assert lines == [case["error"].format(file=path)], result.stderr
    for reason in case.get("listed", []):  # a PO import lists each refused entry with its reason
        assert reason in result.stdout, result.stdout
    assert snapshot(ready) == before


@pytest.mark.usefixtures("ready")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_files_error_is_told_in_the_users_language(name: str) -> None:
    """The same refusal, with `--ui-lang vi`: one line, in Vietnamese, with no English left in it."""
    path = CORPUS / name
    result = CliRunner().invoke(cli, ["--ui-lang", "vi", *COMMANDS[name.split("/")[0]], str(path)])
    assert result.exit_code == EXPECTED[name].get("exit", 1), result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("Lỗi: "), line
    assert line != EXPECTED[name]["error"].format(file=path)
    # What the file itself holds may be quoted back (a key, a term, a language's name): that is data.
    data = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", path.read_bytes().decode("utf-8", "replace"))}
    assert english_in(line, data) == [], line
