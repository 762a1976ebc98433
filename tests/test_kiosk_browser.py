"""The kiosk page in Chromium, from `file://` with the network off, as a traveller at a gate uses it.

The demo's samples with their Lao and Chinese translations approved: the home screen, a query without
tone marks, a Chinese query on the Vietnamese tab, opening a notice and reading it in another language,
the return to the start after the idle time, the about screen, and axe-core on every screen. The page
folds and tokenizes queries in JavaScript; those tokens are compared with the Python ones the index was
built from. Screenshots go to build/screenshots/ (kiosk-*.png).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import approve_directly, axe_violations, chromium
from trilingo.channels import kiosk_index
from trilingo.channels.kiosk import publish_kiosk
from trilingo.commands.demo import sample_files
from trilingo.intake.store import submit
from trilingo.site import example
from trilingo.store.db import create_database
from trilingo.store.sessions import TrilingoSession
from trilingo.text.frontmatter import read_notice
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
IDLE = 3  # seconds: the fixture's [site] kiosk_idle_seconds
LAO = "ດ່ານສາກົນໄຕຈາງ ເປີດບໍລິການທຸກມື້ ແລະ ແຈ້ງສິນຄ້າກັບພາສີ."
ZH = "西庄国际口岸每天开放，出境旅客须出示有效护照。"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kiosk-browser")
    url = f"sqlite:///{folder / 'trilingo.db'}"
    db = open_database(url, "tester")
    with TrilingoSession(db) as session:
        for path in sample_files():
            submit(session, read_notice(path), "tester")
        session.commit()
    # Lao and Chinese approved for the first two samples; the third is Vietnamese only
    approve_directly(
        db,
        {lang: (body.split(" ")[0][:8], f"{body}\n\n- {body}") for lang, body in (("lo", LAO), ("zh", ZH))},
        below=3,
    )
    with TrilingoSession(create_database(url)) as session:
        publish_kiosk(session, folder / "public" / "kiosk", site=replace(example(), kiosk_idle_seconds=IDLE))
        session.commit()
    return folder / "public" / "kiosk"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium("--window-size=1280,1000", logging=True)  # every request is logged
    # The network is off: whatever the page needs must come from its own folder.
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser: Any, kiosk: Path) -> Any:
    browser.get((kiosk / "index.html").as_uri())
    return browser


def by_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def visible(driver: Any) -> str:
    screens = [
        s for s in ("home", "results", "reader", "about") if driver.find_element("id", s).is_displayed()
    ]
    assert len(screens) == 1, screens
    return screens[0]


def wait_for(driver: Any, condition: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not driver.execute_script(f"return {condition}"):
        assert time.monotonic() < deadline, f"still not true after {seconds} s: {condition}"
        time.sleep(0.05)


def type_query(driver: Any, query: str) -> list[Any]:
    box = driver.find_element("id", "q")
    box.clear()
    box.send_keys(query)
    box.submit()
    wait_for(
        driver,
        "!document.getElementById('results').hidden && !/…/.test(document.getElementById('count').textContent)",
    )
    return by_css(driver, "#hits .card")


def test_the_page_tokenizes_a_query_as_the_index_was_built(page: Any) -> None:
    samples = [
        "Cửa khẩu Quốc tế Tây Trang",
        "CUA KHAU thuỷ Thủy hoà HÒA",  # old and new tone-mark style
        "Ủy ban nhân dân",
        "\u0055\u0309y ban",  # NFD
        "口岸签证 护照，海关",
        "ດ່ານສາກົນໄຕຈາງ ໜອງ ຫນອງ ຄໍາ ຄຳ",  # Lao spelling variants
        "𠀀𠀁 mixed 口岸 Tây Trang ດ່ານ 15:30",
        "đường Điện Biên — a_b",
    ]
    for sample in samples:
        for query in (False, True):
            expected = kiosk_index.tokens(sample, query=query)
            assert (
                page.execute_script("return kioskTokens(arguments[0], arguments[1])", sample, query)
                == expected
            )
    buckets = page.execute_script("return JSON.parse(document.getElementById('data').textContent).buckets")
    for token in {t for s in samples for t in kiosk_index.tokens(s)}:
        assert page.execute_script("return kioskBucket(arguments[0])", token) == kiosk_index.bucket_of(
            token, buckets
        ), token


def test_the_home_screen_offers_the_latest_notices_the_categories_and_the_hours(
    page: Any, kiosk: Path
) -> None:
    assert visible(page) == "home"
    latest = [c.text for c in by_css(page, "#latest .card")]
    assert len(latest) == 3 and any("Tây Trang" in t for t in latest)
    cats = [b.text for b in by_css(page, "#cats button")]
    assert any(t.startswith("thông báo") for t in cats)
    hours = page.find_element("id", "hours").text
    assert "7:30–16:30" in hours and "Huổi Puốc" in hours
    # Touch targets a finger can hit: at least 56 px tall
    for selector in ("#langs button", "#cats button", "#latest .card", "#go"):
        for el in by_css(page, selector):
            assert el.size["height"] >= 56, (selector, el.size)
    # The build hash is on the about screen, not in the footer
    build = page.execute_script("return JSON.parse(document.getElementById('data').textContent).build")
    assert build not in page.find_element("tag name", "footer").text
    page.find_element("id", "about-btn").click()
    assert visible(page) == "about" and build in page.find_element("id", "about-list").text
    # In Lao, the home screen's own words are Lao
    page.get((kiosk / "index.html").as_uri())
    by_css(page, '#langs button[data-lang="lo"]')[0].click()
    assert page.execute_script("return document.documentElement.lang") == "lo"
    assert "ດ່ານສາກົນໄຕຈາງ" in page.find_element("id", "hours").text
    assert page.find_element("id", "latest-h").text == page.execute_script(
        "return JSON.parse(document.getElementById('data').textContent).ui.lo['Latest notices']"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    by_css(page, '#langs button[data-lang="vi"]')[0].click()
    page.save_screenshot(str(SCREENSHOTS / "kiosk-home.png"))


def test_a_query_without_tone_marks_finds_what_the_right_spelling_finds(page: Any) -> None:
    right = [c.text for c in type_query(page, "cửa khẩu")]
    assert len(right) == 3
    for query in ("cua khau", "cưa khâu", "CUA KHẨU"):
        assert [c.text for c in type_query(page, query)] == right, query
    assert type_query(page, "khong co thong bao nao nhu the") == []
    assert page.find_element("id", "count").text  # "No notice matches." in the chosen language
    # While a word is being typed, its beginning already matches
    assert len(type_query(page, "cua kh")) == 3


def test_a_chinese_query_on_the_vietnamese_tab_finds_the_notices_shown_in_vietnamese(page: Any) -> None:
    assert page.execute_script("return document.documentElement.lang") == "vi"
    hits = type_query(page, "口岸")
    assert len(hits) == 2
    # Shown in the chosen language (Vietnamese), where a translation exists
    assert all(h.get_attribute("lang") == "vi" for h in hits)
    assert any("Cửa khẩu" in h.text for h in hits)
    assert len(type_query(page, "ພາສີ")) == 2  # Lao, on the Vietnamese tab too
    assert len(type_query(page, "关")) == 0 and len(type_query(page, "护照")) == 2  # one character, two


def test_a_result_opens_the_whole_notice_and_switches_its_language(page: Any) -> None:
    hits = type_query(page, "Huổi Puốc")
    hits[0].click()
    wait_for(page, "!document.getElementById('reader').hidden")
    article = page.find_element("id", "article")
    assert article.get_attribute("lang") == "vi" and "Huổi Puốc" in page.find_element("id", "title").text
    assert len(page.find_element("id", "body").text) > len(hits[0].text) // 2  # the whole text, not the card
    page.save_screenshot(str(SCREENSHOTS / "kiosk-result.png"))
    assert [b.get_attribute("data-lang") for b in by_css(page, "#readin button")] == ["vi", "lo", "zh"]
    by_css(page, '#readin button[data-lang="lo"]')[0].click()
    assert article.get_attribute("lang") == "lo" and "ດ່ານສາກົນໄຕຈາງ" in page.find_element("id", "body").text
    assert by_css(page, "#body li")  # the Lao text's list item is a list item
    by_css(page, '#readin button[data-lang="zh"]')[0].click()
    assert article.get_attribute("lang") == "zh-Hans" and "口岸" in page.find_element("id", "body").text
    assert not page.find_element("id", "fallback").is_displayed()
    # A notice with no Lao translation, read on the Lao tab, says so and shows the Vietnamese
    page.find_element("id", "reader-back").click()
    assert visible(page) == "results"
    by_css(page, '#langs button[data-lang="lo"]')[0].click()
    only_vi = type_query(page, "Ủy ban nhân dân")
    assert len(only_vi) == 1 and only_vi[0].get_attribute("lang") == "vi"
    only_vi[0].click()
    wait_for(page, "!document.getElementById('reader').hidden")
    assert page.find_element("id", "fallback").is_displayed()
    assert page.find_element("id", "article").get_attribute("lang") == "vi"
    assert [b.get_attribute("data-lang") for b in by_css(page, "#readin button")] == ["vi"]


def test_after_the_idle_time_the_kiosk_goes_home_in_vietnamese(page: Any) -> None:
    by_css(page, '#langs button[data-lang="zh"]')[0].click()
    type_query(page, "口岸")[0].click()
    wait_for(page, "!document.getElementById('reader').hidden")
    assert page.execute_script("return document.documentElement.lang") == "zh-Hans"
    time.sleep(IDLE - 1)
    page.find_element("id", "title").click()  # a touch: the time starts again
    time.sleep(IDLE - 1)
    assert visible(page) == "reader"
    wait_for(page, "!document.getElementById('home').hidden", IDLE + 3)
    assert page.execute_script("return document.documentElement.lang") == "vi"
    assert page.find_element("id", "q").get_attribute("value") == ""


def test_everything_came_from_the_kiosks_own_folder(page: Any, kiosk: Path) -> None:
    type_query(page, "口岸")[0].click()
    wait_for(page, "!document.getElementById('reader').hidden")
    requests = [json.loads(e["message"])["message"] for e in page.get_log("performance")]
    loaded = {m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"}
    page_url = (kiosk / "index.html").as_uri()
    assert any("/data/i/" in u for u in loaded) and any("/data/n/" in u for u in loaded), loaded
    assert all(u == page_url or u.startswith(kiosk.as_uri() + "/data/") for u in loaded), loaded
    assert page.get_log("browser") == []  # no script error, no refused load


def test_every_kiosk_screen_passes_axe(page: Any) -> None:
    problems = {"home": axe_violations(page)}
    type_query(page, "cửa khẩu")
    problems["results"] = axe_violations(page)
    by_css(page, "#hits .card")[0].click()
    wait_for(page, "!document.getElementById('reader').hidden")
    problems["reader"] = axe_violations(page)
    page.find_element("id", "about-btn").click()
    problems["about"] = axe_violations(page)
    by_css(page, '#langs button[data-lang="lo"]')[0].click()
    problems["about-lo"] = axe_violations(page)
    assert problems == {k: [] for k in problems}
