"""`trilingo glossary …` end to end, on SQLite and PostgreSQL: output, exit codes, exact error lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from trilingo.cli import cli
from trilingo.glossary.store import starter_path
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

DATA = Path(__file__).parent / "data" / "glossary"
HEADER = "concept,vi,lo,zh,status,domain,confidence,note\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["glossary", *args])


def test_every_glossary_command_has_help() -> None:
    for name in ("import", "export", "lookup", "check", "add", "impact"):
        result = run(name, "--help")
        assert result.exit_code == 0 and len(result.output.splitlines()) > 3


@pytest.mark.usefixtures("workspace")
def test_lookup_highlights_terms_with_translations_and_confidence() -> None:
    result = run("lookup", "Hành khách qua Cửa khẩu Quốc tế Tây Trang cần hộ chiếu.")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Hành khách qua [Cửa khẩu Quốc tế Tây Trang] cần [hộ chiếu]."
    assert lines[1].startswith(
        "  [Cửa khẩu Quốc tế Tây Trang] → lo ດ່ານສາກົນໄຕຈາງ, zh 西庄国际口岸  (tay-trang-gate, "
        "preferred, LOW confidence: unverified)"
    )
    assert lines[2] == "  [hộ chiếu] → lo ໜັງສືຜ່ານແດນ, zh 护照  (passport, preferred)"


@pytest.mark.usefixtures("workspace")
def test_lookup_in_chinese_flags_forbidden_terms() -> None:
    result = run("lookup", "寮国", "--lang", "zh")
    assert result.exit_code == 0
    assert result.output.splitlines()[1].startswith(
        "  [寮国] → do not use; use 老挝  (laos-zh-deprecated, forbidden)"
    )


@pytest.mark.usefixtures("workspace")
def test_export_then_import_tbx_is_lossless(tmp_path: Path) -> None:
    out = tmp_path / "g.tbx"
    assert run("export", "--format", "tbx", "-o", str(out)).exit_code == 0
    assert out.read_bytes() == (DATA / "border-glossary.tbx").read_bytes()
    result = run("import", str(out))
    assert result.exit_code == 0
    assert result.output == f"{out}: nothing changed (glossary version 1)\n"
    csv = run("export", "--format", "csv")
    assert csv.output.encode() == starter_path().read_bytes()


@pytest.mark.usefixtures("workspace")
def test_import_merges_and_reports_the_new_version() -> None:
    result = run("import", str(DATA / "v2.tbx"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{DATA / 'v2.tbx'}: 0 added, 2 changed, 0 unchanged → glossary version 2",
        "Skipped languages (not Vietnamese, Lao or Simplified Chinese): en, zh-TW",
    ]


BAD_FILES = [
    ("empty.csv", b"", "file is empty"),
    ("utf8.csv", HEADER.encode() + b"c1,h\xffi,,,preferred,x,low,\n", "line 2: invalid UTF-8 (byte 0xff)"),
    ("columns.csv", b"concept,vi,lo,zh,status\n", "line 1: missing column(s): domain, confidence, note"),
    (
        "status.csv",
        (HEADER + "c1,cửa khẩu mới,,,preferred,x,low,\nc2,a,,,best,x,low,\n").encode(),
        "line 3: unknown status 'best' (expected one of: preferred, admitted, superseded, forbidden)",
    ),
    ("xml.tbx", b"<tbx>\n<text><body>\n</text></tbx>", "line 3: not well-formed XML (mismatched tag)"),
    (
        "status.tbx",
        (
            b'<tbx><text><body><conceptEntry id="c1"><langSec xml:lang="vi"><termSec><term>a</term>\n'
            b'<termNote type="administrativeStatus">x</termNote></termSec></langSec></conceptEntry>'
            b"</body></text></tbx>"
        ),
        "line 2: <termNote type=\"administrativeStatus\"> has unknown value 'x' (expected one of: "
        "preferredTerm-admn-sts, admittedTerm-admn-sts, deprecatedTerm-admn-sts, supersededTerm-admn-sts)",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
@pytest.mark.usefixtures("workspace")
def test_malformed_import_is_one_error_line_and_changes_nothing(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    assert run("lookup", "Lào").exit_code == 0  # the starter glossary is in place: version 1
    path = tmp_path / name
    path.write_bytes(content)
    result = run("import", str(path))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: {message}\n"
    assert result.stdout == ""
    assert run("export").output.encode() == starter_path().read_bytes()
    assert "than version 1 " in run("impact").output


@pytest.mark.usefixtures("workspace")
def test_import_of_a_missing_file_and_an_unknown_format(tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "nope.csv"))
    assert (result.exit_code, result.stderr) == (1, f"Error: {tmp_path / 'nope.csv'}: no such file\n")
    (tmp_path / "g.json").write_text("{}")
    result = run("import", str(tmp_path / "g.json"))
    assert result.stderr == (
        f"Error: {tmp_path / 'g.json'}: unknown glossary format '.json' (expected .csv or .tbx)\n"
    )


@pytest.mark.usefixtures("workspace")
def test_add_and_its_errors() -> None:
    result = run("add", "checkpoint", "--vi", "trạm kiểm soát", "--zh", "检查站", "--domain", "border")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "checkpoint: vi 'trạm kiểm soát' (preferred), zh '检查站' (preferred): 1 added, 0 changed, "
        "0 unchanged → glossary version 2\n"
    )
    assert "LOW confidence" in run("lookup", "trạm kiểm soát").output
    result = run("add", "checkpoint", "--vi", "trạm kiểm sóat")
    assert (result.exit_code, result.stderr) == (
        1,
        (
            "Error: glossary add checkpoint: concept 'checkpoint' has two preferred vi terms "
            "('trạm kiểm soát' and 'trạm kiểm sóat'); make one of them admitted\n"
        ),
    )
    result = run("add", "checkpoint")
    assert result.stderr == "Error: nothing to add: give a term (--vi, --lo, --zh) or a field to change\n"
    result = run("add", "bad id", "--vi", "x")
    assert (
        result.stderr
        == "Error: glossary add: bad concept id 'bad id' (use letters, digits, '.', '_' and '-')\n"
    )
    result = run("add", "c", "--vi", "x", "--status", "best")
    assert result.exit_code == 2


def _approved(db_url: str, source: str, target: str, version: int | None = 1) -> None:
    from trilingo.store.models import Document, DocumentVersion, Segment, SegmentState, Translation

    with TrilingoSession(open_database(db_url, "tester")) as s:
        doc = Document(slug="notice", created_by="ed")
        s.add(doc)
        s.flush()
        assert doc.id is not None
        ver = DocumentVersion(
            document_id=doc.id, number=1, title="t", body=source, content_hash="h", created_by="ed"
        )
        s.add(ver)
        s.flush()
        assert ver.id is not None
        seg = Segment(version_id=ver.id, n=1, block=0, kind="title", source=source, source_hash="h")
        s.add(seg)
        s.flush()
        assert seg.id is not None
        s.add(
            Translation(
                segment_id=seg.id,
                lang="zh",
                state=SegmentState.APPROVED,
                target=target,
                glossary_version=version,
            )
        )
        s.commit()


@pytest.mark.usefixtures("workspace")
def test_check_shows_a_forbidden_term_in_an_approved_translation(db_url: str) -> None:
    assert run("check").output == "0 glossary problem(s) in approved translations.\n"
    _approved(db_url, "Hợp tác với Lào", "与寮国合作")
    result = run("check", "--lang", "zh")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "notice #1 [zh]: glossary: missing 老挝 for 'Lào' (laos)",
        "notice #1 [zh]: glossary: forbidden term 寮国 in the translation (laos-zh-deprecated: Taiwan usage; "
        "PRC usage is 老挝); use 老挝",
        "2 glossary problem(s) in approved translations.",
    ]
    assert run("check", "--lang", "lo").exit_code == 0


@pytest.mark.usefixtures("workspace")
def test_impact_lists_drafts_made_before_a_term_changed(db_url: str) -> None:
    assert run("lookup", "Lào").exit_code == 0
    _approved(db_url, "Hợp tác với Lào", "与老挝合作")
    assert (
        run("impact").output == "0 draft(s) made with an older glossary than version 1 use changed terms.\n"
    )
    assert run("add", "laos", "--zh", "老挝人民民主共和国", "--status", "admitted").exit_code == 0
    assert run("impact").output.splitlines() == [
        "notice #1 [zh] approved, glossary v1: laos changed",
        "1 draft(s) made with an older glossary than version 2 use changed terms.",
    ]
