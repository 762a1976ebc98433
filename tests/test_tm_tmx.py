"""TMX 1.4: import (all or nothing, errors name file and line), export (golden), round trip, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select

from trilingo.cli import cli
from trilingo.store.models import AuditEvent
from trilingo.text.xmlsafe import RULE
from trilingo.tm.memory import add
from trilingo.tm.models import TMEntry
from trilingo.tm.tmx import TMXError, import_tmx, our_lang, read_tmx

DATA = Path(__file__).parent / "data" / "tmx"
SAMPLE = DATA / "sample.tmx"


def _pairs(session: Session) -> list[tuple[str, str, str, str, bool]]:
    rows = session.exec(select(TMEntry).order_by(TMEntry.key, col(TMEntry.tgt_lang))).all()
    return [(r.source, r.tgt_lang, r.target, r.origin, r.needs_native_review) for r in rows]


def test_read_sample() -> None:
    data = read_tmx(SAMPLE)
    assert data.skipped == 2  # English/French only, and vi with an empty lo
    assert [(p.source, p.lang, p.target) for p in data.pairs] == [
        ("Cửa khẩu mở cửa lúc 7:00.", "lo", "ດ່ານເປີດເວລາ 7:00."),
        ("Cửa khẩu mở cửa lúc 7:00.", "zh", "口岸7:00开放。"),
        ("Xuất trình hộ chiếu tại quầy.", "zh", "请在柜台出示护照。"),  # inline codes dropped, <hi> kept
        ("Phí hoà giải & thuỷ sản", "lo", "ຄ່າທຳນຽມ"),  # spaces folded on the way in
        ("Phí hòa giải & thủy sản", "lo", "ຄ່າທຳນຽມ ແລະ ສັດນ້ຳ"),
    ]


@pytest.mark.parametrize(
    ("tag", "lang"),
    [("vi-VN", "vi"), ("lo_LA", "lo"), ("ZH-cn", "zh"), ("zh-Hans", "zh"), ("zh-TW", None), ("zh-Hant-HK", None),
     ("en-US", None), ("lol", None)],
)  # fmt: skip
def test_language_tags(tag: str, lang: str | None) -> None:
    assert our_lang(tag) == lang


def test_import_flags_pairs_for_review_and_later_units_win(session: Session) -> None:
    report = import_tmx(session, SAMPLE, "tester")
    assert (report.added, report.updated, report.unchanged, report.kept, report.skipped) == (4, 0, 0, 0, 2)
    pairs = _pairs(session)
    assert ("Phí hòa giải & thủy sản", "lo", "ຄ່າທຳນຽມ ແລະ ສັດນ້ຳ", "tmx", True) in pairs
    assert all(origin == "tmx" and review for *_, origin, review in pairs)
    session.commit()  # audit events are written, in the chain, when their transaction commits
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "tm_import")).one()
    assert event.actor == "tester" and event.detail["added"] == 4


def test_import_never_overwrites_an_approved_pair(session: Session) -> None:
    add(session, "Cửa khẩu mở cửa lúc 7:00.", "ດ່ານເປີດ 7 ໂມງ.", "lo", actor="reviewer")
    session.flush()
    report = import_tmx(session, SAMPLE, "tester")
    assert (report.added, report.kept) == (3, 1)
    assert ("Cửa khẩu mở cửa lúc 7:00.", "lo", "ດ່ານເປີດ 7 ໂມງ.", "approved", False) in _pairs(session)


def test_second_import_changes_nothing(session: Session) -> None:
    import_tmx(session, SAMPLE, "tester")
    before = _pairs(session)
    report = import_tmx(session, SAMPLE, "tester")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 4)
    assert _pairs(session) == before


@pytest.mark.usefixtures("database")
def test_export_matches_golden_and_round_trips(session: Session, tmp_path: Path) -> None:
    from trilingo.tm.tmx import export_tmx

    import_tmx(session, SAMPLE, "tester")
    out = tmp_path / "out.tmx"
    assert export_tmx(session, out) == 4
    assert out.read_bytes() == (DATA / "sample-export.tmx").read_bytes()
    session.rollback()
    import_tmx(session, out, "tester")  # into the now empty memory
    again = tmp_path / "again.tmx"
    export_tmx(session, again)
    assert again.read_bytes() == out.read_bytes()


BAD = [
    ("empty.tmx", "file is empty"),
    ("no-units.tmx", "no translation units"),
    ("bad-utf8.tmx", "line 6: invalid UTF-8 (byte 0xff)"),
    ("malformed.tmx", "line 6: not well-formed XML (mismatched tag)"),
    ("no-lang.tmx", "line 7: <tuv> has no xml:lang"),
    ("no-seg.tmx", "line 7: <tuv> has no <seg>"),
    ("wrong-root.tmx", "line 2: <martif> is not a TMX document (expected <tmx>)"),
    ("wrong-srclang.tmx", "line 3: <header> srclang is en-US, expected vi"),
    ("entities.tmx", f"line 2: a DOCTYPE with an internal subset is not accepted ({RULE})"),
    ("two-lo.tmx", 'line 8: <tu> has two <tuv xml:lang="LO">'),
    ("version2.tmx", "line 2: TMX version 2.0 is not supported (expected 1.4)"),
]


@pytest.mark.parametrize(("name", "message"), BAD)
def test_bad_files_name_file_and_line(name: str, message: str) -> None:
    with pytest.raises(TMXError) as info:
        read_tmx(DATA / name)
    assert info.value.message == f"{DATA / name}: {message}"


@pytest.mark.usefixtures("home")
def test_cli_import_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["tm", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{SAMPLE}: 4 added, 0 updated, 0 unchanged, 0 kept (approved here), 2 skipped\n"
    out = tmp_path / "lo.tmx"
    result = runner.invoke(cli, ["tm", "export", str(out), "--lang", "lo"])
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}: 2 pairs written\n"
    assert read_tmx(out).pairs[0].lang == "lo"


@pytest.mark.parametrize(("name", "message"), BAD)
def test_cli_bad_file_is_one_error_line_and_changes_nothing(home: Path, name: str, message: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["tm", "import", str(SAMPLE)]).exit_code == 0
    result = runner.invoke(cli, ["tm", "import", str(DATA / name)])
    assert result.exit_code == 1
    assert result.output == f"Error: {DATA / name}: {message}\n"
    out = home.parent / "after.tmx"
    assert runner.invoke(cli, ["tm", "export", str(out)]).exit_code == 0
    assert out.read_bytes() == (DATA / "sample-export.tmx").read_bytes()


@pytest.mark.usefixtures("workspace")
def test_cli_missing_file_and_unwritable_export(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "nope.tmx"
    result = runner.invoke(cli, ["tm", "import", str(missing)])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {missing}: no such file\n",
    )
    target = tmp_path / "no-such-dir" / "out.tmx"
    result = runner.invoke(cli, ["tm", "export", str(target)])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {target}: cannot write (No such file or directory)\n",
    )


@pytest.mark.parametrize(
    ("seg", "message"),
    [
        ("x" * 8_001, "<seg> is longer than 8,000 characters"),
        ("a\x9fb", "<seg> contains the control character U+009F"),
    ],
)
def test_oversized_or_control_segments_are_refused(tmp_path: Path, seg: str, message: str) -> None:
    path = tmp_path / "bad.tmx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n<header srclang="vi"/>\n<body>\n'
        f'<tu>\n<tuv xml:lang="vi"><seg>Câu</seg></tuv>\n<tuv xml:lang="lo"><seg>{seg}</seg></tuv>\n</tu>\n'
        "</body>\n</tmx>\n",
        encoding="utf-8",
    )
    with pytest.raises(TMXError) as info:
        read_tmx(path)
    assert info.value.message == f"{path}: line 5: {message}"
