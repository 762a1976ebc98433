"""The published site in a real browser (Debian's chromium through chromium-driver, headless).

The site of the demo's sample notices plus a hostile notice, every translation approved: no script
runs, Lao and Chinese are drawn with Noto Lao and Noto CJK (not a fallback), a 390-pixel phone screen
needs no horizontal scroll, and every internal link, switcher entry and hreflang alternate resolves.
Screenshots of each language's home page and one article go to build/screenshots/ (CI keeps them).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.helpers import approve_directly, axe_violations, chromium
from trilingo.channels import pages
from trilingo.channels.publish import publish_channel
from trilingo.commands.demo import sample_files
from trilingo.intake.store import submit
from trilingo.store.db import create_database
from trilingo.store.sessions import TrilingoSession
from trilingo.text.frontmatter import parse_notice, read_notice
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"

HOSTILE = """---
title: Thông báo thử nghiệm an toàn
slug: an-toan
category: thông báo
---
Đoạn có <script>document.title='PWNED'</script> chữ.

<img src=x onerror="document.title='PWNED'">

[bấm vào đây](javascript:document.title='PWNED') hoặc [trang chính thức](https://example.org/a)

<iframe src="javascript:document.title='PWNED'"></iframe>

<svg onload="document.title='PWNED'"><script>document.title='PWNED'</script></svg>
"""
LAO, ZH = "ດ່ານສາກົນໄຕຈາງ ເປີດບໍລິການທຸກມື້ ແລະ ແຈ້ງສິນຄ້າກັບພາສີ.", "西庄国际口岸每天开放，出境旅客须出示有效护照。"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples and the hostile notice, with Lao and Chinese approved (real sentences, one per segment)."""
    folder = tmp_path_factory.mktemp("site")
    url = f"sqlite:///{folder / 'trilingo.db'}"
    db = open_database(url, "tester")
    with TrilingoSession(db) as session:
        for notice in [*(read_notice(p) for p in sample_files()), parse_notice(HOSTILE)]:
            submit(session, notice, "tester")
        session.commit()
    approve_directly(
        db, {lang: (body.split(" ")[0], f"{body}\n\n{body}") for lang, body in (("lo", LAO), ("zh", ZH))}
    )
    with TrilingoSession(create_database(url)) as session, pytest.MonkeyPatch.context() as m:
        # First as a version before articles had their folder published it (`<lang>/<slug>.html`) …
        m.setattr(pages, "ARTICLE_FOLDER", "")
        publish_channel(session, "web", folder / "public", "tester")
        session.commit()
        m.undo()
        # … then as this one: the articles move to `<lang>/n/`, their old addresses redirect there.
        publish_channel(session, "web", folder / "public", "tester")
        session.commit()
    return folder / "public" / "web"


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:
            """`?stay`: the page without its meta refresh (a redirect page to audit, not to leave)."""
            parts = urlsplit(self.path)
            if parts.query != "stay":
                super().do_GET()
                return
            body = re.sub(
                r'<meta http-equiv="refresh"[^>]*>', "", (site / parts.path.lstrip("/")).read_text("utf-8")
            )
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    driver = chromium("--window-size=390,844")
    # A phone: headless Chromium will not make a window narrower than 500 px, so emulate the screen.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    yield driver
    driver.quit()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[tuple[str, str]] = []  # (tag, href)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and values.get("href"):
            self.hrefs.append((tag, values["href"] or ""))


def test_every_internal_link_switcher_and_alternate_resolves(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    checked = 0
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for _tag, href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "tel:", "#")):
                continue
            base = "/" + str(page.relative_to(site))
            target = urlsplit(urljoin(base, href)).path.lstrip("/")
            assert (site / target).is_file(), f"{page.relative_to(site)} links to a missing {href}"
            checked += 1
    assert checked > 100


def test_no_script_runs_on_the_hostile_notice(browser: object, server: str) -> None:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    for lang in ("vi", "lo", "zh"):
        browser.get(f"{server}{lang}/n/an-toan.html")
        assert browser.title != "PWNED"
        assert (
            browser.execute_script("return document.querySelectorAll('script, iframe, svg, img').length") == 0
        )
        hrefs = browser.execute_script("return [...document.links].map(a => a.getAttribute('href'))")
        assert not [h for h in hrefs if h.lower().startswith("javascript")]
    browser.get(f"{server}vi/n/an-toan.html")
    assert "bấm vào đây" in browser.find_element("css selector", "article").text  # the text stays …
    links = [a.text for a in browser.find_elements("css selector", "article a")]
    assert links == ["trang chính thức"]  # … the javascript: link does not; the real one does


