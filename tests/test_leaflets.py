"""Counter leaflets (the print channel): written only when all three languages are approved and up to
date; the PDF's text layer holds the Lao and Chinese glossary terms; its first page renders to an image.
Every sample notice fits one A4 page, a long one takes a second page only after every tighter layout;
the PDF is PDF/UA-1 with each section's language in its structure tree; the HTML passes axe-core."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from tests.conftest import IN_CI
from tests.helpers import add_people, chromium
from trilingo.channels import leaflets
from trilingo.channels.pages import bodies, by_document, live_pages
from trilingo.channels.publish import publish_channel
from trilingo.commands.demo import sample_files
from trilingo.intake.store import submit
from trilingo.review.actions import approve
from trilingo.site import example as example_site
from trilingo.store.models import DocLang, DocState, Segment, SegmentState, Translation, User
from trilingo.text.frontmatter import parse_notice, read_notice
from trilingo.tm.memory import starter_pairs

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


def approve_all(session: Session, doc_id: int, lang: str, texts: list[str] | None = None) -> None:
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).one()
    rows = session.exec(
        select(Segment, Translation)
        .join(Translation, col(Translation.segment_id) == col(Segment.id))
        .where(Segment.version_id == dl.version_id, Translation.lang == lang)
        .order_by(col(Segment.n))
    ).all()
    for (_seg, tr), text in zip(rows, TEXTS[lang] if texts is None else texts, strict=True):
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
    assert '<section lang="lo" ' in html and '<section lang="zh-Hans" ' in html
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
        lang: html.split(f'<section lang="{lang}" ')[1].split("</section>")[0]
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


# The demo's translations of the samples: the starter memory's, and the few sentences it lacks.
MORE = {
    ("Hải quan", "lo"): "ພາສີ",
    ("Hải quan", "zh"): "海关",
    (
        "Từ năm 2026, Uỷ ban nhân dân tỉnh bố trí thêm quầy thông tin tại Cửa khẩu Quốc tế Tây Trang.",
        "lo",
    ): "ແຕ່ປີ 2026 ຄະນະກຳມະການປະຊາຊົນແຂວງ ຈັດຕັ້ງເຄົາເຕີຂໍ້ມູນເພີ່ມຢູ່ດ່ານສາກົນໄຕຈາງ.",
    (
        "Từ năm 2026, Uỷ ban nhân dân tỉnh bố trí thêm quầy thông tin tại Cửa khẩu Quốc tế Tây Trang.",
        "zh",
    ): "自2026年起，省人民委员会在西庄国际口岸增设信息柜台。",
}


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("hoá", "hóa")  # the memory's spelling of one word


def sample_translation(session: Session, doc_id: int, lang: str) -> list[str]:
    """Each segment of a sample in `lang`, as the demo's starter memory (and MORE) translates it."""
    memory = {(_key(p.source), p.lang): p.target for p in starter_pairs()}
    memory.update({(_key(vi), la): text for (vi, la), text in MORE.items()})
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == lang)).one()
    sources = session.exec(
        select(Segment.source).where(Segment.version_id == dl.version_id).order_by(col(Segment.n))
    ).all()
    return [memory[(_key(source), lang)] for source in sources]


@pytest.fixture
def samples(session: Session) -> dict[str, int]:
    """The demo's sample notices, Lao and Chinese approved: slug → document id."""
    if session.exec(select(User).where(User.name == "reviewer")).first() is None:
        add_people(session, "reviewer", admin="ed")
    ids = {}
    for path in sample_files():
        done = submit(session, read_notice(path), "ed")
        ids[done.slug] = done.id
        for lang in ("zh", "lo"):
            approve_all(session, done.id, lang, sample_translation(session, done.id, lang))
    return ids


def leaflet_of(session: Session, doc_id: int, fit: leaflets.Fit | None = None) -> tuple[str, int]:
    """A document's leaflet HTML laid out with `fit` (None: as the channel lays it out), and its pages."""
    from weasyprint import HTML

    versions = by_document(live_pages(session, leaflets.CHANNEL))[doc_id]
    pages = [versions[lang] for lang in ("vi", "lo", "zh")]
    texts = bodies(session, [p.release_id for p in pages])
    if fit is None:
        made = leaflets.make_leaflet(pages, texts, example_site())
        return made.html, made.pages
    html = leaflets.leaflet_html(pages, texts, example_site(), fit)
    return html, len(HTML(string=html).render().pages)


