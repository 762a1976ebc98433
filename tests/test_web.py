"""The web channel: only releases, safe HTML, language switcher, atomic writes, the ledger."""

from __future__ import annotations

import errno
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.helpers import add_people
from trilingo.channels.markdown import markdown_to_html
from trilingo.channels.publish import publish_channel
from trilingo.errors import UnavailableError
from trilingo.intake.store import submit
from trilingo.review.actions import approve
from trilingo.store.models import DocLang, DocState, Segment, SegmentState, Translation, User
from trilingo.text.files import write_atomic
from trilingo.text.frontmatter import parse_notice

HOSTILE = """Đoạn <script>alert(1)</script> văn.

<img src=x onerror=alert(1)>

[link](javascript:alert(1)) and [ok](https://example.org/a)

<iframe src="https://evil.test"></iframe>
"""


LIVE_HTML = re.compile(r"<(script|img|iframe)\b|<[^>]*\son\w+=|href=\"javascript:", re.I)


def test_sanitizer_removes_script_and_handlers() -> None:
    html = markdown_to_html(HOSTILE)
    assert LIVE_HTML.search(html) is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not run
    assert '<a href="https://example.org/a" rel="noopener noreferrer">ok</a>' in html


ACCEPT = "stand-in translations of a publishing test"


def _doc(session: Session, slug: str, body: str) -> int:
    result = submit(session, parse_notice(f"---\ntitle: Tiêu đề {slug}\nslug: {slug}\n---\n{body}\n"), "ed")
    if session.exec(select(User).where(User.name == "reviewer")).first() is None:
        add_people(session, "reviewer", admin="ed")  # "ed" made the first change: the workspace's admin
    return result.id


def _translate_all(session: Session, doc_id: int, lang: str, text: str) -> None:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).one()
    for tr in session.exec(
        select(Translation).join(Segment).where(Segment.version_id == dl.version_id, Translation.lang == lang)
    ).all():
        tr.target, tr.state = text, SegmentState.NEEDS_REVIEW
    dl.state = DocState.PRETRANSLATED
    session.flush()


