"""Counter leaflets (the print channel): written only when all three languages are approved and up to
date; the PDF's text layer holds the Lao and Chinese glossary terms; its first page renders to an image."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from tests.conftest import IN_CI
from tests.helpers import add_people
from trilingo.channels.publish import publish_channel
from trilingo.intake.store import submit
from trilingo.review.actions import approve
from trilingo.store.models import DocLang, DocState, Segment, SegmentState, Translation, User
from trilingo.text.frontmatter import parse_notice

NOTICE = """---
title: Cửa khẩu Quốc tế Tây Trang
slug: tay-trang
category: thông báo
gates: [tay-trang]
---
Hành khách xuất trình hộ chiếu cho Hải quan.
"""
TEXTS = {
    "lo": ["ດ່ານສາກົນໄຕຈາງ", "ຜູ້ໂດຍສານສະແດງໜັງສືຜ່ານແດນໃຫ້ພາສີ."],
    "zh": ["西庄国际口岸", "旅客须向海关出示护照。"],
}
POPPLER = shutil.which("pdftotext"), shutil.which("pdftoppm")


def approve_all(session: Session, doc_id: int, lang: str) -> None:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).one()
    rows = session.exec(
        select(Segment, Translation)
        .join(Translation, col(Translation.segment_id) == col(Segment.id))
        .where(Segment.version_id == dl.version_id, Translation.lang == lang)
        .order_by(col(Segment.n))
    ).all()
    for (_seg, tr), text in zip(rows, TEXTS[lang], strict=True):
        tr.target, tr.state, tr.origin = text, SegmentState.NEEDS_REVIEW, "memory"
    dl.state = (
        DocState.PRETRANSLATED
        if dl.state not in (DocState.APPROVED, DocState.PUBLISHED)
        else DocState.IN_REVIEW
    )
    session.flush()
    approve(session, str(doc_id), lang, "reviewer", accept_warnings="leaflet test")


@pytest.fixture
def doc(session: Session) -> int:
    doc_id = submit(session, parse_notice(NOTICE), "ed").id
    if session.exec(select(User).where(User.name == "reviewer")).first() is None:
        add_people(session, "reviewer", admin="ed")
    return doc_id


def test_a_leaflet_waits_for_every_language(session: Session, doc: int, tmp_path: Path) -> None:
    approve_all(session, doc, "zh")
    summary = publish_channel(session, "print", tmp_path, "op")
    assert summary.written == [] and summary.waiting == ["tay-trang: lo not approved yet"]
    approve_all(session, doc, "lo")
    summary = publish_channel(session, "print", tmp_path, "op")
    assert sorted(summary.written) == ["tay-trang.html", "tay-trang.pdf"] and summary.waiting == []
    assert publish_channel(session, "print", tmp_path, "op").written == []  # unchanged: nothing written
    # The Vietnamese text changes: the leaflet waits until both translations are approved again.
    submit(session, parse_notice(NOTICE.replace("cho Hải quan", "cho cán bộ Hải quan")), "ed")
    summary = publish_channel(session, "print", tmp_path, "op")
    assert summary.waiting == ["tay-trang: lo out of date, zh out of date"]


def test_the_pdf_holds_lao_and_chinese_terms_and_renders(session: Session, doc: int, tmp_path: Path) -> None:
    approve_all(session, doc, "zh")
    approve_all(session, doc, "lo")
    publish_channel(session, "print", tmp_path, "op")
    html = (tmp_path / "print" / "tay-trang.html").read_text(encoding="utf-8")
    assert '<section lang="lo">' in html and '<section lang="zh-Hans">' in html
    pdf = tmp_path / "print" / "tay-trang.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext, pdftoppm = POPPLER
    if pdftotext is None or pdftoppm is None:
        if IN_CI:
            pytest.fail("CI=true but poppler-utils (pdftotext, pdftoppm) is not installed")
        pytest.skip("poppler-utils is not installed")
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for term in ("Cửa khẩu Quốc tế Tây Trang", "ດ່ານສາກົນໄຕຈາງ", "ໜັງສືຜ່ານແດນ", "西庄国际口岸", "海关", "护照"):
        assert term in text, term
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    [image] = list(tmp_path.glob("page*.png"))
    assert image.stat().st_size > 5_000  # a drawn page, not an empty one


def test_the_footer_and_the_example_note_speak_each_sections_language(
    session: Session, doc: int, tmp_path: Path
) -> None:
    approve_all(session, doc, "zh")
    approve_all(session, doc, "lo")
    publish_channel(session, "print", tmp_path, "op")
    html = (tmp_path / "print" / "tay-trang.html").read_text(encoding="utf-8")
    sections = {
        lang: html.split(f'<section lang="{lang}">')[1].split("</section>")[0]
        for lang in ("vi", "lo", "zh-Hans")
    }
    notes = {
        "vi": "Thông tin liên hệ trên trang này là ví dụ",
        "lo": "ຂໍ້ມູນຕິດຕໍ່ໃນໜ້ານີ້ແມ່ນຕົວຢ່າງ",
        "zh-Hans": "本网站上的机构信息仅为示例",
    }
    for lang, note in notes.items():  # the shipped site is the example one
        assert note in sections[lang]
        assert sum(note in s for s in sections.values()) == 1
    footer = html.split("<footer>")[1].split("</footer>")[0]
    for lang, label in (("vi", "Ngày in"), ("lo", "ພິມວັນທີ"), ("zh-Hans", "打印日期")):
        assert f'<span lang="{lang}">{label}</span>' in footer
    assert footer.count(": 20") == 1  # the date once, after the three labels
