"""The CLI in its user's language (trilingo.i18n): choice of language, catalogs, Click's own strings,
local time, and the catalogs kept in step with the code."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from click.testing import CliRunner

from tests.helpers import Terminal, english_in
from trilingo import i18n, i18n_catalog
from trilingo.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    i18n.use("en")


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TRILINGO_UI_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    }
    env.update(extra)
    return env


def _trilingo(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trilingo", *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
    )


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        ([], {}, "en"),
        ([], {"LANG": "vi_VN.UTF-8"}, "vi"),
        ([], {"LANG": "C.UTF-8"}, "en"),
        ([], {"LANG": "fr_FR.UTF-8"}, "en"),
        ([], {"LC_MESSAGES": "lo_LA.UTF-8", "LANG": "vi_VN.UTF-8"}, "lo"),
        ([], {"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "lo_LA.UTF-8"}, "zh"),
        ([], {"LANGUAGE": "fr:zh_CN", "LANG": "vi_VN.UTF-8"}, "zh"),
        ([], {"TRILINGO_UI_LANG": "lo", "LANG": "vi_VN.UTF-8"}, "lo"),
        (["--ui-lang", "zh", "status"], {"TRILINGO_UI_LANG": "lo"}, "zh"),
        (["--ui-lang=vi", "status"], {"TRILINGO_UI_LANG": "lo"}, "vi"),
        (["--ui-lang", "en"], {"LANG": "vi_VN.UTF-8"}, "en"),
        (["submit", "--", "--ui-lang", "vi"], {}, "en"),
        (["users", "add", "somchai", "--ui-lang", "lo"], {}, "en"),
        (["--home", "w", "-q", "--ui-lang", "lo", "status"], {}, "lo"),
        (["--ui-lang", "xx"], {"TRILINGO_UI_LANG": "lo"}, "lo"),
    ],
)
def test_the_language_is_chosen_flag_then_variable_then_locale_then_english(
    argv: list[str], environ: dict[str, str], expected: str
) -> None:
    assert i18n.choose(argv, environ) == expected


def test_the_committed_template_holds_every_string_the_cli_shows() -> None:
    """Fails when a marked string, a command's help or a Click string is missing from the .pot (run
    `trilingo catalogs ui-extract`), or when the .pot holds one nobody shows."""
    wanted = [m.msgid for m in i18n_catalog.extract()]
    committed = [e.msgid for e in polib.pofile(str(i18n_catalog.pot_path())) if not e.obsolete]
    assert sorted(set(wanted) - set(committed)) == []
    assert sorted(set(committed) - set(wanted)) == []


def test_the_vietnamese_catalog_is_complete() -> None:
    [vi] = [s for s in i18n_catalog.status() if s.lang == "vi"]
    assert vi.missing == [] and vi.untranslated == []


REVIEWERS = (
    "command trilingo review",
    "command trilingo catalogs",
    "command trilingo glossary lookup",
    "click/",
)
REVIEWER_SOURCES = (
    "commands/review.py",
    "commands/interactive.py",
    "commands/document_view.py",
    "commands/editing.py",
)


@pytest.mark.parametrize("lang", ["lo", "zh"])
def test_the_lao_and_chinese_catalogs_cover_the_reviewers_commands(lang: str) -> None:
    po = {e.msgid: e for e in polib.pofile(str(i18n.po_path(lang))) if not e.obsolete}
    wanted = [
        m.msgid
        for m in i18n_catalog.extract()
        if m.where.startswith(REVIEWERS) or m.where.endswith(REVIEWER_SOURCES)
    ]
    assert len(wanted) > 50
    missing = [m for m in wanted if m not in po or not (po[m].msgstr or any(po[m].msgstr_plural.values()))]
    assert missing == []


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None} | set(
        re.findall(r"%\(\w+\)[sd]|%[sd]", text)
    )


@pytest.mark.parametrize("lang", i18n.ui_languages())
def test_every_translation_keeps_the_placeholders_of_its_english(lang: str) -> None:
    """A translation that drops or renames `{name}` would fail with a KeyError at the moment it is shown."""
    wrong = []
    for entry in polib.pofile(str(i18n.po_path(lang))):
        translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in filter(None, translations):
            try:
                if entry.msgid_plural:
                    # One form serves every number: it may use the singular's fields or the plural's
                    # (Click passes both), and no other.
                    ok = _fields(text) <= _fields(entry.msgid) | _fields(entry.msgid_plural)
                else:
                    ok = _fields(text) == _fields(entry.msgid)
            except ValueError:  # an unbalanced brace
                ok = False
            if not ok:
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_help_speaks_vietnamese_under_a_vietnamese_locale() -> None:
    done = _trilingo(["--help"], LANG="vi_VN.UTF-8")
    assert done.returncode == 0, done.stderr
    assert "Cách dùng:" in done.stdout and "Usage:" not in done.stdout
    review_short = i18n_catalog_translation("vi", "Review machine drafts: approve, fix or reject them.")
    assert review_short.split()[0] in done.stdout


def i18n_catalog_translation(lang: str, msgid: str) -> str:
    [entry] = [e for e in polib.pofile(str(i18n.po_path(lang))) if e.msgid == msgid]
    assert entry.msgstr
    return str(entry.msgstr)


def test_the_flag_wins_over_the_locale_and_a_reviewer_reads_lao() -> None:
    done = _trilingo(["--ui-lang", "lo", "review", "--help"], LANG="vi_VN.UTF-8")
    assert done.returncode == 0, done.stderr
    assert i18n_catalog_translation("lo", "Usage:") in done.stdout
    assert "Cách dùng:" not in done.stdout


def test_clicks_own_errors_are_translated_and_stay_one_line() -> None:
    done = _trilingo(["review", "queue", "--bogus"], TRILINGO_UI_LANG="vi")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(i18n_catalog_translation("vi", "Error: {message}").split("{")[0])
    assert "--bogus" in lines[-1]
    assert "No such option" not in done.stderr and "Usage:" not in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_interface_language_is_one_error_line() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--ui-lang", "xx", "status"])
    assert result.exit_code == 2
    assert "xx is not a language Trilingo speaks" in result.output


def test_the_flag_switches_a_command_loaded_in_english_in_the_same_process() -> None:
    runner = CliRunner()
    english = runner.invoke(cli, ["review", "--help"]).output
    lao = runner.invoke(cli, ["--ui-lang", "lo", "review", "--help"]).output
    i18n.use("en")
    again = runner.invoke(cli, ["--ui-lang", "en", "review", "--help"]).output
    assert english == again
    assert lao != english and i18n_catalog_translation("lo", "Usage:") in lao


def test_a_compiled_catalog_is_kept_and_compiled_again_when_its_po_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po_dir = tmp_path / "vi" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    po_file = po_dir / f"{i18n.DOMAIN}.po"
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
    catalog.append(polib.POEntry(msgid="Usage:", msgstr="Cách dùng:", flags=["fuzzy"]))
    catalog.save(str(po_file))
    monkeypatch.setattr(i18n, "po_path", lambda lang: tmp_path / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert i18n.load("vi").gettext("Usage:") == "Cách dùng:"  # fuzzy entries are used
    [cached] = (tmp_path / "cache" / "trilingo").glob("*.mo")
    compiled: list[Path] = []

    def compile_counted(po: Path) -> bytes:
        compiled.append(po)
        return b""

    monkeypatch.setattr(i18n, "_compile", compile_counted)
    assert i18n.load("vi").gettext("Usage:") == "Cách dùng:"  # from the cache
    assert compiled == []
    cached.write_bytes(b"not a catalog")
    monkeypatch.undo()
    monkeypatch.setattr(i18n, "po_path", lambda lang: tmp_path / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert i18n.load("vi").gettext("Usage:") == "Cách dùng:"  # a damaged cache is compiled again
    catalog[0].msgstr = "Cách sử dụng:"
    catalog.save(str(po_file))
    os.utime(po_file, ns=(po_file.stat().st_atime_ns, po_file.stat().st_mtime_ns + 10**9))
    assert i18n.load("vi").gettext("Usage:") == "Cách sử dụng:"


def test_english_loads_no_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "load", lambda _lang: pytest.fail("English must not read a catalog"))
    i18n.use("en")
    assert i18n._("Usage:") == "Usage:"
    assert i18n.ngettext("{n} run", "{n} runs", 2) == "{n} runs"


@pytest.mark.parametrize(
    ("lang", "expected", "time_only"),
    [
        ("vi", "07/12/2026 14:05", "14:05"),
        ("lo", "07/12/2026 14:05", "14:05"),
        ("zh", "2026-12-07 14:05", "14:05"),
        ("en", "2026-12-07 14:05", "14:05"),
    ],
)
def test_times_are_shown_in_the_gates_zone_as_people_there_write_them(
    lang: str, expected: str, time_only: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRILINGO_TIMEZONE", raising=False)
    i18n.use(lang)
    assert i18n.when("2026-12-07T07:05:00Z") == expected
    assert i18n.when("2026-12-07T07:05:00+00:00", date=False) == time_only
    assert i18n.when(None) == "-"


def test_another_zone_is_named_by_its_iana_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRILINGO_TIMEZONE", "Asia/Vientiane")
    i18n.use("en")
    assert i18n.when("2026-12-07T07:05:00Z") == "2026-12-07 14:05"
    assert i18n.zone_label() == "Asia/Vientiane"
    monkeypatch.setenv("TRILINGO_TIMEZONE", "Asia/Shanghai")
    assert i18n.when("2026-12-07T07:05:00Z") == "2026-12-07 15:05"
    monkeypatch.delenv("TRILINGO_TIMEZONE")
    assert i18n.zone_label() == "Vietnam time"


def _catalog(entries: dict[str, str]) -> Any:
    import gettext
    import io

    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
    for msgid, msgstr in entries.items():
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    return gettext.GNUTranslations(io.BytesIO(po.to_binary()))


@pytest.fixture
def vietnamese_core() -> Iterator[None]:
    """Vietnamese, with a catalog of a few core templates."""
    i18n.use("vi")
    i18n._state["translations"] = _catalog(
        {
            "unknown user {name!r}": "không có người dùng {name!r}",
            "could not read {path}: {reason}": "không đọc được {path}: {reason}",
            "the file is empty": "tệp trống",
            "{count} of {total} segments are not translated yet": "còn {count}/{total} đoạn chưa dịch",
            "script: only {share:.0%} of letters are {script}": "chữ viết: chỉ {share:.0%} là chữ {script}",
            "{a} then {a} again, and a long tail": "{a} rồi {a} lần nữa, và một đuôi dài",
            "the {language} translation is missing": "thiếu bản dịch {language}",
            "segment {n} is {state} now": "đoạn {n} giờ là {state}",
            "needs_review": "cần duyệt",
            # Two templates match "segment 3: numbers: missing 7": the one whose values all translate wins.
            "segment {n}: {error}: {reason}": "đoạn {n}: lỗi {error}: {reason}",
            "segment {n}: {message}": "đoạn {n}: {message}",
            "numbers: missing {numbers}": "số: thiếu {numbers}",
        }
    )
    yield
    i18n.use("en")


@pytest.mark.usefixtures("vietnamese_core")
def test_a_core_message_is_shown_from_its_templates_translation() -> None:
    assert i18n.retranslate("unknown user 'bo'") == "không có người dùng 'bo'"
    assert i18n.retranslate("3 of 12 segments are not translated yet") == "còn 3/12 đoạn chưa dịch"
    # A format spec in the template takes the value as it was written.
    assert i18n.retranslate("script: only 40% of letters are Latin") == "chữ viết: chỉ 40% là chữ Latin"
    # A language's English name, from the registry, in the person's language.
    assert (
        i18n.retranslate("the Simplified Chinese translation is missing")
        == "thiếu bản dịch Tiếng Trung (giản thể)"
    )
    # A state or a role (a msgid of its own, commands.labels) is shown translated inside a message too.
    assert i18n.retranslate("segment 2 is needs_review now") == "đoạn 2 giờ là cần duyệt"
    # A message inside a message is translated too.
    assert (
        i18n.retranslate("could not read /tmp/a.md: the file is empty")
        == "không đọc được /tmp/a.md: tệp trống"
    )
    # A field used twice must hold the same value both times.
    assert i18n.retranslate("x then x again, and a long tail") == "x rồi x lần nữa, và một đuôi dài"
    assert i18n.retranslate("x then y again, and a long tail") == "x then y again, and a long tail"
    assert i18n.retranslate("segment 3: numbers: missing 7") == "đoạn 3: số: thiếu 7"
    # What no template made is shown as it is.
    assert i18n.retranslate("sai thuật ngữ: 'Lào'") == "sai thuật ngữ: 'Lào'"
    assert i18n.retranslate("") == ""


def test_english_shows_a_core_message_as_it_is() -> None:
    i18n.use("en")
    assert i18n.retranslate("unknown user 'bo'") == "unknown user 'bo'"


# --- what a person sees, in Vietnamese and Lao ----------------------------------------------------

HOURS = "Cửa khẩu mở cửa từ 7 giờ 30 đến 19 giờ 30 hằng ngày.\n\nNgày mùng 1 Tết cửa khẩu nghỉ."


@pytest.fixture
def drafted(home: Path, db_url: str) -> Path:
    """A workspace with one notice, pretranslated offline, and a Lao reviewer."""
    from tests.helpers import add_users, write_notice
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting
    from trilingo.workspace import open_database

    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    add_users("lan", langs="lo")
    notice = write_notice(home.parent, "gio-mo-cua", HOURS, title="Giờ mở cửa")
    assert runner.invoke(cli, ["submit", str(notice)]).exit_code == 0
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    return home


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_english_is_left_in_the_vietnamese_output_of_the_everyday_commands(drafted: Path) -> None:
    from tests.helpers import write_notice

    again = write_notice(
        drafted.parent, "gio-mo-cua", HOURS.replace("19 giờ 30", "20 giờ"), title="Giờ mở cửa"
    )
    data = {"gio", "mo", "cua", "lan", "hours"}
    for args in (
        ["submit", str(again)],
        ["status"],
        ["runs"],
        ["review", "next", "--lang", "lo"],
        ["review", "queue"],
        ["review", "show", "gio-mo-cua", "--lang", "zh"],
        ["review", "approve", "gio-mo-cua", "--lang", "zh"],
    ):
        done = _trilingo(args, TRILINGO_UI_LANG="vi", TRILINGO_PREFECT_API_URL="http://127.0.0.1:9/api")
        output = done.stdout + done.stderr
        assert "Traceback" not in output, output
        assert english_in(output, data) == [], f"trilingo {' '.join(args)}:\n{output}"


@pytest.mark.usefixtures("drafted")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_lao_reviewer_works_the_review_screen_in_lao_on_a_terminal() -> None:
    """Through a pseudo-terminal, as a reviewer would: the screen, its prompt and its answers in Lao."""
    lao = {m: i18n_catalog_translation("lo", m) for m in ("decision", "Skipped: back in the queue.", "term")}
    screen = Terminal(
        [sys.executable, "-m", "trilingo", "--ui-lang", "lo", "review", "next", "--lang", "lo"],
        env={**_env(), "COLUMNS": "120", "TERM": "dumb"},
    )
    screen.until(lao["decision"])
    shown = screen.seen.decode(errors="replace")
    assert "gio-mo-cua [lo]" in shown
    assert "decision" not in shown and "Claimed for" not in shown
    screen.type("k\n")
    screen.until(lao["Skipped: back in the queue."])
    assert screen.wait() == 0


@pytest.mark.parametrize(
    ("lang", "expected"), [("vi", "12.345"), ("lo", "12.345"), ("zh", "12,345"), ("en", "12345")]
)
def test_numbers_are_written_as_the_language_writes_them(lang: str, expected: str) -> None:
    i18n.use(lang)
    assert i18n.number(12345) == expected
    assert i18n.number(999) == "999"


def test_the_workspaces_own_zone_comes_from_its_site_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import tomllib

    from trilingo import site
    from trilingo.errors import ConfigError

    monkeypatch.delenv("TRILINGO_TIMEZONE", raising=False)
    example = tomllib.loads(
        (Path(site.__file__).parent / "data" / "site-example.toml").read_text(encoding="utf-8")
    )
    assert site.parse(example).timezone == "Asia/Ho_Chi_Minh"
    assert site.parse({**example, "timezone": "Asia/Vientiane"}).timezone == "Asia/Vientiane"
    with pytest.raises(ConfigError, match="timezone 'Mars/Olympus' is not a time zone"):
        site.parse({**example, "timezone": "Mars/Olympus"})
    i18n.set_zone("Asia/Vientiane")
    try:
        assert i18n.zone_label() == "Asia/Vientiane"
        monkeypatch.setenv("TRILINGO_TIMEZONE", "Asia/Ho_Chi_Minh")  # the variable wins
        assert i18n.zone_label() == "Vietnam time"
    finally:
        i18n.set_zone(None)


@pytest.mark.usefixtures("vietnamese_core")
def test_a_list_of_core_messages_is_shown_part_by_part() -> None:
    i18n._state["translations"] = _catalog(
        {
            "{lang} not approved yet": "{lang} chưa được duyệt",
            "{slug}: nothing to do here": "{slug}: không có gì",
        }
    )
    i18n._state["templates"] = None
    assert i18n.retranslate("tay-trang: lo not approved yet, zh not approved yet") == (
        "tay-trang: lo chưa được duyệt, zh chưa được duyệt"
    )
    assert (
        i18n.retranslate("lo not approved yet; zh not approved yet")
        == "lo chưa được duyệt; zh chưa được duyệt"
    )
    # A part no template made keeps the whole line as it was made.
    line = "lo not approved yet, something else entirely"
    assert i18n.retranslate(line) == line