# A small reader of the PDFs WeasyPrint writes (objects in compressed object streams): object number →
# its text, and each stream's decompressed data. Enough to check the catalog and the structure tree.
_STREAM = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n", re.S)


def pdf_objects(data: bytes) -> tuple[dict[int, str], list[bytes]]:
    objects: dict[int, str] = {}
    streams: list[bytes] = []
    for m in _STREAM.finditer(data):
        end = data.index(b"endstream", m.end())
        raw = data[m.end() : end]
        body = zlib.decompress(raw) if b"/FlateDecode" in m.group(2) else raw
        streams.append(body)
        head = m.group(2).decode("latin-1")
        if "/ObjStm" in head:
            first = int(re.search(r"/First (\d+)", head).group(1))  # type: ignore[union-attr]
            count = int(re.search(r"/N (\d+)", head).group(1))  # type: ignore[union-attr]
            pairs = [int(n) for n in body[:first].split()][: 2 * count]
            offsets = [*pairs[1::2], len(body) - first]
            for i, number in enumerate(pairs[0::2]):
                objects[number] = body[first + offsets[i] : first + offsets[i + 1]].decode("latin-1")
    for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):  # any object outside a stream
        objects.setdefault(int(m.group(1)), m.group(2).decode("latin-1"))
    return objects, streams


def page_count(pdf: Path) -> int:
    objects, _ = pdf_objects(pdf.read_bytes())
    return sum(1 for text in objects.values() if re.search(r"/Type\s*/Page\b(?!s)", text))


def test_every_sample_leaflet_fits_one_page(
    session: Session, samples: dict[str, int], tmp_path: Path
) -> None:
    summary = publish_channel(session, "print", tmp_path, "op")
    assert sorted(summary.written) == sorted(f"{slug}.{ext}" for slug in samples for ext in ("html", "pdf"))
    for slug in samples:
        assert page_count(tmp_path / "print" / f"{slug}.pdf") == 1, slug
    # The regression: laid out as before (the roomiest step), Tây Trang spilled onto a second page; the
    # leaflet is tightened instead, and its HTML carries the step its PDF was made with.
    doc = samples["tay-trang-gio-lam-viec"]
    assert leaflet_of(session, doc, leaflets.FITS[0])[1] == 2
    html, pages = leaflet_of(session, doc)
    assert pages == 1 and "body{font-size:11pt}" not in html and "columns:2" not in html
    assert html == (tmp_path / "print" / "tay-trang-gio-lam-viec.html").read_text(encoding="utf-8")


def test_the_same_leaflet_is_the_same_bytes(
    session: Session, samples: dict[str, int], tmp_path: Path
) -> None:
    publish_channel(session, "print", tmp_path / "a", "op")
    first = (tmp_path / "a" / "print" / "tay-trang-gio-lam-viec.pdf").read_bytes()
    versions = by_document(live_pages(session, leaflets.CHANNEL))[samples["tay-trang-gio-lam-viec"]]
    pages = [versions[lang] for lang in ("vi", "lo", "zh")]
    again = leaflets.make_leaflet(pages, bodies(session, [p.release_id for p in pages]), example_site())
    assert again.pdf == first


LONG = 22  # paragraphs: more than one page holds even in two columns, less than two pages
LONG_VI = [
    f"Khoản {n}: hành khách xuất trình hộ chiếu còn hạn và tờ khai hải quan tại quầy số {n}."
    for n in range(1, LONG + 1)
]
LONG_LO = [f"ຂໍ້ {n}: ຜູ້ໂດຍສານສະແດງໜັງສືເດີນທາງ ແລະ ໃບແຈ້ງພາສີ ຢູ່ເຄົາເຕີ {n}." for n in range(1, LONG + 1)]
LONG_ZH = [f"第{n}条：旅客须在{n}号柜台出示有效护照和海关申报单。" for n in range(1, LONG + 1)]


