"""The published site as a visitor sees it: out-of-date translations (both policies), lists, feeds,
sitemap, 404, `lang` on every run of another language, and the UI catalogs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import polib
import pytest
from sqlmodel import Session, select

from tests.helpers import add_people
from trilingo.channels import ui
from trilingo.channels.publish import publish_channel
from trilingo.intake.store import submit
from trilingo.review.actions import approve
from trilingo.store.models import DocLang, DocState, Segment, SegmentState, Translation, User
from trilingo.text.frontmatter import parse_notice

ACCEPT = "stand-in translations of a site test"


def notice(slug: str, category: str, hours: str) -> str:
    return (
        f"---\ntitle: Giờ làm việc {slug}\nslug: {slug}\ncategory: {category}\ngates: [tay-trang]\n---\n"
        f"Cửa khẩu mở cửa từ 7 giờ đến {hours} giờ hằng ngày.\n"
    )


def translate(session: Session, doc_id: int, lang: str, text: str) -> None:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).one()
    for tr in session.exec(
        select(Translation).join(Segment).where(Segment.version_id == dl.version_id, Translation.lang == lang)
    ).all():
        tr.target, tr.state, tr.origin = text, SegmentState.NEEDS_REVIEW, "memory"
    if dl.state not in (DocState.APPROVED, DocState.PUBLISHED):
        dl.state = DocState.PRETRANSLATED
    else:
        dl.state = DocState.IN_REVIEW
    session.flush()
    approve(session, str(doc_id), lang, "reviewer", accept_warnings=ACCEPT)


@pytest.fixture
def site(session: Session, tmp_path: Path) -> Path:
    """Two notices with approved Chinese: one about opening hours (a critical category in the example
    settings), one ordinary notice; both published; then both changed in Vietnamese (16 → 17 giờ)."""
    ids = {}
    for slug, category in (("gio", "giờ làm việc"), ("tb", "thông báo")):
        ids[slug] = submit(session, parse_notice(notice(slug, category, "16")), "ed").id
        if session.exec(select(User).where(User.name == "reviewer")).first() is None:
            add_people(session, "reviewer", admin="ed")
        translate(session, ids[slug], "zh", f"口岸每天7时至16时开放（{slug}）。")
    publish_channel(session, "web", tmp_path, "op")
    for slug, category in (("gio", "giờ làm việc"), ("tb", "thông báo")):
        submit(session, parse_notice(notice(slug, category, "17")), "ed")
    publish_channel(session, "web", tmp_path, "op")
    return tmp_path / "web"


def read(web: Path, rel: str) -> str:
    return (web / rel).read_text(encoding="utf-8")


def test_an_out_of_date_translation_says_so_in_its_language(site: Path) -> None:
    page = read(site, "zh/n/tb.html")
    assert "16时" in page  # still the old text …
    assert "本通知的越南语原文已于" in page and "可能已过时" in page  # … with a notice in Chinese
    assert 'href="../../vi/n/tb.html" hreflang="vi"' in page
    assert "17 giờ" in read(site, "vi/n/tb.html")
    assert 'href="n/tb.html"' in read(site, "zh/index.html")


def test_an_out_of_date_translation_in_a_critical_category_is_withdrawn(site: Path) -> None:
    page = read(site, "zh/n/gio.html")
    assert "16时" not in page and "口岸每天" not in page  # the old hours are gone …
    assert "旧译文暂时撤下" in page  # … the page says why, in Chinese …
    assert '<h1 lang="vi">Giờ làm việc gio</h1>' in page  # under the original's title, marked Vietnamese
    assert 'href="../../vi/n/gio.html" hreflang="vi"' in page  # … and links to the original
    assert 'href="n/gio.html"' not in read(site, "zh/index.html")
    assert "gio.html" not in read(site, "zh/feed.xml")


def test_re_approval_brings_the_page_back_without_a_notice(
    site: Path, session: Session, tmp_path: Path
) -> None:
    from trilingo.store.documents import resolve_document

    for slug in ("gio", "tb"):
        translate(
            session, resolve_document(session, slug).id or 0, "zh", f"口岸每天7时至17时开放（{slug}）。"
        )
    summary = publish_channel(session, "web", tmp_path, "op")
    assert {"zh/n/gio.html", "zh/n/tb.html", "zh/index.html"} <= set(summary.written)
    for slug in ("gio", "tb"):
        page = read(site, f"zh/n/{slug}.html")
        assert "17时" in page and "可能已过时" not in page and "撤下" not in page
    assert 'href="n/gio.html"' in read(site, "zh/index.html")


def test_every_run_of_another_language_carries_its_lang(site: Path) -> None:
    page = read(site, "zh/n/tb.html")
    # The switcher and the "not available in" line name Lao in Lao: marked as Lao.
    assert '<span lang="lo">ພາສາລາວ</span>' in page
    assert re.search(r'<a href="\.\./\.\./vi/n/tb\.html" hreflang="vi" lang="vi">Tiếng Việt</a>', page)
    assert '<span lang="vi">Tiếng Việt</span>' in page  # in the out-of-date notice
    for text in re.findall(
        r">([^<>]*[\u0e80-\u0eff][^<>]*)<", page
    ):  # every Lao run sits in a lang="lo" element
        assert f'lang="lo">{text}<' in page, text


def test_feed_sitemap_and_404(site: Path) -> None:
    atom = ET.fromstring(read(site, "vi/feed.xml"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) or "" for e in atom.findall("a:entry", ns)]
    assert sorted(titles) == ["Giờ làm việc gio", "Giờ làm việc tb"]
    assert "Không tìm thấy trang" in read(site, "404.html")
    assert 'href="/zh/index.html"' in read(site, "404.html")


SM = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
BASE = "https://thongtin-cuakhau.dienbien.example/"  # the example site's base_url


def sitemap_urls(web: Path) -> dict[str, dict[str, str]]:
    """Every <url> of every sitemap file the index names: its <loc> → its alternates (hreflang → href)."""
    index = ET.fromstring(read(web, "sitemap.xml"))
    files = [s.findtext("s:loc", namespaces=SM) or "" for s in index]
    assert files and all(f.startswith(BASE) for f in files), files
    assert [f.removeprefix(BASE) for f in files] == ["sitemap-home.xml", "sitemap-0.xml"]
    urls: dict[str, dict[str, str]] = {}
    for f in files:
        for url in ET.fromstring(read(web, f.removeprefix(BASE))).findall("s:url", SM):
            loc = url.findtext("s:loc", namespaces=SM) or ""
            assert loc not in urls, f"{loc} listed twice"
            links = url.findall("x:link", SM)
            alternates = {a.get("hreflang", ""): a.get("href", "") for a in links}
            assert len(alternates) == len(links), f"{loc}: a language given twice"
            urls[loc] = alternates
    return urls


def test_the_sitemaps_list_every_page_with_absolute_alternates_and_an_x_default(site: Path) -> None:
    """Every <loc> and every hreflang href is absolute (the site's base_url) and a page that exists;
    every group has its x-default: the root page (choose a language) for the home pages and the root
    itself, the Vietnamese original for an article or a category; each page is among its own alternates."""
    urls = sitemap_urls(site)
    rels = {loc.removeprefix(BASE) for loc in urls}
    assert {
        "index.html",  # the root page
        "vi/index.html",
        "zh/index.html",
        "vi/category-gio-lam-viec.html",
        "vi/category-thong-bao.html",
        "zh/category-thong-bao.html",  # (the Chinese gio is withdrawn: no Chinese category of it)
        "vi/n/gio.html",
        "vi/n/tb.html",
        "zh/n/gio.html",
        "zh/n/tb.html",
    } == rels
    for loc, alternates in urls.items():
        assert loc.startswith(BASE), loc
        assert alternates, f"{loc} has no alternates"
        for hreflang, href in alternates.items():
            assert href.startswith(BASE), (loc, hreflang, href)
            assert (site / href.removeprefix(BASE)).is_file(), (loc, href)
        assert "x-default" in alternates, f"{loc} has no x-default"
        assert loc in alternates.values(), f"{loc} is not among its own alternates"
    homes = {
        "vi": BASE + "vi/index.html",
        "zh-Hans": BASE + "zh/index.html",
        "x-default": BASE + "index.html",
    }
    assert urls[BASE + "index.html"] == urls[BASE + "vi/index.html"] == urls[BASE + "zh/index.html"] == homes
    tb = {"vi": BASE + "vi/n/tb.html", "zh-Hans": BASE + "zh/n/tb.html", "x-default": BASE + "vi/n/tb.html"}
    assert urls[BASE + "vi/n/tb.html"] == urls[BASE + "zh/n/tb.html"] == tb
    category = {
        "vi": BASE + "vi/category-thong-bao.html",
        "zh-Hans": BASE + "zh/category-thong-bao.html",
        "x-default": BASE + "vi/category-thong-bao.html",
    }
    assert urls[BASE + "zh/category-thong-bao.html"] == category
    assert urls[BASE + "vi/category-gio-lam-viec.html"] == {
        "vi": BASE + "vi/category-gio-lam-viec.html",
        "x-default": BASE + "vi/category-gio-lam-viec.html",
    }
    # The pages say the same in their <head>.
    page = read(site, "zh/n/tb.html")
    for hreflang, href in tb.items():
        assert f'<link rel="alternate" hreflang="{hreflang}" href="{href}">' in page
    root = read(site, "index.html")
    for hreflang, href in homes.items():
        assert f'<link rel="alternate" hreflang="{hreflang}" href="{href}">' in root


def test_ui_catalogs_hold_every_template_string_and_ship_lao_and_chinese_as_fuzzy() -> None:
    used = ui.extract()
    assert "Latest notices" in used and len(used) > 15
    pot = polib.pofile(str(ui.catalogs_dir() / "trilingo.pot"))
    assert [e.msgid for e in pot] == used, (
        "catalogs/trilingo.pot is stale: run `trilingo catalogs ui-extract`"
    )
    for status in ui.status():
        assert status.missing == [], f"{status.lang}: strings missing from the catalog: {status.missing}"
        assert status.untranslated == []
    fuzzy = {s.lang: len(s.fuzzy) for s in ui.status()}
    assert fuzzy["vi"] == 0 and fuzzy["lo"] == fuzzy["zh"] == len(used)  # waiting for a native review
    assert ui.translations("lo").gettext("Home") == "ໜ້າຫຼັກ"


def test_queue_and_status_put_out_of_date_translations_first(site: Path, session: Session) -> None:
    from trilingo.review.queue import queue
    from trilingo.status import status

    assert site.is_dir()
    items = queue(session)
    stale = [(i.slug, i.lang) for i in items if i.outdated_since is not None]
    assert sorted(stale) == [("gio", "zh"), ("tb", "zh")]
    assert [(i.slug, i.lang) for i in items[:2]] == stale  # first, before older items that are not live
    assert all(i.outdated_since is None for i in items[2:])
    report = status(session)
    assert report["out_of_date"]["zh"]["count"] == 2 and "lo" not in report["out_of_date"]


def test_submit_refuses_categories_and_gates_the_workspace_does_not_list(home: Path, db_url: str) -> None:
    from click.testing import CliRunner

    from tests.helpers import write_notice
    from trilingo.cli import cli

    assert db_url
    home.mkdir(parents=True, exist_ok=True)
    example = (Path(ui.__file__).parent.parent / "data" / "site-example.toml").read_text(encoding="utf-8")
    site_table = "\n".join(
        line if not line.startswith("[") else line.replace("[", "[site.", 1).replace("[site.[", "[[site.")
        for line in example.splitlines()
        if not line.startswith("#")
    )
    (home / "config.toml").write_text("[site]\n" + site_table + "\n", encoding="utf-8")
    notice = write_notice(home.parent, "tb", "Câu một.")
    text = notice.read_text(encoding="utf-8")
    notice.write_text(text.replace("slug: tb", "slug: tb\ncategory: thông bá"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["submit", str(notice)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {notice}: unknown category 'thông bá'; did you mean 'thông báo'?\n"
    notice.write_text(text.replace("slug: tb", "slug: tb\ngates: [tay-trang, na-meo]"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["submit", str(notice)])
    assert result.stderr == (
        f"Error: {notice}: unknown gate 'na-meo'; the site's gates: 'tay-trang', 'huoi-puoc'\n"
    )
    notice.write_text(text.replace("slug: tb", "slug: tb\nchannels: [radio]"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["submit", str(notice)])
    assert (
        result.stderr == f"Error: {notice}: unknown channel 'radio' in the front matter "
        "(known: web, print, kiosk, screens, webhook); nothing was stored\n"
    )
    notice.write_text(
        text.replace("slug: tb", "slug: tb\ncategory: thông báo\ngates: [tay-trang]"), encoding="utf-8"
    )
    assert CliRunner().invoke(cli, ["submit", str(notice)]).exit_code == 0


@pytest.mark.usefixtures("site")
def test_the_python_and_sql_forms_of_out_of_date_agree(session: Session) -> None:
    """trilingo.outdated holds the rule twice: `freshness` for a page, `outdated` for the queue. Besides the
    fixture's two out-of-date Chinese pages: one changed in Vietnamese and translated again (current),
    one never changed (current), and a Lao page made from the older text (out of date)."""
    from collections import defaultdict

    from trilingo.channels.pages import live_pages
    from trilingo.languages import SOURCE
    from trilingo.outdated import freshness, outdated
    from trilingo.site import SiteSettings

    again = submit(session, parse_notice(notice("lai", "thông báo", "16")), "ed").id
    translate(session, again, "zh", "口岸每天7时至16时开放。")
    translate(session, again, "lo", "ດ່ານເປີດແຕ່ 7 ໂມງ ຫາ 16 ໂມງ.")
    submit(session, parse_notice(notice("lai", "thông báo", "17")), "ed")
    translate(session, again, "zh", "口岸每天7时至17时开放。")
    kept = submit(session, parse_notice(notice("giu", "thông báo", "16")), "ed").id
    translate(session, kept, "zh", "口岸每天7时至16时开放。")

    pages = live_pages(session)
    by_doc: dict[int, dict[str, object]] = defaultdict(dict)
    for page in pages:
        by_doc[page.doc_id][page.lang] = page
    in_python = {
        (p.doc_id, p.lang)
        for p in pages
        if freshness(p, by_doc[p.doc_id].get(SOURCE), SiteSettings(office={})).outdated  # type: ignore[arg-type]
    }
    in_sql = set(outdated(session.connection()))
    assert in_python == in_sql
    slugs = {p.doc_id: p.slug for p in pages}
    assert sorted((slugs[d], lang) for d, lang in in_sql) == [("gio", "zh"), ("lai", "lo"), ("tb", "zh")]
    assert {(slugs[d], lang) for d, lang in set(outdated(session.connection(), lang="lo"))} == {("lai", "lo")}


def test_every_feed_keeps_the_rules_of_rfc_4287(site: Path) -> None:
    """RFC 4287 §4.1.1 and §4.1.2: a feed has one id, title and updated, an author (on the feed, or on
    every entry), a self link; each entry one id, title and updated, and an alternate link; every id is
    an absolute IRI and every date an RFC 3339 date-time."""
    ns = {"a": "http://www.w3.org/2005/Atom"}
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
    feeds = sorted(site.glob("*/feed.xml"))
    assert len(feeds) >= 2
    for path in feeds:
        feed = ET.fromstring(path.read_text(encoding="utf-8"))
        assert feed.tag == "{http://www.w3.org/2005/Atom}feed", path
        for child in ("id", "title", "updated"):
            assert len(feed.findall(f"a:{child}", ns)) == 1, (path, child)
        assert re.match(r"[a-z][a-z0-9+.-]*:", feed.findtext("a:id", namespaces=ns) or ""), path
        assert stamp.match(feed.findtext("a:updated", namespaces=ns) or ""), path
        assert [link.get("rel") for link in feed.findall("a:link", ns)].count("self") == 1, path
        entries = feed.findall("a:entry", ns)
        authored = feed.find("a:author/a:name", ns) is not None
        for entry in entries:
            for child in ("id", "title", "updated"):
                assert len(entry.findall(f"a:{child}", ns)) == 1, (path, child)
            assert re.match(r"[a-z][a-z0-9+.-]*:", entry.findtext("a:id", namespaces=ns) or ""), path
            assert stamp.match(entry.findtext("a:updated", namespaces=ns) or ""), path
            assert any(link.get("rel", "alternate") == "alternate" for link in entry.findall("a:link", ns))
            assert authored or entry.find("a:author/a:name", ns) is not None, path
        assert authored and (feed.findtext("a:author/a:name", namespaces=ns) or "").strip(), path
