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