def test_a_long_notice_takes_a_second_page_only_after_every_step(session: Session, tmp_path: Path) -> None:
    notice = "---\ntitle: Quy định tại Cửa khẩu\nslug: quy-dinh\n---\n" + "\n\n".join(LONG_VI) + "\n"
    doc_id = submit(session, parse_notice(notice), "ed").id
    if session.exec(select(User).where(User.name == "reviewer")).first() is None:
        add_people(session, "reviewer", admin="ed")
    approve_all(session, doc_id, "zh", ["口岸规定", *LONG_ZH])
    approve_all(session, doc_id, "lo", ["ລະບຽບຢູ່ດ່ານ", *LONG_LO])
    for fit in leaflets.FITS[:-1]:  # no tighter step fits it on one page
        assert leaflet_of(session, doc_id, fit)[1] > 1, fit
    html, pages = leaflet_of(session, doc_id)
    assert pages == 2  # the last step: two columns, at the smallest legible size
    last = leaflets.FITS[-1]
    assert last.columns == 2 and f"columns:{last.columns}" in html
    assert min(f.font_pt for f in leaflets.FITS) == leaflets.MIN_FONT_PT >= 9
    assert f"body{{font-size:{leaflets.MIN_FONT_PT:g}pt}}" in html
    publish_channel(session, "print", tmp_path, "op")
    assert page_count(tmp_path / "print" / "quy-dinh.pdf") == 2


def test_the_pdf_is_pdf_ua_with_each_sections_language(session: Session, doc: int, tmp_path: Path) -> None:
    approve_all(session, doc, "zh")
    approve_all(session, doc, "lo")
    publish_channel(session, "print", tmp_path, "op")
    data = (tmp_path / "print" / "tay-trang.pdf").read_bytes()
    objects, streams = pdf_objects(data)
    [catalog] = [t for t in objects.values() if re.search(r"/Type\s*/Catalog\b", t)]
    assert re.search(r"/MarkInfo\s*<<\s*/Marked\s+true", catalog)
    assert re.search(r"/StructTreeRoot\s+\d+ 0 R", catalog) and "/Lang (vi)" in catalog
    assert re.search(r"/DisplayDocTitle\s+true", catalog)
    assert any(re.search(r"/Type\s*/StructTreeRoot\b", t) for t in objects.values())
    [xmp] = [s for s in streams if b"<x:xmpmeta" in s]
    assert b'pdfuaid:part="1"' in xmp and "Cửa khẩu Quốc tế Tây Trang".encode() in xmp  # the title
    elements = [t for t in objects.values() if re.search(r"/Type\s*/StructElem\b", t)]
    sections = [re.search(r"/Lang \(([^)]*)\)", t) for t in elements if re.search(r"/S\s*/Sect\b", t)]
    assert [m.group(1) if m else None for m in sections] == ["vi", "lo", "zh-Hans"]  # in the page's order
    # The header's office lines and the footer's labels speak their languages too.
    langs = [m.group(1) for t in elements if (m := re.search(r"/Lang \(([^)]*)\)", t))]
    assert langs.count("lo") >= 3 and langs.count("zh-Hans") >= 3


@pytest.fixture
def browser() -> Iterator[object]:
    driver = chromium()
    yield driver
    driver.quit()


def test_the_html_leaflet_passes_axe(session: Session, doc: int, tmp_path: Path, browser: object) -> None:
    from axe_selenium_python import Axe

    approve_all(session, doc, "zh")
    approve_all(session, doc, "lo")
    publish_channel(session, "print", tmp_path, "op")
    page = tmp_path / "print" / "tay-trang.html"
    browser.get(page.as_uri())  # type: ignore[attr-defined]
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    assert results["passes"]  # axe ran its rules on the page
    ran = {rule["id"] for rule in results["passes"] + results["incomplete"] + results["inapplicable"]}
    assert {"landmark-one-main", "region"} <= ran | {v["id"] for v in results["violations"]}
    assert results["violations"] == [], axe.report(results["violations"])
