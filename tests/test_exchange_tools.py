"""Exchange files checked by the tools people already use: translate-toolkit's own readers and writers (what
Weblate runs on) for TBX v2, TMX and PO, and GNU gettext's `msgfmt --check` for PO. No network: every file is
made here, and translate-toolkit never fetches the DTDs its DOCTYPEs name."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from translate.misc import xml_helpers
from translate.storage import pypo as tt_pypo
from translate.storage import tbx as tt_tbx
from translate.storage import tmx as tt_tmx

from tests.conftest import IN_CI
from tests.helpers import write_notice
from trilingo.catalogs.po import PO_LANGUAGE
from trilingo.cli import cli
from trilingo.glossary.csvio import read_csv
from trilingo.glossary.entries import ConceptData
from trilingo.glossary.store import starter_path
from trilingo.glossary.tbx import ADMIN_STATUS, TBX_LANG, safe_id
from trilingo.tm.tmx import TMX_LANG

DATA = Path(__file__).parent / "data"
TMX_SAMPLE = DATA / "tmx" / "sample.tmx"
# The pairs of tests/data/tmx/sample.tmx, as the memory keeps them (a later unit wins; inline codes dropped).
SAMPLE_PAIRS = {
    ("Cửa khẩu mở cửa lúc 7:00.", "lo", "ດ່ານເປີດເວລາ 7:00."),
    ("Cửa khẩu mở cửa lúc 7:00.", "zh-CN", "口岸7:00开放。"),
    ("Phí hòa giải & thủy sản", "lo", "ຄ່າທຳນຽມ ແລະ ສັດນ້ຳ"),
    ("Xuất trình hộ chiếu tại quầy.", "zh-CN", "请在柜台出示护照。"),
}


def ok(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def ws(solo: Path) -> Path:
    return solo


def _lang(node: Any) -> str:
    return str(xml_helpers.getXMLlang(node))


# --- TBX -----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ws")
def test_translate_toolkit_reads_every_term_of_our_tbx2_export(tmp_path: Path) -> None:
    out = tmp_path / "glossary.tbx"
    ok("glossary", "export", "--format", "tbx2", "-o", str(out))
    assert out.read_bytes() == (DATA / "glossary" / "border-glossary-v2.tbx").read_bytes()
    store = tt_tbx.tbxfile.parsestring(out.read_bytes(), sourcelanguage="vi")
    expected = {c.concept: c for c in read_csv(starter_path())}
    assert [u.getid() for u in store.units] == list(expected)
    for unit in store.units:
        concept = expected[unit.getid()]
        assert {_lang(n) for n in unit.getlanguageNodes()} <= {"vi", "lo", "zh-CN"}
        for lang in ("vi", "lo", "zh"):
            terms = unit.get_source_terms() if lang == "vi" else unit.get_target_terms(TBX_LANG[lang])
            mine = [t for t in concept.sorted_terms() if t.lang == lang]
            assert [(t.text, t.administrative_status) for t in terms] == [
                (t.text, ADMIN_STATUS[t.status]) for t in mine
            ], f"{concept.concept} [{lang}]"
            assert [t.deprecated for t in terms] == [t.status == "forbidden" for t in mine]
        assert unit.getnotes() == concept.note
        meta = {(n.category, n.text) for n in unit.get_common_notes(source=True) if n.scope == "concept"}
        assert ("reliabilityCode", {"high": "9", "medium": "6", "low": "3"}[concept.confidence]) in meta
        assert (("subjectField", concept.domain) in meta) == bool(concept.domain)
    # A concept whose every term is forbidden is what translate-toolkit (and Weblate) call obsolete.
    obsolete = {u.getid() for u in store.units if u.isobsolete()}
    assert obsolete == {c.concept for c in expected.values() if {t.status for t in c.terms} == {"forbidden"}}
    assert obsolete  # the starter glossary has one (laos-zh-deprecated): the check above compared something


@pytest.mark.usefixtures("ws")
def test_tbx_and_tbx3_are_the_same_v3_export() -> None:
    assert ok("glossary", "export", "--format", "tbx3") == ok("glossary", "export", "--format", "tbx")
    assert ok("glossary", "export", "--format", "tbx").encode() == (
        (DATA / "glossary" / "border-glossary.tbx").read_bytes()
    )


def _toolkit_tbx() -> bytes:
    """A glossary as translate-toolkit writes one: its DOCTYPE, no ids unless set, notes after langSets."""
    store = tt_tbx.tbxfile(sourcelanguage="vi")
    unit = store.addsourceunit("trạm kiểm dịch")
    unit.settarget("ດ່ານກວດພະຍາດ", "lo", append=True)
    unit.settarget("检疫站", "zh-CN", append=True)
    unit.addnote("from translate-toolkit")
    named = store.addsourceunit("giấy thông hành")
    named.setid("travel-permit")
    named.settarget("ໃບຜ່ານແດນ", "lo-LA", append=True)
    named.settarget("通行证", "zh-Hans", append=True)
    return bytes(store)


@pytest.mark.usefixtures("ws")
def test_we_import_a_tbx_written_by_translate_toolkit(tmp_path: Path) -> None:
    path = tmp_path / "toolkit.tbx"
    path.write_bytes(_toolkit_tbx())
    text = path.read_text(encoding="utf-8")
    assert '<!DOCTYPE martif PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" "TBXcdv04.dtd">' in text
    assert "<termEntry>" in text  # no id: the importer makes one from the vi term
    out = ok("glossary", "import", str(path))
    assert out.startswith(f"{path}: 2 added, 0 changed, 0 unchanged → glossary version 2")
    assert ok("glossary", "import", str(path)) == f"{path}: nothing changed (glossary version 2)\n"
    exported = tmp_path / "all.csv"
    ok("glossary", "export", "-o", str(exported))
    got = {c.concept: c for c in read_csv(exported)}
    [quarantine] = [c for c in got.values() if c.concept.startswith("tram-kiem-dich-")]
    assert {(t.lang, t.text, t.status) for t in quarantine.terms} == {
        ("vi", "trạm kiểm dịch", "admitted"),  # TBX's default status: none was given
        ("lo", "ດ່ານກວດພະຍາດ", "admitted"),
        ("zh", "检疫站", "admitted"),
    }
    assert (quarantine.note, quarantine.confidence) == ("from translate-toolkit", "low")
    assert {(t.lang, t.text) for t in got["travel-permit"].terms} == {
        ("vi", "giấy thông hành"),
        ("lo", "ໃບຜ່ານແດນ"),
        ("zh", "通行证"),
    }


def _csv2tbx(tmp_path: Path) -> tuple[Path, list[tuple[str, str]]]:
    """translate-toolkit's csv2tbx, run as its command, on the vi and lo terms of the border glossary: it
    writes each source term as its entry's id, and tags every file's languages en and xx."""
    pairs = []
    for concept in read_csv(starter_path()):
        vi, lo = (_first(concept, lang) for lang in ("vi", "lo"))
        if vi and lo:
            pairs.append((vi, lo))
    source = tmp_path / "border.csv"
    source.write_text(
        "location,source,target\n" + "".join(f",{vi},{lo}\n" for vi, lo in pairs), encoding="utf-8"
    )
    out = tmp_path / "border.tbx"
    subprocess.run(
        [sys.executable, "-m", "translate.convert.csv2tbx", str(source), str(out)],
        check=True,
        capture_output=True,
    )
    return out, pairs


def _first(concept: ConceptData, lang: str) -> str:
    return next((t.text for t in concept.sorted_terms() if t.lang == lang), "")


@pytest.mark.usefixtures("ws")
def test_we_import_what_csv2tbx_writes_from_the_border_glossary(tmp_path: Path) -> None:
    path, pairs = _csv2tbx(tmp_path)
    text = path.read_text(encoding="utf-8")
    ids = re.findall(r'<termEntry id="([^"]*)">', text)
    assert ids == [vi for vi, _ in pairs]  # the terms as ids: 'tỉnh Điện Biên', 'cửa khẩu', ...
    assert len(pairs) == 46 and "cửa khẩu" in ids
    # As written, the file names no language of ours (csv2tbx cannot be told them): one line, nothing stored.
    runner = CliRunner()
    refused = runner.invoke(cli, ["glossary", "import", str(path)])
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {path}: line 13: <termEntry> {pairs[0][0]!r} has no vi, lo or zh term (its languages: en, xx)\n"
    )
    assert ok("glossary", "export") == starter_path().read_text(encoding="utf-8")
    # Tagged with our languages (what a person does after csv2tbx), every entry comes in, each under an id
    # made from the one csv2tbx gave it, and the import says so on one line.
    path.write_text(
        text.replace('xml:lang="en"', 'xml:lang="vi"').replace('xml:lang="xx"', 'xml:lang="lo"'),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["glossary", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"{path}: {len(pairs)} added, 0 changed, 0 unchanged → glossary version 2\n"
    )
    first = [f"{vi!r} → {safe_id(vi)!r}" for vi, _ in pairs[:3]]
    assert result.stderr == (
        f"Warning: {path}: {len(pairs)} entry id(s) are not concept ids (letters, digits, '.', '_' and '-'); "
        f"each was imported under an id made from it: {', '.join(first)}, …\n"
    )
    assert re.fullmatch(r"cua-khau-[0-9a-f]{6}", safe_id("cửa khẩu"))
    exported = tmp_path / "all.csv"
    ok("glossary", "export", "-o", str(exported))
    got = {c.concept: c for c in read_csv(exported)}
    for vi, lo in pairs:
        concept = got[safe_id(vi)]
        assert {(t.lang, t.text, t.status) for t in concept.terms} == {
            ("vi", vi, "admitted"),
            ("lo", lo, "admitted"),
        }
    # The same file again finds the same concepts.
    assert ok("glossary", "import", str(path)) == f"{path}: nothing changed (glossary version 2)\n"


# --- TMX -----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ws")
def test_translate_toolkit_reads_every_pair_of_our_tmx_export(tmp_path: Path) -> None:
    ok("tm", "import", str(TMX_SAMPLE))
    out = tmp_path / "memory.tmx"
    ok("tm", "export", str(out))
    store = tt_tmx.tmxfile.parsestring(out.read_bytes())
    assert store.sourcelanguage == TMX_LANG["vi"]
    found = set()
    for unit in store.units:
        [source, target] = unit.getlanguageNodes()
        assert _lang(source) == "vi" and unit.source == unit.getNodeText(source)
        found.add((unit.source, _lang(target), unit.getNodeText(target)))
    assert found == SAMPLE_PAIRS
    assert len(store.units) == len(SAMPLE_PAIRS)
    # Looked up as Weblate's memory does, by bare language codes.
    assert store.translate("Phí hòa giải & thủy sản", "vi", "lo") == "ຄ່າທຳນຽມ ແລະ ສັດນ້ຳ"


@pytest.mark.usefixtures("ws")
def test_we_import_a_tmx_written_by_translate_toolkit(tmp_path: Path) -> None:
    store = tt_tmx.tmxfile(sourcelanguage="vi")
    store.addtranslation("Cửa khẩu đóng cửa lúc 17:00.", "vi", "ດ່ານປິດເວລາ 17:00.", "lo")
    store.addtranslation("Cửa khẩu đóng cửa lúc 17:00.", "vi", "口岸17:00关闭。", "zh-CN")
    store.addtranslation("Mang theo hộ chiếu.", "vi-VN", "请携带护照。", "zh-Hans")
    path = tmp_path / "toolkit.tmx"
    path.write_bytes(bytes(store))
    assert '<!DOCTYPE tmx SYSTEM "tmx14.dtd">' in path.read_text(encoding="utf-8")
    out = ok("tm", "import", str(path))
    assert out == f"{path}: 3 added, 0 updated, 0 unchanged, 0 kept (approved here), 0 skipped\n"
    again = tmp_path / "again.tmx"
    ok("tm", "export", str(again))
    back = tt_tmx.tmxfile.parsestring(again.read_bytes())
    assert {(u.source, _lang(u.getlanguageNodes()[1]), u.target) for u in back.units} == {
        ("Cửa khẩu đóng cửa lúc 17:00.", "lo", "ດ່ານປິດເວລາ 17:00."),
        ("Cửa khẩu đóng cửa lúc 17:00.", "zh-CN", "口岸17:00关闭。"),
        ("Mang theo hộ chiếu.", "zh-CN", "请携带护照。"),
    }


# --- PO ------------------------------------------------------------------------------------------------

HOURS = "Cửa khẩu mở cửa từ 7 giờ 30 đến 19 giờ 30 hằng ngày.\n\nNgày mùng 1 Tết Nguyên đán cửa khẩu nghỉ."
LAOS = "Hàng hoá xuất sang Lào phải khai báo với Hải quan."
HOURS_ZH = ["开放时间", "口岸每天7时30分至19时30分开放。", "春节初1口岸休息。"]


@pytest.fixture
def po_export(ws: Path, db_url: str, tmp_path: Path) -> Path:
    """A zh PO export holding approved entries (not fuzzy), a machine draft (fuzzy) and an empty one."""
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting
    from trilingo.workspace import open_database

    ok("submit", str(write_notice(ws.parent, "hours", HOURS, title="Giờ mở cửa")))
    ok("submit", str(write_notice(ws.parent, "laos", LAOS, title="Hải quan")))
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    for n, text in enumerate(HOURS_ZH, 1):
        ok("review", "edit", "hours", "--lang", "zh", "--segment", str(n), "--text", text)
    ok("review", "approve", "hours", "--lang", "zh")
    path = tmp_path / "zh.po"
    ok("catalogs", "export", "--lang", "zh", "--state", "all", "-o", str(path))
    return path


EXPECTED_PO = {  # msgctxt: (msgid, msgstr, fuzzy)
    "hours|v1|s1": ("Giờ mở cửa", HOURS_ZH[0], False),
    "hours|v1|s2": ("Cửa khẩu mở cửa từ 7 giờ 30 đến 19 giờ 30 hằng ngày.", HOURS_ZH[1], False),
    "hours|v1|s3": ("Ngày mùng 1 Tết Nguyên đán cửa khẩu nghỉ.", HOURS_ZH[2], False),
    "laos|v1|s1": ("Hải quan", "海关", True),  # the glossary's draft: never confirmed by an export
    "laos|v1|s2": (LAOS, "", False),  # no draft: untranslated, and so not fuzzy either
}


def test_translate_toolkit_reads_every_po_entry_with_context_and_fuzzy_flag(po_export: Path) -> None:
    store = tt_pypo.pofile.parsestring(po_export.read_bytes())
    assert store.gettargetlanguage() == PO_LANGUAGE["zh"] == "zh_CN"
    units = [u for u in store.units if not u.isheader()]
    got = {u.getcontext(): (u.source, u.target, u.isfuzzy()) for u in units}
    assert got == EXPECTED_PO
    assert len(units) == len(EXPECTED_PO)  # no entry twice
    assert all(u.getnotes("developer").startswith("trilingo-rev: ") for u in units)


def test_msgfmt_check_accepts_our_po_export(po_export: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if IN_CI:
            pytest.fail("CI=true but msgfmt (GNU gettext) is not installed")
        pytest.skip("msgfmt (GNU gettext) is not installed")
    done = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", os.devnull, str(po_export)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert done.returncode == 0, done.stderr
    # gettext's own count of what it read: 3 translated, 1 fuzzy, 1 untranslated.
    assert done.stderr.strip() == "3 translated messages, 1 fuzzy translation, 1 untranslated message."