def test_publish_only_releases_and_switcher(session: Session, tmp_path: Path) -> None:
    doc = _doc(session, "tb-1", HOSTILE)
    _translate_all(session, doc, "zh", "中文内容")
    _translate_all(session, doc, "lo", "ເນື້ອໃນ")  # drafted, never approved
    approve(session, str(doc), "zh", "reviewer", accept_warnings=ACCEPT)
    summary = publish_channel(session, "web", tmp_path, "op")
    web = tmp_path / "web"
    assert sorted(summary.written) == [
        "404.html",
        "index.html",
        "sitemap-0.xml",
        "sitemap-home.xml",
        "sitemap.xml",
        "vi/feed.xml",
        "vi/index.html",
        "vi/tb-1.html",
        "zh/feed.xml",
        "zh/index.html",
        "zh/tb-1.html",
    ]
    zh = (web / "zh" / "tb-1.html").read_text(encoding="utf-8")
    vi = (web / "vi" / "tb-1.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in zh and '<html lang="vi">' in vi
    assert 'href="../vi/tb-1.html" hreflang="vi"' in zh and "../lo/" not in zh
    assert "ພາສາລາວ" in zh  # says which language is missing
    assert LIVE_HTML.search(vi) is None
    assert not (web / "lo").exists()
    states = {dl.lang: dl.state for dl in session.exec(select(DocLang)).all()}
    assert states == {"vi": DocState.PUBLISHED, "zh": DocState.PUBLISHED, "lo": DocState.PRETRANSLATED}


def test_republish_is_a_noop_and_rewrites_a_deleted_file(session: Session, tmp_path: Path) -> None:
    _doc(session, "tb-2", "Câu.")
    publish_channel(session, "web", tmp_path, "op")
    again = publish_channel(session, "web", tmp_path, "op")
    assert again.written == [] and again.unchanged == 8
    (tmp_path / "web" / "vi" / "tb-2.html").unlink()
    assert publish_channel(session, "web", tmp_path, "op").written == ["vi/tb-2.html"]


def test_edit_after_approval_does_not_leak_until_reapproved(session: Session, tmp_path: Path) -> None:
    doc = _doc(session, "tb-3", "Câu.")
    _translate_all(session, doc, "zh", "第一版")
    approve(session, str(doc), "zh", "reviewer", accept_warnings=ACCEPT)
    publish_channel(session, "web", tmp_path, "op")
    _translate_all(session, doc, "zh", "未审核的修改")  # working copy changes, no approval
    publish_channel(session, "web", tmp_path, "op")
    page = (tmp_path / "web" / "zh" / "tb-3.html").read_text(encoding="utf-8")
    assert "第一版" in page and "未审核的修改" not in page


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "page.html"
    write_atomic(target, "old")

    def boom(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("trilingo.text.files.os.replace", boom)
    with pytest.raises(UnavailableError, match="the disk is full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


@pytest.mark.parametrize(
    "category", ["thông báo", "giờ làm việc"]
)  # the second is critical in the example site
def test_publishing_one_changed_notice_reads_only_what_its_lists_need_and_writes_what_a_full_publish_would(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, category: str
) -> None:
    """A changed original puts its translations out of date. Their list entries stay (unless the category
    is critical: then they are withdrawn), so only the Vietnamese lists are rebuilt, from the Vietnamese
    pages and the pages of the notice's sitemap file; a full publish right after finds nothing to do."""
    from trilingo.channels import pages, web

    monkeypatch.setattr(pages, "SITEMAP_DOCUMENTS", 2)  # 5 notices in three sitemap files

    def notice(i: int, extra: str = "") -> str:
        return f"---\ntitle: Tiêu đề {i}\nslug: tb-{i}\ncategory: {category}\n---\nCâu số {i}.{extra}\n"

    docs = [submit(session, parse_notice(notice(i)), "ed").id for i in range(5)]
    add_people(session, "reviewer", admin="ed")
    for doc in docs:
        _translate_all(session, doc, "lo", "ເນື້ອໃນ")
        approve(session, str(doc), "lo", "reviewer", accept_warnings=ACCEPT)
    out = tmp_path / "web"
    web.publish_web(session, out)
    assert web.publish_web(session, out).written == []

    submit(session, parse_notice(notice(3, " Câu mới.")), "ed")
    reads: list[dict[str, object]] = []
    real = web.live_pages

    def spy(*args: Any, **kwargs: Any) -> list[web.Page]:
        reads.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(web, "live_pages", spy)
    written = web.publish_web(session, out, documents={docs[3]}).written
    monkeypatch.setattr(web, "live_pages", real)
    chunk = docs[3] // 2
    assert "lo/tb-3.html" in written  # out of date: it says so (or, withdrawn, it says it is withdrawn)
    if category == "giờ làm việc":
        assert {} in reads and "lo/index.html" in written  # withdrawn: a translation's entry changed
    else:
        assert reads == [{"chunks": {chunk}}, {"lang": "vi"}]  # its sitemap file's pages, then the Vietnamese
        assert "lo/index.html" not in written
    assert {"vi/tb-3.html", "vi/index.html", "vi/feed.xml"} <= set(written)
    # (its sitemap file is made again from the new dates, but says the same on the same day)
    assert web.publish_web(session, out).written == []


def test_the_404_and_root_pages_speak_every_live_language(session: Session, tmp_path: Path) -> None:
    doc = _doc(session, "tb-404", "Câu.")
    _translate_all(session, doc, "zh", "中文内容")
    _translate_all(session, doc, "lo", "ເນື້ອໃນ")
    approve(session, str(doc), "zh", "reviewer", accept_warnings=ACCEPT)
    approve(session, str(doc), "lo", "reviewer", accept_warnings=ACCEPT)
    publish_channel(session, "web", tmp_path, "op")
    missing = (tmp_path / "web" / "404.html").read_text(encoding="utf-8")
    for lang, title, home in (
        ("vi", "Không tìm thấy trang", "/vi/index.html"),
        ("lo", "ບໍ່ພົບໜ້ານີ້", "/lo/index.html"),
        ("zh-Hans", "未找到页面", "/zh/index.html"),
    ):
        assert f'<span lang="{lang}">{title}</span>' in missing
        section = missing.split(f'<section lang="{lang}">')[1].split("</section>")[0]
        assert f'href="{home}"' in section
    assert missing.count("<h1>") == 1
    root = (tmp_path / "web" / "index.html").read_text(encoding="utf-8")
    assert root.count("<h1>") == 1 and '<span lang="vi">' in root.split("<h1>")[1].split("</h1>")[0]