def platform_fonts(browser: object, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew the element's text with, and how many glyphs each (DevTools)."""
    from selenium.webdriver.chromium.webdriver import ChromiumDriver

    assert isinstance(browser, ChromiumDriver)
    browser.execute_cdp_cmd("DOM.enable", {})
    browser.execute_cdp_cmd("CSS.enable", {})
    root = browser.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = browser.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = browser.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"]: f["glyphCount"] for f in fonts}


@pytest.mark.parametrize(
    ("path", "selector", "family"),
    [
        ("lo/index.html", "main h1", "Noto Sans Lao"),
        ("lo/n/tay-trang-gio-lam-viec.html", "article h1 + p + p", "Noto Sans Lao"),
        ("zh/index.html", "main h1", "Noto Sans CJK"),
        ("zh/n/tay-trang-gio-lam-viec.html", "article h1 + p + p", "Noto Sans CJK"),
    ],
)
def test_lao_and_chinese_are_drawn_with_noto(
    browser: object, server: str, path: str, selector: str, family: str
) -> None:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.get(server + path)
    fonts = platform_fonts(browser, selector)
    # The Lao or Chinese glyphs come from Noto Lao / Noto CJK; punctuation may come from Noto Sans (next in
    # the page's stack). Nothing comes from a fallback outside the stack.
    assert all(name.startswith("Noto Sans") for name in fonts), fonts
    drawn = sum(n for name, n in fonts.items() if name.startswith(family))
    assert drawn >= 4 and drawn >= sum(fonts.values()) - 2, fonts


@pytest.mark.parametrize("lang", ["vi", "lo", "zh"])
def test_phone_width_needs_no_horizontal_scroll_and_screenshots(
    browser: object, server: str, lang: str
) -> None:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (
        ("home", f"{lang}/index.html"),
        ("article", f"{lang}/n/huong-dan-xuat-nhap-canh.html"),
    ):
        browser.get(server + path)
        width = browser.execute_script("return window.innerWidth")
        assert width <= 400, f"the window is {width} px wide, not a phone's"
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, f"{path}: {scroll} px of content in a {width} px screen"
        assert browser.execute_script("return document.documentElement.lang") in ("vi", "lo", "zh-Hans")
        browser.save_screenshot(str(SCREENSHOTS / f"{name}-{lang}.png"))
    assert (SCREENSHOTS / f"home-{lang}.png").stat().st_size > 5_000


def test_every_old_article_address_redirects_to_its_new_one(browser: object, server: str, site: Path) -> None:
    """Each article of the first publish left a redirect page at `<lang>/<slug>.html`; a browser that
    opens it lands on `<lang>/n/<slug>.html`."""
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(browser, WebDriver)
    articles = sorted(site.glob("*/n/*.html"))
    assert len(articles) >= 12
    for article in articles:
        lang, slug = article.parent.parent.name, article.stem
        moved = (site / lang / f"{slug}.html").read_text(encoding="utf-8")
        assert f'content="0; url=n/{slug}.html"' in moved and 'name="robots" content="noindex"' in moved
    browser.get(f"{server}zh/an-toan.html")
    WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith("/zh/n/an-toan.html"))
    assert browser.find_element("css selector", "article h1").text


def axe_pages(site: Path) -> list[str]:
    """One page of every kind: the root, each home, a category, an article in each language, 404, and an
    old address's redirect page (`?stay`: served without its meta refresh, or axe would audit the article
    it leads to; the refresh itself is axe's `meta-refresh` rule's case of an immediate one, 0 s)."""
    category = sorted(site.glob("vi/category-*.html"))[0].name
    return [
        "index.html",
        *(f"{lang}/index.html" for lang in ("vi", "lo", "zh")),
        f"vi/{category}",
        f"zh/{category}",
        *(f"{lang}/n/huong-dan-xuat-nhap-canh.html" for lang in ("vi", "lo", "zh")),
        "vi/n/an-toan.html",  # the hostile notice: what the sanitizer leaves
        "404.html",
        "vi/huong-dan-xuat-nhap-canh.html?stay",
        "zh/huong-dan-xuat-nhap-canh.html?stay",
    ]


def test_axe_finds_no_accessibility_violation_on_any_kind_of_page(
    browser: object, server: str, site: Path
) -> None:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    found: dict[str, list[str]] = {}
    for path in axe_pages(site):
        browser.get(server + path)
        assert "?stay" in path or browser.current_url == server + path  # audited where it was opened
        violations = axe_violations(browser)
        if violations:
            found[path] = violations
    assert found == {}, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)
