"""`trilingo submit`: output contract and every bad-input branch (one Error line, nothing stored)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import col, func, select

from tests.helpers import write_notice
from trilingo.cli import cli
from trilingo.store.models import AuditEvent, Document, DocumentVersion
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database


def counts(db_url: str) -> tuple[int, int, int]:
    with TrilingoSession(open_database(db_url, "tester")) as s:
        docs, versions, events = (
            s.exec(select(func.count()).select_from(t)).one() for t in (Document, DocumentVersion, AuditEvent)
        )
        return docs, versions, events


def test_submit_json_contract(home: Path, tmp_path: Path, db_url: str) -> None:
    for args in (["init"], ["users", "add", "editor1", "--role", "editor"]):
        assert CliRunner().invoke(cli, args).exit_code == 0
    a = write_notice(tmp_path, "tb-a", "Câu một.")
    b = write_notice(tmp_path, "tb-b", "Câu hai.")
    result = CliRunner().invoke(cli, ["submit", str(a), str(b), "--json", "--as", "editor1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # a note about the Prefect server may be on stderr
    assert [(d["slug"], d["version"]) for d in data] == [("tb-a", 1), ("tb-b", 1)]
    # The Vietnamese original is published on submit; no translation is.
    web = home / "public" / "web"
    assert "Câu một." in (web / "vi" / "n" / "tb-a.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in web.iterdir()) == [
        "404.html",
        "index.html",
        "sitemap-0.xml",
        "sitemap-home.xml",
        "sitemap.xml",
        "vi",
    ]
    assert all(isinstance(d["id"], int) for d in data)
    with TrilingoSession(open_database(db_url, "tester")) as s:
        # The admin (the account running the tests) acted as editor1: the log names both.
        acted = s.exec(select(AuditEvent).where(AuditEvent.actor == "editor1")).all()
        assert {(e.action, e.via) for e in acted} == {("submit", "tester"), ("publish", "tester")}
    write_notice(tmp_path, "tb-a", "Câu một đã sửa.")
    again = json.loads(CliRunner().invoke(cli, ["submit", str(a), "--json", "--as", "editor1"]).stdout)
    assert again[0]["version"] == 2 and again[0]["id"] == data[0]["id"]


@pytest.mark.usefixtures("home")
def test_the_actor_is_the_account_running_the_command(tmp_path: Path, db_url: str) -> None:
    CliRunner().invoke(cli, ["submit", str(write_notice(tmp_path, "tb", "x"))])
    with TrilingoSession(open_database(db_url, "tester")) as s:
        events = s.exec(select(AuditEvent.actor, AuditEvent.action).order_by(col(AuditEvent.id))).all()
        assert [tuple(e) for e in events] == [
            ("tester", "user-add"),
            ("tester", "submit"),
            ("tester", "publish"),
        ]


BAD = {
    "invalid-utf8": (b"---\ntitle: x\n---\n\xc3\x28", "line 4: invalid UTF-8 (byte 0xc3)"),
    "empty": (b"", "file is empty"),
    "blank": (b"  \n \n", "file is empty"),
    "no-front-matter": (b"just text\n", "front matter missing: the file must start with a '---' line"),
    "broken-yaml": (b"---\ntitle: [oops\n---\nx\n", "front matter is not valid YAML at line 2"),
    "no-title": (b"---\nslug: ok\n---\nx\n", "front matter: 'title' is required and must be text"),
    "slug-slash": (b"---\ntitle: x\nslug: a/b\n---\nx\n", "invalid slug 'a/b': no '/', '\\' or '..' allowed"),
    "slug-dots": (b"---\ntitle: x\nslug: ..\n---\nx\n", "invalid slug '..': no '/', '\\' or '..' allowed"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.usefixtures("home")
def test_bad_input_one_error_line_and_nothing_stored(case: str, tmp_path: Path, db_url: str) -> None:
    good = write_notice(tmp_path, "good", "Câu tốt.")
    bad = tmp_path / f"{case}.md"
    content, message = BAD[case]
    bad.write_bytes(content)
    before = counts(db_url)
    result = CliRunner().invoke(cli, ["submit", str(good), str(bad)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}: {message}\n"
    assert counts(db_url) == before


@pytest.mark.usefixtures("home")
def test_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["submit", str(tmp_path / "nope.md")])
    assert (result.exit_code, result.output) == (1, f"Error: {tmp_path / 'nope.md'}: no such file\n")


@pytest.mark.usefixtures("home")
def test_unreadable_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["submit", str(tmp_path)])
    assert (result.exit_code, result.output) == (1, f"Error: {tmp_path}: is a directory\n")


@pytest.mark.usefixtures("home")
def test_a_new_file_whose_title_makes_a_stored_slug_needs_update(tmp_path: Path, db_url: str) -> None:
    """No `slug:`: the same file again is unchanged; a changed one is refused (one line, nothing stored)
    unless `--update`; a file that gives its `slug:` is a new version without it."""
    path = tmp_path / "nghi-le.md"
    path.write_text("---\ntitle: Thông báo nghỉ lễ\n---\nNghỉ ngày 30 tháng 4.\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["submit", str(path)]).exit_code == 0
    again = CliRunner().invoke(cli, ["submit", str(path)])
    assert again.exit_code == 0 and again.stdout.startswith("thong-bao-nghi-le (#1): unchanged (version 1)")
    other = tmp_path / "nghi-le-2026.md"
    other.write_text("---\ntitle: Thông báo nghỉ lễ\n---\nNghỉ ngày 2 tháng 9.\n", encoding="utf-8")
    before = counts(db_url)
    both = CliRunner().invoke(cli, ["submit", str(path), str(other)])
    assert (both.exit_code, both.stdout, both.exception.__class__) == (1, "", SystemExit)
    assert (
        both.stderr == f"Error: {path} and {other} have the same slug thong-bao-nghi-le; submit one of them\n"
    )
    refused = CliRunner().invoke(cli, ["submit", str(other)])
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        f"Error: {other}: a notice with this slug already exists: thong-bao-nghi-le; to publish a new version "
        "give `slug: thong-bao-nghi-le` or `--update`; a new notice needs another title or `slug:`\n"
    )
    assert counts(db_url) == before
    updated = CliRunner().invoke(cli, ["submit", "--update", str(other), "--json"])
    assert updated.exit_code == 0, updated.output
    assert [(r["slug"], r["version"]) for r in json.loads(updated.stdout)] == [("thong-bao-nghi-le", 2)]
    assert (
        CliRunner()
        .invoke(cli, ["submit", "--update", str(other)])
        .stdout.startswith("thong-bao-nghi-le (#1): unchanged (version 2)")
    )
    given = tmp_path / "given.md"
    given.write_text(
        "---\ntitle: Thông báo nghỉ lễ\nslug: thong-bao-nghi-le\n---\nNghỉ Tết.\n", encoding="utf-8"
    )
    assert "version 3" in CliRunner().invoke(cli, ["submit", str(given)]).stdout


def test_update_travels_through_the_api_as_a_parameter() -> None:
    from trilingo.api.params import arguments
    from trilingo.service.registry import BY_NAME

    fn = BY_NAME["submit"].function()
    upload = {"name": "a.md", "data": "LS0tCg=="}
    assert arguments(fn, {"files": [upload], "update": True})["update"] is True
    assert arguments(fn, {"files": [upload]}).get("update", False) is False


@pytest.mark.usefixtures("home")
def test_a_category_spelt_without_tone_marks_is_told_and_stored_as_the_sites(tmp_path: Path) -> None:
    path = tmp_path / "tb.md"
    path.write_text(
        "---\ntitle: Thông báo thử\nslug: tb\ncategory: thong bao\n---\nCâu một.\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["submit", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        f"Note: {path}: category 'thong bao' is stored as the site's 'thông báo'"
        in result.stderr.splitlines()
    )
    # Stored as the site spells it: the file written the site's way is the same notice, unchanged.
    path.write_text(
        "---\ntitle: Thông báo thử\nslug: tb\ncategory: thông báo\n---\nCâu một.\n", encoding="utf-8"
    )
    again = CliRunner().invoke(cli, ["submit", str(path)])
    assert "unchanged (version 1)" in again.stdout and "stored as" not in again.stderr


@pytest.mark.usefixtures("home")
def test_a_notice_for_the_screens_without_a_screen_summary_is_warned_about(tmp_path: Path) -> None:
    def submitted(front: str) -> list[str]:
        path = tmp_path / "tb.md"
        path.write_text(f"---\ntitle: Thông báo thử\nslug: tb\n{front}\n---\nCâu một.\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["submit", str(path)])
        assert result.exit_code == 0, result.output
        return [line for line in result.stderr.splitlines() if line.startswith("Warning:")]

    path = tmp_path / "tb.md"
    assert submitted("gates: [huoi-puoc]") == [
        f"Warning: {path}: it goes to the gate screens (huoi-puoc) without a `screen:` summary; they show its "
        "first paragraph, shortened. Give `screen:` in its front matter to choose the text"
    ]
    assert submitted("gates: [huoi-puoc]\nchannels: [web, screens]") != []
    assert submitted("gates: [huoi-puoc]\nscreen: Giờ làm việc mới.") == []
    assert submitted("gates: [huoi-puoc]\nchannels: [web, print]") == []  # not for the screens
    assert submitted("category: thông báo") == []  # no gate: no screen shows it
    quiet = CliRunner().invoke(cli, ["--quiet", "submit", str(path)])
    assert quiet.exit_code == 0 and "Warning" not in quiet.stderr
