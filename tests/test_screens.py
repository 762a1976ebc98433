"""Gate screens: a playlist per configured gate with each item's three languages (title and the reviewed
`screen:` summary); the previous version stays until all three are approved; expired and retracted
items leave; the page rotates vi → lo → zh with the network off."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from tests.conftest import IN_CI
from tests.helpers import add_people
from trilingo.channels.publish import publish_channel
from trilingo.channels.retract import retract
from trilingo.intake.store import submit
from trilingo.review.actions import approve
from trilingo.site import example
from trilingo.store.models import (
    DocLang,
    DocState,
    DocumentVersion,
    Release,
    Segment,
    SegmentState,
    Translation,
    User,
    utcnow,
)
from trilingo.text.frontmatter import parse_notice

NOTICE = """---
title: Giờ mở cửa
slug: gio
gates: [tay-trang, na-meo]
screen: Mở cửa {hours} hằng ngày.
---
Cửa khẩu Quốc tế Tây Trang mở cửa {hours} hằng ngày.
"""
TEXTS = {
    "lo": {"title": "ເວລາເປີດ", "screen": "ເປີດ {hours} ທຸກມື້.", "body": "ດ່ານສາກົນໄຕຈາງ ເປີດ {hours} ທຸກມື້."},
    "zh": {"title": "开放时间", "screen": "每天{hours}开放。", "body": "西庄国际口岸每天{hours}开放。"},
}


def approve_all(session: Session, doc_id: int, lang: str, hours: str) -> None:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).one()
    for seg, tr in session.exec(
        select(Segment, Translation)
        .join(Translation, col(Translation.segment_id) == col(Segment.id))
        .where(Segment.version_id == dl.version_id, Translation.lang == lang)
    ).all():
        part = "title" if seg.kind == "title" else "screen" if seg.kind == "screen" else "body"
        tr.target, tr.state, tr.origin = (
            TEXTS[lang][part].format(hours=hours),
            SegmentState.NEEDS_REVIEW,
            "memory",
        )
    dl.state = DocState.IN_REVIEW if dl.release_id else DocState.PRETRANSLATED
    session.flush()
    approve(session, str(doc_id), lang, "reviewer", accept_warnings="screens test")


@pytest.fixture
def doc(session: Session) -> int:
    doc_id = submit(session, parse_notice(NOTICE.format(hours="7:00–19:00")), "ed").id
    if session.exec(select(User).where(User.name == "reviewer")).first() is None:
        add_people(session, "reviewer", admin="ed")
    for lang in ("lo", "zh"):
        approve_all(session, doc_id, lang, "7:00–19:00")
    return doc_id


def playlist(public: Path, gate: str = "tay-trang") -> Any:
    return json.loads((public / "screens" / gate / "playlist.json").read_text(encoding="utf-8"))


def test_a_playlist_per_configured_gate_with_three_languages(
    session: Session, doc: int, tmp_path: Path
) -> None:
    summary = publish_channel(session, "screens", tmp_path, "op")
    assert sorted(summary.written) == [
        "huoi-puoc/index.html",
        "huoi-puoc/playlist.json",
        "tay-trang/index.html",
        "tay-trang/playlist.json",
    ]  # na-meo is not a configured gate: no folder for it
    data = playlist(tmp_path)
    [item] = data["items"]
    assert (item["document"], item["version"], item["duration"]) == (doc, 1, 12)
    assert item["vi"] == {"title": "Giờ mở cửa", "text": "Mở cửa 7:00–19:00 hằng ngày."}
    assert item["lo"] == {"title": "ເວລາເປີດ", "text": "ເປີດ 7:00–19:00 ທຸກມື້."}
    assert item["zh"] == {"title": "开放时间", "text": "每天7:00–19:00开放。"}
    assert playlist(tmp_path, "huoi-puoc")["items"] == []
    assert publish_channel(session, "screens", tmp_path, "op").written == []  # unchanged: nothing written


def test_the_previous_version_stays_until_all_three_are_approved(
    session: Session, doc: int, tmp_path: Path
) -> None:
    publish_channel(session, "screens", tmp_path, "op")
    before = playlist(tmp_path)["version"]
    submit(session, parse_notice(NOTICE.format(hours="7:00–21:00")), "ed")
    approve_all(session, doc, "lo", "7:00–21:00")
    publish_channel(session, "screens", tmp_path, "op")
    [item] = playlist(tmp_path)["items"]
    assert item["version"] == 1 and "19:00" in item["zh"]["text"] and playlist(tmp_path)["version"] == before
    approve_all(session, doc, "zh", "7:00–21:00")
    publish_channel(session, "screens", tmp_path, "op")
    [item] = playlist(tmp_path)["items"]
    assert item["version"] == 2 and "21:00" in item["zh"]["text"] and "21:00" in item["vi"]["text"]


def test_expired_and_retracted_items_leave_the_screens(session: Session, doc: int, tmp_path: Path) -> None:
    assert doc
    session.execute(update(DocumentVersion).values(expires=utcnow() + timedelta(days=1)))
    publish_channel(session, "screens", tmp_path, "op")
    assert len(playlist(tmp_path)["items"]) == 1
    session.execute(update(DocumentVersion).values(expires=utcnow() - timedelta(minutes=1)))
    publish_channel(session, "screens", tmp_path, "op")
    assert playlist(tmp_path)["items"] == []
    session.execute(update(DocumentVersion).values(expires=None))
    publish_channel(session, "screens", tmp_path, "op")
    assert len(playlist(tmp_path)["items"]) == 1
    retract(session, "gio", "ed", "sai giờ", channel="screens")
    publish_channel(session, "screens", tmp_path, "op")
    assert playlist(tmp_path)["items"] == []


def test_without_a_screen_summary_a_slide_shows_the_first_paragraph_in_each_language(
    session: Session, tmp_path: Path
) -> None:
    """The Huổi Puốc sample had no `screen:`, and its slide was a title alone."""
    no_summary = NOTICE.replace("screen: Mở cửa {hours} hằng ngày.\n", "") + "\nNgày lễ nghỉ.\n"
    doc_id = submit(session, parse_notice(no_summary.format(hours="7:00–19:00")), "ed").id
    add_people(session, "reviewer", admin="ed")
    for lang in ("lo", "zh"):
        approve_all(session, doc_id, lang, "7:00–19:00")
    publish_channel(session, "screens", tmp_path, "op")
    [item] = playlist(tmp_path)["items"]
    assert item["vi"] == {
        "title": "Giờ mở cửa",
        "text": "Cửa khẩu Quốc tế Tây Trang mở cửa 7:00–19:00 hằng ngày.",
    }
    assert item["lo"]["text"] == "ດ່ານສາກົນໄຕຈາງ ເປີດ 7:00–19:00 ທຸກມື້."  # its first paragraph, not the second
    assert item["zh"]["text"] == "西庄国际口岸每天7:00–19:00开放。"


def test_a_releases_lead_is_stored_at_approval_or_at_its_first_publish(
    session: Session, tmp_path: Path
) -> None:
    """The screens and the lists read the first paragraph as stored with the release: approval stores a
    translation's; the original, released at submit, and releases from before 0015 get theirs at the
    first publish, once; after that no publish renders their Markdown (a lead changed in the database
    shows as it is)."""
    no_summary = NOTICE.replace("screen: Mở cửa {hours} hằng ngày.\n", "") + "\nNgày lễ nghỉ.\n"
    doc_id = submit(session, parse_notice(no_summary.format(hours="7:00–19:00")), "ed").id
    add_people(session, "reviewer", admin="ed")
    for lang in ("lo", "zh"):
        approve_all(session, doc_id, lang, "7:00–19:00")

    def stored() -> dict[str, str | None]:
        rows = session.exec(select(Release.lang, Release.lead).where(Release.document_id == doc_id)).all()
        return dict(rows)

    assert stored() == {
        "vi": None,
        "lo": "ດ່ານສາກົນໄຕຈາງ ເປີດ 7:00–19:00 ທຸກມື້.",
        "zh": "西庄国际口岸每天7:00–19:00开放。",
    }
    publish_channel(session, "screens", tmp_path, "op")
    assert stored()["vi"] == "Cửa khẩu Quốc tế Tây Trang mở cửa 7:00–19:00 hằng ngày."
    session.exec(update(Release).where(col(Release.lang) == "zh").values(lead="已存的摘要。"))
    publish_channel(session, "screens", tmp_path, "op")
    assert playlist(tmp_path)["items"][0]["zh"]["text"] == "已存的摘要。"


def test_a_long_paragraph_is_cut_for_the_slide_at_a_boundary_of_its_script() -> None:
    from trilingo.channels.screens import EXCERPT_COLUMNS, _width, excerpt, shorten

    vi = (
        "Cửa khẩu Huổi Puốc nối tỉnh Điện Biên với tỉnh Luông Pha Bang của Lào. Giờ làm việc: từ 7 giờ "
        "đến 17 giờ, trừ ngày lễ, và các ngày nghỉ cuối tuần theo quy định."
    )
    assert shorten(vi) == (
        "Cửa khẩu Huổi Puốc nối tỉnh Điện Biên với tỉnh Luông Pha Bang của Lào. Giờ làm việc: từ 7 giờ "
        "đến 17 giờ, trừ ngày lễ…"
    )  # at a space, its comma dropped
    assert len(shorten(vi)) <= EXCERPT_COLUMNS
    # Chinese: two columns a character, cut after a punctuation mark (no spaces to cut at).
    zh = "会布口岸连接奠边省与老挝琅勃拉邦省。工作时间：每天七时至十七时，节假日除外。咨询热线请拨打本口岸服务电话。"
    assert shorten(zh, 60) == "会布口岸连接奠边省与老挝琅勃拉邦省。工作时间…"
    # Lao without spaces: cut between letters, never between a consonant and its vowel or tone mark,
    # and never after a vowel written before its consonant.
    lo = "ດ່ານຮ້ວຍປວກເຊື່ອມຕໍ່ແຂວງດ້ຽນບຽນກັບແຂວງຫຼວງພະບາງ"
    for columns in range(4, 30):
        cut = shorten(lo, columns)
        head = cut.removesuffix("…")
        assert cut.endswith("…") and lo.startswith(head) and sum(map(_width, head)) <= columns - 1
        assert (
            lo[len(head)]
            not in "\u0eb1\u0eb4\u0eb5\u0eb6\u0eb7\u0eb8\u0eb9\u0ebb\u0ec8\u0ec9\u0eca\u0ecb\u0ecc"
        )
        assert not head.endswith(("ເ", "ແ", "ໂ", "ໃ", "ໄ"))
    assert shorten("Ngắn.") == "Ngắn."
    assert excerpt("# Tiêu đề\n\n**Giờ** mới: [xem](https://x.example).\n\nĐoạn hai.") == "Giờ mới: xem."
    assert excerpt("") == ""


def test_the_screen_page_rotates_languages_with_the_network_off(
    session: Session, doc: int, tmp_path: Path
) -> None:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        if IN_CI:
            pytest.fail("CI=true but Debian's chromium and chromium-driver are not installed")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    assert doc
    from trilingo.channels.screens import publish_screens

    publish_screens(session, tmp_path / "screens", site=replace(example(), screen_seconds=1))
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        browser.get((tmp_path / "screens" / "tay-trang" / "index.html").as_uri())
        seen: list[tuple[str, str]] = []
        end = time.monotonic() + 20
        while time.monotonic() < end and len(seen) < 5:
            # Both read in one call: the page may turn between two calls.
            lang, title = browser.execute_script(
                "return [document.documentElement.lang, document.getElementById('title').textContent]"
            )
            if not seen or seen[-1] != (lang, title):
                seen.append((lang, title))
            time.sleep(0.1)
        cycle = [("vi", "Giờ mở cửa"), ("lo", "ເວລາເປີດ"), ("zh-Hans", "开放时间")]
        # Wherever the rotation was when the page was first read, it goes vi → lo → zh → vi …
        start = cycle.index(seen[0])
        assert seen == [cycle[(start + k) % 3] for k in range(len(seen))] and len(seen) >= 4, seen
    finally:
        browser.quit()
