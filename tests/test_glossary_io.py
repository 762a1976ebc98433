"""CSV and TBX: golden files, byte-stable round trips, and one error naming file and line per bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from trilingo.glossary.csvio import read_csv, write_csv
from trilingo.glossary.errors import MalformedFile, TermConflict
from trilingo.glossary.store import read_file, starter_path
from trilingo.glossary.tbx import read_tbx, write_tbx

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
        "line 2: DTDs are not allowed",
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
        "line 4: <conceptEntry> 'c1' has no vi, lo or zh term",
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
