"""Offline review with PO files: export (golden file, msgfmt-clean), a Poedit-style edit with polib,
import with approvals and refusals, and malformed files that change nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polib
import pytest
from click.testing import CliRunner
from sqlmodel import SQLModel

from tests.conftest import IN_CI
from tests.helpers import add_users, write_notice
from trilingo.catalogs.po import export
from trilingo.cli import cli
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

GOLDEN = Path(__file__).parent / "data" / "po"
AT = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
HOURS = "Cửa khẩu mở cửa từ 7 giờ 30 đến 19 giờ 30 hằng ngày.\n\nNgày mùng 1 Tết cửa khẩu nghỉ."
LAOS = "Hàng hoá xuất sang Lào phải khai báo với Hải quan."


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, out + err
    return out


@pytest.fixture
def ws(home: Path, db_url: str) -> str:
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting

    ok("init")
    add_users("wei", "mei", langs="zh")
    add_users("lan", langs="lo")
    ok("submit", str(write_notice(home.parent, "hours", HOURS, title="Giờ mở cửa")))
    ok("submit", str(write_notice(home.parent, "laos", LAOS, title="Hải quan")))
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    return db_url


def exported(db_url: str, lang: str, who: str = "wei") -> str:
    with TrilingoSession(open_database(db_url, "tester")) as s:
        return export(s, lang, who, now=AT)


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    with TrilingoSession(open_database(db_url, "tester")) as s:
        return {
            t.name: sorted(map(tuple, s.connection().execute(t.select()).all()), key=repr)
            for t in SQLModel.metadata.sorted_tables
        }


@pytest.mark.usefixtures("home")
def test_export_matches_the_golden_file_and_msgfmt_accepts_it(ws: str, tmp_path: Path) -> None:
    text = exported(ws, "zh")
    golden = GOLDEN / "export-zh.po"
    if os.environ.get("TRILINGO_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    po = polib.pofile(text)
    assert po.metadata["Language"] == "zh_CN" and po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Last-Translator"] == "wei"
    first = po[0]
    assert first.msgctxt == "hours|v1|s1" and first.msgid == "Giờ mở cửa"
    laos = next(e for e in po if e.msgctxt == "laos|v1|s1")
    assert (laos.msgstr, laos.fuzzy) == ("海关", True)  # a glossary draft: never confirmed by export alone
    assert "Term: Hải quan → 海关 (high confidence)" in laos.tcomment
    assert lo_language(exported(ws, "lo")) == "lo"
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if IN_CI:
            pytest.fail("CI=true but msgfmt (gettext) is not installed")
        pytest.skip("msgfmt (gettext) is not installed")
    path = tmp_path / "zh.po"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def lo_language(text: str) -> str:
    return str(polib.pofile(text).metadata["Language"])


def poedit(text: str, path: Path, changes: dict[str, str | None]) -> None:
    """Edit as Poedit does: for each msgctxt, set the msgstr (None keeps it) and clear fuzzy; keep comments."""
    po = polib.pofile(text)
    for entry in po:
        if entry.msgctxt in changes:
            if changes[entry.msgctxt] is not None:
                entry.msgstr = changes[entry.msgctxt]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save(str(path))


def test_round_trip_edits_then_a_second_reviewer_approves(ws: str, tmp_path: Path) -> None:
    path = tmp_path / "wei.po"
    poedit(
        exported(ws, "zh", "wei"),
        path,
        {
            "laos|v1|s1": None,  # confirms the glossary draft
            "laos|v1|s2": "货物出口到老挝须向海关申报。",
            "hours|v1|s2": "口岸每天7时30分至19时30分开放。",  # hours stays fuzzy elsewhere: not approved
        },
    )
    report = json.loads(ok("catalogs", "import", str(path), "--as", "wei", "--json"))
    assert (report["edited"], report["unchanged"]) == (2, 3)
    # wei edited laos: under the four-eyes rule the import does not approve it.
    assert report["approved"] == []
    assert [n["document"] for n in report["not_approved"]] == ["laos"]
    assert "four-eyes rule" in report["not_approved"][0]["reason"]
    view = json.loads(ok("review", "show", "laos", "--lang", "zh", "--json"))
    assert [s["target"] for s in view["segments"]] == ["海关", "货物出口到老挝须向海关申报。"]
    assert view["segments"][1]["updated_by"] == "wei"
    # mei exports, confirms laos without changing a word, imports: approved.
    second = tmp_path / "mei.po"
    poedit(exported(ws, "zh", "mei"), second, {"laos|v1|s1": None, "laos|v1|s2": None})
    out = ok("catalogs", "import", str(second), "--as", "mei")
    assert "approved: laos" in out
    assert json.loads(ok("review", "show", "laos", "--lang", "zh", "--json"))["state"] == "approved"


def test_entries_whose_source_or_target_changed_since_export_are_refused(
    ws: str, tmp_path: Path, home: Path
) -> None:
    text = exported(ws, "zh", "wei")
    # After the export, the source of laos changes, and mei edits hours segment 1.
    ok(
        "submit",
        str(write_notice(home.parent, "laos", LAOS.replace("khai báo", "khai báo đầy đủ"), title="Hải quan")),
    )
    ok("review", "edit", "hours", "--lang", "zh", "--segment", "1", "--text", "开放时间", "--as", "mei")
    path = tmp_path / "wei.po"
    poedit(
        text,
        path,
        {
            "laos|v1|s2": "货物出口到老挝须向海关申报。",
            "hours|v1|s1": "营业时间",
            "hours|v1|s3": "大年初一口岸休息。",
        },
    )
    code, out, err = run("catalogs", "import", str(path), "--as", "wei")
    assert code == 1
    assert err == "Error: 2 of 5 entries refused (listed above); the others were applied\n"
    assert "refused: laos|v1|s2" in out and "the source changed since the export (now version 2)" in out
    assert "refused: hours|v1|s1" in out and "was changed by mei at" in out
    view = json.loads(ok("review", "show", "hours", "--lang", "zh", "--json"))
    assert [s["target"] for s in view["segments"]][0::2] == ["开放时间", "大年初一口岸休息。"]


def test_a_reviewer_of_another_language_cannot_import(ws: str, tmp_path: Path) -> None:
    path = tmp_path / "zh.po"
    poedit(exported(ws, "zh"), path, {"laos|v1|s2": "货物出口到老挝须向海关申报。"})
    before = snapshot(ws)
    code, _, err = run("catalogs", "import", str(path), "--as", "lan")
    assert (code, err) == (1, "Error: lan reviews lo, not zh\n")
    after = snapshot(ws)
    assert len(after["auditevent"]) == len(before["auditevent"]) + 1  # the refusal, and nothing else
    assert {k: v for k, v in after.items() if k != "auditevent"} == {
        k: v for k, v in before.items() if k != "auditevent"
    }


MALFORMED = {
    "unterminated": ('msgctxt "laos|v1|s2"\nmsgid "x"\nmsgstr "y\n', "line 3: a badly quoted string"),
    "junk line": (
        'msgctxt "laos|v1|s2"\nmsgid "x"\nmsgstr "y"\nhello\n',
        "line 4: not a PO keyword or comment",
    ),
    "foreign context": (
        'msgctxt "menu"\nmsgid "x"\nmsgstr "y"\n',
        "line 1: msgctxt 'menu' is not a Trilingo entry",
    ),
    "no language": (
        'msgid ""\nmsgstr "Language: fr\\n"\n\nmsgctxt "laos|v1|s2"\nmsgid "x"\nmsgstr "y"\n',
        "line 1: the header's Language is 'fr'",
    ),
    "duplicate": (
        'msgctxt "a|v1|s1"\nmsgid "x"\nmsgstr ""\n\nmsgctxt "a|v1|s1"\nmsgid "x"\nmsgstr ""\n',
        "line 6: a duplicate entry",
    ),
    "bad escape": ('msgctxt "a|v1|s1"\nmsgid "x\\q"\nmsgstr ""\n', "line 2: a badly quoted string"),
}
HEADER = 'msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_po_changes_nothing(ws: str, tmp_path: Path, case: str) -> None:
    body, message = MALFORMED[case]
    text = body if case == "no language" else HEADER + body
    path = tmp_path / "bad.po"
    path.write_text(text, encoding="utf-8")
    before = snapshot(ws)
    code, out, err = run("catalogs", "import", str(path), "--as", "wei")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"Error: {path}: "), err
    if case != "no language":
        shift = HEADER.count("\n")
        number, rest = message.split(": ", 1)
        message = f"line {int(number.removeprefix('line ')) + shift}: {rest}"
    assert message in err
    assert snapshot(ws) == before


@pytest.mark.usefixtures("ws")
def test_invalid_utf8_and_empty_po_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.po"
    bad.write_bytes(HEADER.encode() + b'msgctxt "a|v1|s1"\nmsgid "\xff"\nmsgstr ""\n')
    assert (
        run("catalogs", "import", str(bad), "--as", "wei")[2]
        == f"Error: {bad}: line 7: invalid UTF-8 (byte 0xff)\n"
    )
    empty = tmp_path / "empty.po"
    empty.write_text("", encoding="utf-8")
    assert run("catalogs", "import", str(empty), "--as", "wei")[2] == f"Error: {empty}: file is empty\n"


@pytest.mark.usefixtures("ws")
def test_export_to_a_file_and_the_cli_contract(tmp_path: Path) -> None:
    out = tmp_path / "lo.po"
    result = CliRunner().invoke(cli, ["catalogs", "export", "--lang", "lo", "-o", str(out), "--as", "lan"])
    assert result.exit_code == 0, result.output
    assert "5 segment(s) in lo" in result.stderr
    po = polib.pofile(str(out))
    assert len(po) == 5 and po.metadata["Language"] == "lo" and po.metadata["X-Trilingo-Exported-By"] == "lan"
    assert run("catalogs", "export", "--lang", "fr")[2].startswith("Error: ")
