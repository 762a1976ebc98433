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
        "vi/n/tb-1.html",
        "zh/feed.xml",
        "zh/index.html",
        "zh/n/tb-1.html",
    ]
    zh = (web / "zh" / "n" / "tb-1.html").read_text(encoding="utf-8")
    vi = (web / "vi" / "n" / "tb-1.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in zh and '<html lang="vi">' in vi
    assert 'href="../../vi/n/tb-1.html" hreflang="vi"' in zh and "/lo/" not in zh
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
    (tmp_path / "web" / "vi" / "n" / "tb-2.html").unlink()
    assert publish_channel(session, "web", tmp_path, "op").written == ["vi/n/tb-2.html"]


def test_edit_after_approval_does_not_leak_until_reapproved(session: Session, tmp_path: Path) -> None:
    doc = _doc(session, "tb-3", "Câu.")
    _translate_all(session, doc, "zh", "第一版")
    approve(session, str(doc), "zh", "reviewer", accept_warnings=ACCEPT)
    publish_channel(session, "web", tmp_path, "op")
    _translate_all(session, doc, "zh", "未审核的修改")  # working copy changes, no approval
    publish_channel(session, "web", tmp_path, "op")
    page = (tmp_path / "web" / "zh" / "n" / "tb-3.html").read_text(encoding="utf-8")
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
    assert "lo/n/tb-3.html" in written  # out of date: it says so (or, withdrawn, it says it is withdrawn)
    if category == "giờ làm việc":
        assert {} in reads and "lo/index.html" in written  # withdrawn: a translation's entry changed
    else:
        assert reads == [{"chunks": {chunk}}, {"lang": "vi"}]  # its sitemap file's pages, then the Vietnamese
        assert "lo/index.html" not in written
    assert {"vi/n/tb-3.html", "vi/index.html", "vi/feed.xml"} <= set(written)
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


def _old_layout_site(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, int, int]:
    """A site published before articles had their folder (`<lang>/<slug>.html`), then by this version:
    tb-old in Vietnamese and Chinese, tb-vi in Vietnamese only."""
    from trilingo.channels import pages

    old = _doc(session, "tb-old", "Câu cũ.")
    _translate_all(session, old, "zh", "旧的")
    approve(session, str(old), "zh", "reviewer", accept_warnings=ACCEPT)
    only_vi = _doc(session, "tb-vi", "Câu.")
    with monkeypatch.context() as m:
        m.setattr(pages, "ARTICLE_FOLDER", "")
        publish_channel(session, "web", tmp_path, "op")
    web = tmp_path / "web"
    assert "<article>" in (web / "zh" / "tb-old.html").read_text(encoding="utf-8")  # the old layout
    publish_channel(session, "web", tmp_path, "op")
    return web, old, only_vi


def test_articles_move_to_their_folder_and_their_old_addresses_redirect(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web, _old, _only_vi = _old_layout_site(session, tmp_path, monkeypatch)
    for lang, slug, html_lang in (("vi", "tb-old", "vi"), ("zh", "tb-old", "zh-Hans"), ("vi", "tb-vi", "vi")):
        assert (web / lang / "n" / f"{slug}.html").is_file()
        moved = (web / lang / f"{slug}.html").read_text(encoding="utf-8")
        assert f'<html lang="{html_lang}">' in moved
        assert f'<meta http-equiv="refresh" content="0; url=n/{slug}.html">' in moved
        assert (
            f'<link rel="canonical" href="https://thongtin-cuakhau.dienbien.example/{lang}/n/{slug}.html">'
            in moved
        )
        assert '<meta name="robots" content="noindex">' in moved
        assert re.search(rf'<a href="n/{slug}\.html">[^<]+</a>', moved)  # a link a reader can follow
        assert "<article>" not in moved  # not the article itself
    # Every list links to the new addresses.
    for rel in ("vi/index.html", "zh/index.html"):
        text = (web / rel).read_text(encoding="utf-8")
        assert 'href="n/tb-old.html"' in text and 'href="tb-old.html"' not in text, rel
    feed = (web / "vi" / "feed.xml").read_text(encoding="utf-8")
    site = "https://thongtin-cuakhau.dienbien.example/"
    assert f'<link rel="alternate" href="{site}vi/n/tb-old.html"/>' in feed
    assert f"<id>{site}vi/tb-old.html</id>" in feed  # an entry's id never changes (RFC 4287 §4.2.6)
    # A notice published since has no old address: nothing is made there.
    _doc(session, "tb-new", "Câu mới.")
    publish_channel(session, "web", tmp_path, "op")
    assert (web / "vi" / "n" / "tb-new.html").is_file() and not (web / "vi" / "tb-new.html").exists()
    assert publish_channel(session, "web", tmp_path, "op").written == []  # the redirects are kept as they are


def test_a_retraction_removes_the_article_and_its_old_address(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trilingo.channels.retract import retract

    web, old, only_vi = _old_layout_site(session, tmp_path, monkeypatch)
    retract(session, str(old), "reviewer", "sai", lang="zh")
    removed = publish_channel(session, "web", tmp_path, "op", documents={old}).removed
    assert sorted(removed) == ["zh/n/tb-old.html", "zh/tb-old.html"]
    assert (web / "vi" / "n" / "tb-old.html").is_file() and (web / "vi" / "tb-old.html").is_file()
    retract(session, str(only_vi), "ed", "sai")
    removed = publish_channel(session, "web", tmp_path, "op", documents={only_vi}).removed
    assert sorted(removed) == ["vi/n/tb-vi.html", "vi/tb-vi.html"]
    assert publish_channel(session, "web", tmp_path, "op").written == []  # a full publish agrees


def test_without_a_base_url_no_sitemap_is_published(session: Session, tmp_path: Path) -> None:
    """A sitemap's addresses must be absolute: a site with no base_url has none (and no relative one)."""
    from dataclasses import replace

    from trilingo.channels.web import publish_web
    from trilingo.site import example

    _doc(session, "tb-nb", "Câu.")
    written = publish_web(session, tmp_path / "web", site=replace(example(), base_url="")).written
    assert "vi/n/tb-nb.html" in written and not [rel for rel in written if rel.startswith("sitemap")]
    assert 'hreflang="x-default" href="tb-nb.html"' in (
        tmp_path / "web" / "vi" / "n" / "tb-nb.html"
    ).read_text(encoding="utf-8")
