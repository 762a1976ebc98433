"""CSV and TBX (v3 and v2): golden files, byte-stable round trips, and one error naming file and line per bad file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trilingo.glossary.csvio import read_csv, write_csv
from trilingo.glossary.entries import TermData
from trilingo.glossary.errors import MalformedFile, TermConflict
from trilingo.glossary.store import read_file, starter_path
from trilingo.glossary.tbx import derived_id, read_tbx, safe_id, write_tbx, write_tbx2
from trilingo.text.xmlsafe import RULE

DATA = Path(__file__).parent / "data" / "glossary"
HEADER = "concept,vi,lo,zh,status,domain,confidence,note\n"


def test_shipped_glossary_is_the_projects_own_copy() -> None:
    assert starter_path().is_file()
    assert "shared" not in starter_path().parts


@pytest.mark.parametrize("name", ["rich.csv"])
def test_csv_reads_and_writes_back_byte_for_byte(name: str) -> None:
    path = DATA / name
    assert write_csv(read_csv(path)).encode() == path.read_bytes()


def test_shipped_csv_round_trips_byte_for_byte() -> None:
    assert write_csv(read_csv(starter_path())).encode() == starter_path().read_bytes()


@pytest.mark.parametrize(
    ("csv_path", "tbx_name"), [(starter_path(), "border-glossary.tbx"), (DATA / "rich.csv", "rich.tbx")]
)
def test_csv_to_tbx_matches_golden_and_back_loses_nothing(
    csv_path: Path, tbx_name: str, tmp_path: Path
) -> None:
    tbx_text = write_tbx(read_csv(csv_path))
    assert tbx_text.encode() == (DATA / tbx_name).read_bytes()
    out = tmp_path / "out.tbx"
    out.write_bytes(tbx_text.encode())
    concepts, skipped = read_tbx(out)
    assert skipped == []
    assert write_csv(concepts).encode() == csv_path.read_bytes()


def test_shipped_confidence_and_notes_survive_tbx() -> None:
    concepts, _ = read_tbx(DATA / "border-glossary.tbx")
    gate = next(c for c in concepts if c.concept == "tay-trang-gate")
    assert gate.confidence == "low"
    assert "verify" in gate.note
    forbidden = next(c for c in concepts if c.concept == "laos-zh-deprecated")
    assert {(t.lang, t.status) for t in forbidden.terms} == {("vi", "forbidden"), ("zh", "forbidden")}


def test_tbx_v2_is_read() -> None:
    concepts, skipped = read_tbx(DATA / "v2.tbx")
    assert skipped == ["en", "zh-TW"]  # Traditional Chinese is not our zh
    assert write_csv(concepts).encode() == (DATA / "v2.csv").read_bytes()


GOLDEN_V2 = [(starter_path(), "border-glossary-v2.tbx"), (DATA / "rich.csv", "rich-v2.tbx")]


@pytest.mark.parametrize(("csv_path", "v2_name"), GOLDEN_V2)
def test_tbx2_golden_to_csv_and_back_is_byte_identical(csv_path: Path, v2_name: str) -> None:
    golden = DATA / v2_name
    assert write_tbx2(read_csv(csv_path)).encode() == golden.read_bytes()
    concepts, skipped = read_tbx(golden)
    assert skipped == []
    csv_text = write_csv(concepts)
    assert csv_text.encode() == csv_path.read_bytes()  # v2 → CSV loses nothing ...
    assert write_tbx2(concepts).encode() == golden.read_bytes()  # ... and CSV → v2 gives the same bytes


@pytest.mark.parametrize("v3_name", ["border-glossary.tbx", "rich.tbx"])
def test_tbx3_to_tbx2_to_tbx3_is_byte_identical(v3_name: str, tmp_path: Path) -> None:
    v3 = DATA / v3_name
    concepts, _ = read_tbx(v3)
    v2 = tmp_path / "g.tbx"
    v2.write_bytes(write_tbx2(concepts).encode())
    assert v2.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE martif PUBLIC')
    back, skipped = read_tbx(v2)
    assert skipped == []
    assert [c.snapshot() | {"id": c.concept} for c in back] == [
        c.snapshot() | {"id": c.concept} for c in concepts
    ]
    assert write_tbx(back).encode() == v3.read_bytes()


def test_rich_glossary_uses_every_status_confidence_and_field_v2_must_carry() -> None:
    # What the round trips above prove is kept: make sure the golden file has all of it to keep.
    concepts, _ = read_tbx(DATA / "rich-v2.tbx")
    assert {t.status for c in concepts for t in c.terms} == {
        "preferred",
        "admitted",
        "superseded",
        "forbidden",
    }
    assert {c.confidence for c in concepts} == {"high", "medium", "low"}
    assert all(c.domain for c in concepts) and any(c.note for c in concepts)
    assert {t.lang for c in concepts for t in c.terms} == {"vi", "lo", "zh"}


def test_foreign_tbx2_is_normalised_once_then_stable(tmp_path: Path) -> None:
    """Another tool's v2 (ntig, termGrp, descripGrp, en and zh-TW, reliability 5) is not written back
    byte for byte: the export is its normalised form (see the README), and that form is a fixed point."""
    concepts, _ = read_tbx(DATA / "v2.tbx")
    first = tmp_path / "first.tbx"
    first.write_bytes(write_tbx2(concepts).encode())
    again, skipped = read_tbx(first)
    assert skipped == []
    assert write_csv(again).encode() == (DATA / "v2.csv").read_bytes()
    assert write_tbx2(again) == first.read_text(encoding="utf-8")
    text = first.read_text(encoding="utf-8")
    assert "<ntig>" not in text and "descripGrp" not in text and 'xml:lang="zh-TW"' not in text
    assert '<descrip type="reliabilityCode">6</descrip>' in text  # the file's 5 is medium, written 6


@pytest.mark.parametrize(
    ("tag", "lang"),
    [("vi", "vi"), ("vi-VN", "vi"), ("vi_VN", "vi"), ("lo", "lo"), ("LO-la", "lo"), ("zh", "zh"),
     ("zh-CN", "zh"), ("zh_CN", "zh"), ("zh-Hans", "zh"), ("zh-Hans-CN", "zh"), ("zh-SG", "zh"),
     ("zh-TW", None), ("zh-Hant", None), ("en", None)],
)  # fmt: skip
def test_tbx_language_tags_read(tag: str, lang: str | None, tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    path.write_text(
        '<martif type="TBX"><text><body><termEntry id="c1"><langSet xml:lang="vi"><tig><term>a</term></tig>'
        f'</langSet><langSet xml:lang="{tag}"><tig><term>b</term></tig></langSet></termEntry></body></text>'
        "</martif>",
        encoding="utf-8",
    )
    [concept], skipped = read_tbx(path)
    assert (skipped, [t.lang for t in concept.terms]) == (([], ["vi", lang]) if lang else ([tag], ["vi"]))


@pytest.mark.parametrize(
    ("value", "status"),
    [("preferredTerm-admn-sts", "preferred"), ("admittedTerm-admn-sts", "admitted"),
     ("deprecatedTerm-admn-sts", "forbidden"), ("supersededTerm-admn-sts", "superseded"),
     ("notRecommendedTerm-admn-sts", "forbidden"), ("deprecated", "forbidden"), ("deprecatedTerm", "forbidden"),
     ("DeprecatedTermAdmnSts", "forbidden"), ("preferred", "preferred"), ("obsolete", "superseded")],
)  # fmt: skip
def test_tbx_status_spellings_of_other_tools_are_read(value: str, status: str, tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    path.write_text(
        '<martif type="TBX"><text><body><termEntry id="c1"><langSet xml:lang="vi"><tig><term>a</term>'
        f'<termNote type="administrativeStatus">{value}</termNote></tig></langSet></termEntry></body></text>'
        "</martif>",
        encoding="utf-8",
    )
    [concept], _ = read_tbx(path)
    assert concept.terms[0].status == status


def test_tbx_exports_write_vi_lo_and_zh_cn() -> None:
    concepts = read_csv(DATA / "rich.csv")
    for text in (write_tbx(concepts), write_tbx2(concepts)):
        tags = {line.split('xml:lang="')[1].split('"')[0] for line in text.splitlines() if "xml:lang" in line}
        assert tags == {"vi", "lo", "zh-CN"}


def test_tbx2_entries_without_ids_get_stable_ids_from_their_terms(tmp_path: Path) -> None:
    # translate-toolkit and Weblate write <termEntry> without an id; v3 requires one (see TBX_ERRORS).
    path = tmp_path / "g.tbx"
    path.write_text(
        '<martif type="TBX"><text><body>\n'
        '<termEntry><langSet xml:lang="lo"><tig><term>ດ່ານ</term></tig></langSet>'
        '<langSet xml:lang="vi"><tig><term>Cửa khẩu Đồi A1</term></tig></langSet></termEntry>\n'
        '<termEntry><langSet xml:lang="zh-CN"><tig><term>护照</term></tig></langSet></termEntry>\n'
        '<termEntry id="visa"><langSet xml:lang="vi"><tig><term>thị thực</term></tig></langSet></termEntry>\n'
        "</body></text></martif>",
        encoding="utf-8",
    )
    concepts, _ = read_tbx(path)
    ids = [c.concept for c in concepts]
    assert ids[0].startswith("cua-khau-doi-a1-") and ids[1].startswith("zh-") and ids[2] == "visa"
    assert ids == [derived_id(c.terms) if c.concept != "visa" else "visa" for c in concepts]
    assert [c.concept for c in read_tbx(path)[0]] == ids  # the same file, the same ids
    twice = tmp_path / "twice.tbx"
    twice.write_text(
        '<martif type="TBX"><text><body>\n'
        '<termEntry><langSet xml:lang="vi"><tig><term>hộ chiếu</term></tig></langSet></termEntry>\n'
        '<termEntry><langSet xml:lang="vi"><tig><term>hộ chiếu</term></tig></langSet></termEntry>\n'
        "</body></text></martif>",
        encoding="utf-8",
    )
    with pytest.raises(MalformedFile) as exc:
        read_tbx(twice)
    assert exc.value.message == (
        f"{twice}: line 3: <termEntry> has no id, and the id made from its terms, "
        f"{derived_id([TermData('vi', 'hộ chiếu', 'admitted')])!r}, "
        "is the entry's on line 2; give the entries ids"
    )


@pytest.mark.parametrize("root", ["v3", "v2"])
def test_an_id_that_is_not_a_concept_id_is_mapped_to_one_and_the_import_says_so(
    root: str, tmp_path: Path
) -> None:
    # csv2tbx writes the source term as the entry's id (tests/test_exchange_tools.py runs it).
    entry, lang_sec, term_sec = (
        ("conceptEntry", "langSec", "termSec") if root == "v3" else ("termEntry", "langSet", "tig")
    )
    body = "".join(
        f'<{entry} id="{cid}"><{lang_sec} xml:lang="vi"><{term_sec}><term>{term}</term></{term_sec}></{lang_sec}>'
        f"</{entry}>\n"
        for cid, term in [
            ("trạm kiểm soát biên phòng", "trạm kiểm soát biên phòng"),
            ("  border-post ", "đồn biên phòng"),  # a concept id, once trimmed: kept
            ("Lào", "Lào"),
            ("Lão", "lão"),  # folds to the same ASCII as Lào: its hash keeps it apart
            ("cửa khẩu/quốc tế", "cửa khẩu quốc tế"),
            ("ທ່າ", "bến"),  # no ASCII at all
        ]
    )
    head = '<tbx xmlns="urn:iso:std:iso:30042:ed-2">' if root == "v3" else '<martif type="TBX">'
    tail = "</tbx>" if root == "v3" else "</martif>"
    path = _write(tmp_path, "g.tbx", f"{head}<text><body>\n{body}</body></text>{tail}")
    parsed = read_file(path)
    ids = [c.concept for c in parsed.concepts]
    assert ids[1] == "border-post"
    assert re.fullmatch(r"tram-kiem-soat-bien-phong-[0-9a-f]{6}", ids[0])
    assert (
        re.fullmatch(r"lao-[0-9a-f]{6}", ids[2])
        and re.fullmatch(r"lao-[0-9a-f]{6}", ids[3])
        and ids[2] != ids[3]
    )
    assert re.fullmatch(r"cua-khau-quoc-te-[0-9a-f]{6}", ids[4])
    assert re.fullmatch(r"concept-[0-9a-f]{6}", ids[5])
    assert ids == [
        safe_id("trạm kiểm soát biên phòng"),
        "border-post",
        *(safe_id(given) for given in ("Lào", "Lão", "cửa khẩu/quốc tế", "ທ່າ")),
    ]
    assert parsed.warnings == [
        f"{path}: 5 entry id(s) are not concept ids (letters, digits, '.', '_' and '-'); each was imported under "
        f"an id made from it: 'trạm kiểm soát biên phòng' → {ids[0]!r}, 'Lào' → {ids[2]!r}, 'Lão' → {ids[3]!r}, …"
    ]
    assert [c.concept for c in read_file(path).concepts] == ids  # the same file, the same ids
    twice = _write(
        tmp_path, "twice.tbx", f"{head}<text><body>\n{body}{body.splitlines()[2]}\n</body></text>{tail}"
    )
    with pytest.raises(MalformedFile) as exc:
        read_file(twice)
    assert exc.value.message == f"{twice}: line 8: <{entry}> id 'Lào' (imported as {ids[2]!r}) appears twice"


def test_a_file_with_only_safe_ids_has_no_warning() -> None:
    parsed = read_file(DATA / "rich.tbx")
    assert parsed.warnings == [] and len(parsed.concepts) == 5


@pytest.mark.parametrize(
    ("notes", "confidence", "note"),
    [
        (["reliabilityCode: 3"], "low", ""),
        (["ReliabilityCode : 8", "checked"], "high", "checked"),
        (["reliabilityCode: 11"], "low", "reliabilityCode: 11"),  # not a code: a note like any other
        (["reliabilityCode: soon"], "low", "reliabilityCode: soon"),
        (["see reliabilityCode: 9"], "low", "see reliabilityCode: 9"),
    ],
)
def test_v3_reliability_note_is_read_as_the_code(
    notes: list[str], confidence: str, note: str, tmp_path: Path
) -> None:
    path = tmp_path / "g.tbx"
    path.write_text(
        '<tbx xmlns="urn:iso:std:iso:30042:ed-2"><text><body><conceptEntry id="c1">'
        + "".join(f"<note>{n}</note>" for n in notes)
        + '<langSec xml:lang="vi"><termSec><term>hộ chiếu</term></termSec></langSec></conceptEntry></body></text></tbx>',
        encoding="utf-8",
    )
    [concept], _ = read_tbx(path)
    assert (concept.confidence, concept.note) == (confidence, note)


def test_tbx_without_any_reliability_is_shown_as_low_confidence(tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    path.write_text(
        '<tbx xmlns="urn:iso:std:iso:30042:ed-2"><text><body><conceptEntry id="c1"><langSec xml:lang="vi">'
        "<termSec><term>hộ chiếu</term></termSec></langSec></conceptEntry></body></text></tbx>"
    )
    [concept], _ = read_tbx(path)
    assert concept.confidence == "low"
    assert concept.terms[0].status == "admitted"  # TBX's default when no status is given


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


CSV_ERRORS = [
    ("empty", b"", "file is empty"),
    ("header only", HEADER, "no glossary entries"),
    (
        "nul",
        HEADER + "c1,a\x00b,,,preferred,x,low,\n",
        "line 2: vi term contains the control character U+0000",
    ),
    ("blank", b"\n\n  \n", "file is empty"),
    ("utf8", HEADER.encode() + b"c1,h\xffi,,,preferred,x,low,\n", "line 2: invalid UTF-8 (byte 0xff)"),
    (
        "columns",
        "concept,vi,lo,zh\nc1,a,b,c\n",
        "line 1: missing column(s): status, domain, confidence, note",
    ),
    (
        "unknown column",
        HEADER.rstrip() + ",extra\n",
        "line 1: unknown column 'extra' (expected: concept,vi,lo,zh,status,domain,confidence,note)",
    ),
    (
        "status",
        HEADER + "c1,hộ chiếu,,,prefered,x,low,\n",
        "line 2: unknown status 'prefered' (expected one of: preferred, admitted, superseded, forbidden)",
    ),
    (
        "confidence",
        HEADER + "c1,hộ chiếu,,,preferred,x,sure,\n",
        "line 2: unknown confidence 'sure' (expected one of: high, medium, low)",
    ),
    ("fields", HEADER + "c1,hộ chiếu,,,preferred,x,low\n", "line 2: expected 8 fields, found 7"),
    ("no term", HEADER + "c1,,,,preferred,x,low,\n", "line 2: no term (vi, lo and zh are all empty)"),
    ("no id", HEADER + ",hộ chiếu,,,preferred,x,low,\n", "line 2: empty concept id"),
    ("quote", HEADER + 'c1,"hộ chiếu,,,preferred,x,low,\n', "line 2: bad CSV (unexpected end of data)"),
    (
        "conflict",
        HEADER + "c1,a,,,preferred,x,low,\nc1,b,,,preferred,y,low,\n",
        "line 3: concept 'c1' has domain 'y' here but 'x' on line 2",
    ),
    (
        "twice",
        HEADER + "c1,hoà bình,,,preferred,x,low,\nc1,hòa bình,,,admitted,x,low,\n",
        "line 3: concept 'c1' lists the vi term 'hòa bình' twice",
    ),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in CSV_ERRORS], ids=[c[0] for c in CSV_ERRORS])
def test_malformed_csv_names_file_and_line(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = _write(tmp_path, "g.csv", content)
    with pytest.raises(MalformedFile) as exc:
        read_file(path)
    assert exc.value.message == f"{path}: {message}"


def test_two_preferred_terms_are_a_term_conflict(tmp_path: Path) -> None:
    path = _write(tmp_path, "g.csv", HEADER + "c1,a,ດ່ານ,,preferred,x,low,\nc1,b,ດ່ານສາກົນ,,preferred,x,low,\n")
    with pytest.raises(TermConflict) as exc:
        read_file(path)
    assert exc.value.message == (
        f"{path}: line 3: concept 'c1' has two preferred vi terms ('a' and 'b'); make one of them admitted"
    )


def test_quoted_newline_keeps_line_numbers_right(tmp_path: Path) -> None:
    path = _write(tmp_path, "g.csv", HEADER + 'c1,a,,,preferred,x,low,"two\nlines"\nc2,b,,,bad,x,low,\n')
    with pytest.raises(MalformedFile, match=r"line 4: unknown status 'bad'"):
        read_file(path)


TBX_V3 = '<tbx xmlns="urn:iso:std:iso:30042:ed-2">\n<text>\n<body>\n{}\n</body>\n</text>\n</tbx>\n'
TBX_ERRORS = [
    ("no entries", TBX_V3.format(""), "no glossary entries"),
    (
        "deep",
        TBX_V3.format(
            '<conceptEntry id="c1"><langSec xml:lang="vi"><termSec><term>a</term>'
            + "<descripGrp>" * 5000
            + "</descripGrp>" * 5000
            + "</termSec></langSec></conceptEntry>"
        ),
        "line 4: <descripGrp> nested more than 16 deep",
    ),
    (
        "huge reliability",
        TBX_V3.format(
            '<conceptEntry id="c1"><descrip type="reliabilityCode">'
            + "9" * 5000
            + '</descrip><langSec xml:lang="vi"><termSec><term>a</term></termSec></langSec></conceptEntry>'
        ),
        "line 4: <descrip type=\"reliabilityCode\"> must be 1-10, not '99999999999999999999'",
    ),
    ("xml", "<tbx>\n<text>\n<body></text>\n</tbx>\n", "line 3: not well-formed XML (mismatched tag)"),
    ("empty", "", "file is empty"),
    ("utf8", b"<tbx>\n<text>\xc3\x28</text></tbx>", "line 2: invalid UTF-8 (byte 0xc3)"),
    ("root", "<glossary/>", "line 1: <glossary> is not a TBX root (expected <tbx> or <martif>)"),
    ("body", "<tbx>\n<text/>\n</tbx>", "line 2: <text> has no <body>"),
    (
        "dtd",
        '<?xml version="1.0"?>\n<!DOCTYPE tbx [<!ENTITY a "b">]>\n<tbx/>',
        f"line 2: a DOCTYPE with an internal subset is not accepted ({RULE})",
    ),
    (
        "id",
        TBX_V3.format(
            '<conceptEntry><langSec xml:lang="vi"><termSec><term>a</term></termSec></langSec></conceptEntry>'
        ),
        "line 4: <conceptEntry>: empty concept id",
    ),
    (
        "term",
        TBX_V3.format(
            '<conceptEntry id="c1">\n<langSec xml:lang="vi">\n<termSec>\n<note>x</note>\n</termSec>'
            "</langSec></conceptEntry>"
        ),
        "line 6: <termSec> has no <term> text",
    ),
    (
        "status",
        TBX_V3.format(
            '<conceptEntry id="c1"><langSec xml:lang="vi"><termSec><term>a</term>\n'
            '<termNote type="administrativeStatus">bestTerm</termNote></termSec></langSec>'
            "</conceptEntry>"
        ),
        "line 5: <termNote type=\"administrativeStatus\"> has unknown value 'bestTerm' (expected one of: "
        "preferredTerm-admn-sts, admittedTerm-admn-sts, deprecatedTerm-admn-sts, supersededTerm-admn-sts)",
    ),
    (
        "lang",
        TBX_V3.format(
            '<conceptEntry id="c1">\n<langSec><termSec><term>a</term></termSec></langSec></conceptEntry>'
        ),
        "line 5: <langSec> has no xml:lang",
    ),
    (
        "no terms",
        TBX_V3.format(
            '<conceptEntry id="c1"><langSec xml:lang="en"><termSec><term>a</term></termSec>'
            "</langSec></conceptEntry>"
        ),
        "line 4: <conceptEntry> 'c1' has no vi, lo or zh term (its languages: en)",
    ),
    (
        "reliability",
        TBX_V3.format(
            '<conceptEntry id="c1"><descrip type="reliabilityCode">11</descrip>'
            '<langSec xml:lang="vi"><termSec><term>a</term></termSec></langSec>'
            "</conceptEntry>"
        ),
        "line 4: <descrip type=\"reliabilityCode\"> must be 1-10, not '11'",
    ),
    (
        "duplicate",
        TBX_V3.format(
            '<conceptEntry id="c1"><langSec xml:lang="vi"><termSec><term>a</term></termSec>'
            '</langSec></conceptEntry>\n<conceptEntry id="c1"><langSec xml:lang="vi"><termSec>'
            "<term>b</term></termSec></langSec></conceptEntry>"
        ),
        "line 5: <conceptEntry> id 'c1' appears twice",
    ),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in TBX_ERRORS], ids=[c[0] for c in TBX_ERRORS])
def test_malformed_tbx_names_file_and_element(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = _write(tmp_path, "g.tbx", content)
    with pytest.raises(MalformedFile) as exc:
        read_file(path)
    assert exc.value.message == f"{path}: {message}"


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    from trilingo.glossary.errors import UnknownFormat

    with pytest.raises(UnknownFormat) as exc:
        read_file(tmp_path / "g.txt")
    assert (
        exc.value.message == f"{tmp_path / 'g.txt'}: unknown glossary format '.txt' (expected .csv or .tbx)"
    )
    with pytest.raises(MalformedFile) as exc2:
        read_file(tmp_path / "none.csv")
    assert exc2.value.message == f"{tmp_path / 'none.csv'}: no such file"
