"""Retract: content comes off the website, the leaflets and the kiosk at once, leaves no broken link,
is audited, and comes back only with a newly approved release."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import select

from tests.helpers import add_users
from trilingo.channels import names
from trilingo.channels.kiosk_bundle import search
from trilingo.channels.publish import publish_channel
from trilingo.cli import cli
from trilingo.commands.demo import sample_files
from trilingo.intake.store import submit
from trilingo.store.models import AuditEvent
from trilingo.store.sessions import TrilingoSession
from trilingo.text.frontmatter import read_notice
from trilingo.workspace import open_database

ZH = "西庄国际口岸每天开放，出境旅客须出示有效护照。"
LO = "ດ່ານສາກົນໄຕຈາງ ເປີດບໍລິການທຸກມື້."


def approve_sql(db_url: str, where: str = "") -> None:
    db = open_database(db_url, "tester")
    with db.begin() as conn:
        for lang, body in (("lo", LO), ("zh", ZH)):
            conn.execute(
                text(
                    "INSERT INTO release (document_id, lang, version_id, title, body, content_hash, approved_by, "
                    "approved_at) SELECT r.document_id, CAST(:lang AS VARCHAR), r.version_id, CAST(:title AS VARCHAR) || ' ' || r.id, CAST(:body AS VARCHAR), "
                    f"'h-' || r.id || CAST(:lang AS VARCHAR), 'tester', r.approved_at FROM release r WHERE r.lang = 'vi' {where} "
                    "AND r.id = (SELECT max(id) FROM release x WHERE x.document_id = r.document_id AND x.lang = 'vi')"
                ),
                {"lang": lang, "title": body[:4], "body": body},
            )
        conn.execute(
            text(
                "UPDATE doclang SET state = 'approved', release_id = (SELECT max(r.id) FROM release r "
                "WHERE r.document_id = doclang.document_id AND r.lang = doclang.lang) WHERE lang IN ('lo', 'zh')"
            )
        )


def publish_all(db_url: str, public: Path) -> None:
    with TrilingoSession(open_database(db_url, "tester")) as session:
        for channel in names():
            publish_channel(session, channel, public, "tester")
        session.commit()


@pytest.fixture
def published(home: Path, db_url: str) -> Path:
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    add_users("wei", langs="zh")
    add_users("ed", role="editor")
    with TrilingoSession(open_database(db_url, "tester")) as session:
        for path in sample_files():
            submit(session, read_notice(path), "tester")
        session.commit()
    approve_sql(db_url)
    publish_all(db_url, home / "public")
    return home / "public"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag in ("a", "link") and href:
            self.hrefs.append(href)


def broken_links(web: Path) -> list[str]:
    broken = []
    for page in sorted(web.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            if urlsplit(href).scheme or href.startswith(("mailto:", "tel:", "#")):
                continue
            target = urlsplit(urljoin("/" + str(page.relative_to(web)), href)).path.lstrip("/")
            if not (web / target).is_file():
                broken.append(f"{page.relative_to(web)} → {href}")
    return broken


def test_retract_takes_a_language_off_every_channel(published: Path, db_url: str) -> None:
    slug = "huoi-puoc-thong-bao"
    web = published / "web"
    assert (web / "zh" / "n" / f"{slug}.html").is_file() and (published / "print" / f"{slug}.pdf").is_file()
    assert any(h.slug == slug for h in search(published / "kiosk", "口岸", "zh").hits)
    result = CliRunner().invoke(
        cli, ["retract", slug, "--lang", "zh", "--reason", "sai giờ mở cửa", "--as", "wei"]
    )
    assert result.exit_code == 0, result.output
    assert f"{slug} [zh]: retracted from every channel (sai giờ mở cửa)" in result.stdout
    assert not (web / "zh" / "n" / f"{slug}.html").exists()
    assert f"{slug}.html" not in (web / "zh" / "index.html").read_text(encoding="utf-8")
    assert f"zh/n/{slug}.html" not in (web / "vi" / "n" / f"{slug}.html").read_text(encoding="utf-8")
    assert broken_links(web) == []
    assert not (published / "print" / f"{slug}.pdf").exists()  # a leaflet needs all three languages
    assert all(h.slug != slug for h in search(published / "kiosk", "口岸", "zh").hits)
    assert any(h.slug == slug for h in search(published / "kiosk", "ດ່ານ", "lo").hits)  # Lao stays
    with TrilingoSession(open_database(db_url, "tester")) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "retract")).one()
        assert (event.actor, event.lang, event.detail["reason"]) == ("wei", "zh", "sai giờ mở cửa")
    # Publishing again does not bring it back …
    publish_all(db_url, published)
    assert not (web / "zh" / "n" / f"{slug}.html").exists()
    again = CliRunner().invoke(cli, ["retract", slug, "--lang", "zh", "--reason", "x", "--as", "wei"])
    assert again.exit_code == 1 and "nothing published to retract" in again.stderr
    # … a newly approved release does.
    approve_sql(db_url, "AND r.document_id = (SELECT id FROM document WHERE slug = 'huoi-puoc-thong-bao')")
    publish_all(db_url, published)
    assert (web / "zh" / "n" / f"{slug}.html").is_file() and broken_links(web) == []


def test_retracting_the_original_takes_the_notice_down_everywhere(published: Path) -> None:
    slug = "tay-trang-gio-lam-viec"
    result = CliRunner().invoke(cli, ["retract", slug, "--reason", "thông báo đã hết hiệu lực", "--json"])
    assert result.exit_code == 0, result.output
    assert not any((published / "web" / lang / "n" / f"{slug}.html").exists() for lang in ("vi", "lo", "zh"))
    assert broken_links(published / "web") == []
    hits = search(published / "kiosk", "cửa khẩu", "vi").hits
    assert hits and all(h.slug != slug for h in hits)  # the other notices are still there


@pytest.mark.usefixtures("published")
def test_who_may_retract() -> None:
    code = CliRunner().invoke(cli, ["retract", "huoi-puoc-thong-bao", "--reason", "x", "--as", "ed"])
    assert (
        code.exit_code == 1
        and code.stderr == "Error: ed is an editor, who may not retract published content\n"
    )
    # A reviewer of Chinese may not take the Vietnamese original (or Lao) down: only an admin may.
    code = CliRunner().invoke(cli, ["retract", "huoi-puoc-thong-bao", "--reason", "x", "--as", "wei"])
    assert code.exit_code == 1 and code.stderr == "Error: wei reviews zh, not vi\n"
