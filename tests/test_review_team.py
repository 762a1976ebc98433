"""Review for a team: people and permissions, the four-eyes rule, checks that gate approval, dismissals,
comments, history, claims, and the ways to write a fix (stdin, $EDITOR, a memory suggestion)."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from tests.helpers import Terminal, add_users, write_notice
from trilingo.cli import cli
from trilingo.store.models import AuditEvent, DocLang
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

# Real notices: opening hours with times and a holiday, and one that names Laos.
HOURS = "Cửa khẩu mở cửa từ 7 giờ 30 đến 19 giờ 30 hằng ngày.\n\nNgày mùng 1 Tết cửa khẩu nghỉ."
LAOS = "Hàng hoá xuất sang Lào phải khai báo với Hải quan."


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str, stdin: str | None = None) -> str:
    code, out, err = run(*args, stdin=stdin)
    assert code == 0, out + err
    return out


def as_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json"))


@pytest.fixture
def team(home: Path, db_url: str) -> str:
    """A workspace whose admin (tester) added a Lao reviewer, two Chinese reviewers, an editor and an
    operator; two notices pretranslated by the offline engine; the four-eyes rule on."""
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting

    ok("init")  # the four-eyes rule is on in a new workspace
    add_users("lan", langs="lo")
    add_users("wei", "mei", langs="zh")
    add_users("ed", role="editor")
    add_users("op", role="operator")
    folder = home.parent
    ok("submit", str(write_notice(folder, "hours", HOURS, title="Giờ mở cửa")), "--as", "ed")
    ok("submit", str(write_notice(folder, "laos", LAOS, title="Hải quan")), "--as", "ed")
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    return db_url


def events(db_url: str, action: str | None = None) -> list[AuditEvent]:
    with TrilingoSession(open_database(db_url, "tester")) as s:
        query = select(AuditEvent).order_by(col(AuditEvent.id))
        if action:
            query = query.where(AuditEvent.action == action)
        return list(s.exec(query).all())


def fill(doc: str, lang: str, texts: list[str], who: str) -> None:
    for n, text in enumerate(texts, 1):
        ok("review", "edit", doc, "--lang", lang, "--segment", str(n), "--text", text, "--as", who)


ZH_HOURS = ["开放时间", "口岸每天7时30分至19时30分开放。", "大年初一口岸休息。"]
LO_HOURS = ["ເວລາເປີດ", "ດ່ານເປີດແຕ່ ໗ ໂມງ ໓໐ ຫາ ໑໙ ໂມງ ໓໐ ທຸກມື້.", "ວັນທີ 1 ຂອງບຸນເຕັດ ດ່ານປິດ."]


# --- people and permissions ---------------------------------------------------------------------

# (user, action, language) → allowed. Reviewers act in their own languages only; editors submit and
# comment; operators read and run the pipeline; admins do everything.
MATRIX = [
    ("lan", "edit", "lo", True),
    ("lan", "edit", "zh", False),
    ("wei", "edit", "zh", True),
    ("wei", "edit", "lo", False),
    ("ed", "edit", "zh", False),
    ("op", "edit", "lo", False),
    ("tester", "edit", "lo", True),
    ("lan", "comment", "zh", True),
    ("ed", "comment", "lo", True),
    ("op", "comment", "lo", False),
    ("ed", "reject", "zh", False),
    ("wei", "reject", "zh", True),
    ("lan", "reject", "zh", False),
    ("op", "reject", "zh", False),
    ("ed", "approve", "zh", False),
    ("op", "approve", "zh", False),
    ("lan", "approve", "zh", False),
    ("nobody", "comment", "zh", False),
]


def _attempt(action: str, lang: str, who: str) -> tuple[int, str, str]:
    if action == "edit":
        text = "ດ່ານເປີດ" if lang == "lo" else "口岸开放"
        return run("review", "edit", "laos", "--lang", lang, "--segment", "1", "--text", text, "--as", who)
    if action == "comment":
        return run("review", "comment", "laos", "--lang", lang, "xem lại", "--as", who)
    if action == "reject":
        return run("review", "reject", "laos", "--lang", lang, "--reason", "sai thuật ngữ", "--as", who)
    return run("review", "approve", "laos", "--lang", lang, "--as", who)


@pytest.mark.parametrize(("who", "action", "lang", "allowed"), MATRIX)
def test_permission_matrix(team: str, who: str, action: str, lang: str, allowed: bool) -> None:
    before = len(events(team))
    code, _out, err = _attempt(action, lang, who)
    if allowed:
        assert code == 0, err
        assert len(events(team)) > before
        return
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    refused = events(team)[before:]
    assert [(e.actor, e.action, e.detail["attempted"]) for e in refused] == [(who, "refused", action)]


@pytest.mark.usefixtures("team")
def test_refusal_messages_say_why() -> None:
    assert run("review", "edit", "laos", "--lang", "zh", "--segment", "1", "--text", "口岸", "--as", "lan")[
        2
    ] == ("Error: lan reviews lo, not zh\n")
    assert run("review", "approve", "laos", "--lang", "zh", "--as", "ed")[2] == (
        "Error: ed is an editor, who may not approve translations\n"
    )
    assert "unknown user 'nobody'" in run("review", "queue", "--as", "nobody")[2]
    assert run("users", "add", "x", "--role", "editor", "--as", "wei")[2] == (
        "Error: wei is a reviewer, who may not manage users\n"
    )


def test_users_commands(team: str) -> None:
    people = {p["name"]: p for p in as_json("users", "list")}
    assert (people["tester"]["role"], people["lan"]["langs"], people["wei"]["langs"]) == (
        "admin",
        ["lo"],
        ["zh"],
    )
    assert ok("users", "disable", "wei") == "wei: disabled\n"
    code, _, err = run("review", "comment", "laos", "--lang", "zh", "hi", "--as", "wei")
    assert (code, err) == (1, "Error: wei is disabled; an admin can enable them again\n")
    ok("users", "disable", "wei", "--enable")
    assert (
        run("users", "disable", "tester")[2] == "Error: tester is the last admin; add another admin first\n"
    )
    assert (
        run("users", "add", "x", "--role", "reviewer")[2]
        == "Error: a reviewer needs --lang (lo or zh, or several, comma-separated)\n"
    )
    # A reviewer's languages change with `users add` again; it is audited with what it was before.
    ok("users", "add", "lan", "--role", "reviewer", "--lang", "lo,zh")
    change = events(team, "user-add")[-1]
    assert change.detail["before"] == {"role": "reviewer", "langs": ["lo"], "disabled": False}


def test_first_user_of_a_fresh_workspace_becomes_admin(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from trilingo import identity

    # Nobody may name themselves into an empty workspace: its admin is the account that sets it up.
    code, _, err = run("init", "--as", "chief")
    assert (code, err) == (
        1,
        "Error: nobody is in this workspace yet, so nobody may act as 'chief': run `trilingo init` as yourself "
        "(tester) first, without --as or TRILINGO_USER; you become its admin\n",
    )
    monkeypatch.setattr(identity, "os_account", lambda: "chief")
    out = ok("init")
    assert "chief is the workspace's first user and its admin" in out
    assert [(p["name"], p["role"]) for p in as_json("users", "list")] == [("chief", "admin")]
    monkeypatch.setattr(identity, "os_account", lambda: "tester")
    assert "unknown user 'tester'" in run("submit", str(write_notice(home.parent, "a", "Câu.")))[2]


def test_four_eyes_rule_and_its_setting(team: str) -> None:
    fill("hours", "zh", ZH_HOURS, "wei")
    code, _, err = run("review", "approve", "hours", "--lang", "zh", "--as", "wei")
    assert code == 1
    assert err == (
        "Error: four-eyes rule: wei last changed segment(s) 1, 2, 3 of hours [zh]; another reviewer of zh must "
        "approve it\n"
    )
    assert events(team, "refused")[-1].detail["attempted"] == "approve"
    # Another reviewer of the language may.
    assert "approved" in ok("review", "approve", "hours", "--lang", "zh", "--as", "mei")
    assert events(team, "approve")[-1].detail["four_eyes"] is True
    # An admin's setting turns it off, with a reason, audited; status says so.
    fill("hours", "lo", LO_HOURS, "lan")
    ok("settings", "set", "four_eyes", "off", "--reason", "Lan works alone this week")
    change = events(team, "setting")[-1]
    assert (change.actor, change.old, change.new, change.detail["reason"]) == (
        "tester",
        "True",
        "False",
        "Lan works alone this week",
    )
    assert "four-eyes rule is OFF" in ok("status")
    assert as_json("status")["four_eyes"] is False
    ok(
        "review",
        "approve",
        "hours",
        "--lang",
        "lo",
        "--as",
        "lan",
        "--accept-warnings",
        "--reason",
        "ngày Tết",
    )
    assert events(team, "approve")[-1].detail["four_eyes"] is False
    ok("settings", "set", "four_eyes", "on", "--reason", "back to two")
    assert "four-eyes" not in ok("status")


# --- checks that gate approval -----------------------------------------------------------------


def checks_of(doc: str, lang: str, n: int) -> list[dict[str, Any]]:
    view = as_json("review", "show", doc, "--lang", lang)
    return view["segments"][n - 1]["checks"]


def codes(doc: str, lang: str, n: int) -> list[str]:
    return [c["code"] for c in checks_of(doc, lang, n) if "dismissed" not in c]


@pytest.mark.usefixtures("team")
def test_chinese_numbers_and_lao_digits_are_numbers() -> None:
    fill("hours", "zh", ZH_HOURS, "wei")
    fill("hours", "lo", LO_HOURS, "lan")
    # 大年初一 is "mùng 1 Tết"; 7时30分 keeps 7 and 30; ໗ ໂມງ ໓໐ is 7:30 in Lao digits.
    assert [codes("hours", "zh", n) for n in (1, 2, 3)] == [[], [], []]
    assert [codes("hours", "lo", n) for n in (1, 2, 3)] == [[], [], []]
    # A wrong hour is a warning, in either script.
    ok(
        "review",
        "edit",
        "hours",
        "--lang",
        "zh",
        "--segment",
        "2",
        "--text",
        "口岸每天8时30分至19时30分开放。",
        "--as",
        "wei",
    )
    assert codes("hours", "zh", 2) == ["numbers"]
    ok(
        "review",
        "edit",
        "hours",
        "--lang",
        "lo",
        "--segment",
        "2",
        "--text",
        "ດ່ານເປີດແຕ່ ໘ ໂມງ ໓໐ ຫາ ໑໙ ໂມງ ໓໐.",
        "--as",
        "lan",
    )
    assert codes("hours", "lo", 2) == ["numbers"]


@pytest.mark.parametrize(
    ("lang", "text", "code"),
    [
        ("zh", "货物出口到寮国须向海关申报。", "forbidden"),  # 寮国 is Taiwan usage: 老挝
        ("zh", "貨物出口到老挝須向海关申報。", "traditional"),
        ("lo", "สินค้าส่งออกไปลาวต้องแจ้งพาสี", "thai"),
        ("lo", "Goods to Laos must be declared to customs", "script"),
        ("zh", "Hàng hoá xuất sang Lào phải khai báo với Hải quan.", "unchanged"),
        ("zh", "货物出口到老挝须向{1}申报。", "placeholder"),
    ],
)
def test_blocking_checks_stop_approval(team: str, lang: str, text: str, code: str) -> None:
    reviewer, other = ("wei", "mei") if lang == "zh" else ("lan", "tester")
    title = "海关" if lang == "zh" else "ພາສີ"
    ok("review", "edit", "laos", "--lang", lang, "--segment", "1", "--text", title, "--as", reviewer)
    edited = json.loads(
        ok(
            "review",
            "edit",
            "laos",
            "--lang",
            lang,
            "--segment",
            "2",
            "--text",
            text,
            "--as",
            reviewer,
            "--json",
        )
    )
    assert code in [c["code"] for c in edited["checks"] if c["level"] == "block"]
    before = len(events(team, "approve"))
    code_, _, err = run(
        "review", "approve", "laos", "--lang", lang, "--as", other, "--accept-warnings", "--reason", "x"
    )
    assert code_ == 1 and err.startswith(f"Error: cannot approve laos [{lang}]: segment 2: "), err
    assert len(events(team, "approve")) == before
    # A blocking check cannot be dismissed.
    code_, _, err = run(
        "review",
        "dismiss",
        "laos",
        "--lang",
        lang,
        "--segment",
        "2",
        "--check",
        code,
        "--reason",
        "x",
        "--as",
        other,
    )
    assert (code_, "is a blocking check" in err) == (1, True)


@pytest.mark.usefixtures("team")
def test_edit_prints_the_checks_of_the_new_text() -> None:
    out = ok(
        "review",
        "edit",
        "laos",
        "--lang",
        "zh",
        "--segment",
        "2",
        "--text",
        "货物出口到寮国须申报。",
        "--as",
        "wei",
    )
    assert "✗ blocks approval [forbidden]" in out
    assert "! warning [term]: glossary: missing 海关" in out
    out = ok(
        "review",
        "edit",
        "laos",
        "--lang",
        "zh",
        "--segment",
        "2",
        "--text",
        "货物出口到老挝须向海关申报。",
        "--as",
        "wei",
    )
    assert "checks: all passed" in out


def test_warnings_need_a_decision_dismissed_or_accepted(team: str) -> None:
    fill("hours", "zh", ["开放时间", "口岸每天开放。", "大年初一口岸休息。"], "wei")
    code, _, err = run("review", "approve", "hours", "--lang", "zh", "--as", "mei")
    assert (
        code == 1
        and "1 warning(s) need a decision: segment 2: numbers: missing in the translation: 19, 30, 7" in err
    )
    # Dismissed on its segment, with a reason: audited, and shown.
    ok(
        "review",
        "dismiss",
        "hours",
        "--lang",
        "zh",
        "--segment",
        "2",
        "--check",
        "numbers",
        "--reason",
        "giờ ghi ở biển",
        "--as",
        "mei",
    )
    assert checks_of("hours", "zh", 2)[0]["dismissed"]["reason"] == "giờ ghi ở biển"
    assert events(team, "dismiss")[-1].detail["check"] == "numbers"
    # A new text brings the warning back.
    ok("review", "edit", "hours", "--lang", "zh", "--segment", "2", "--text", "口岸每日开放。", "--as", "wei")
    assert codes("hours", "zh", 2) == ["numbers"]
    assert run("review", "approve", "hours", "--lang", "zh", "--as", "mei")[0] == 1
    # Or accepted at approval, with a reason, which is audited with the warnings it accepted.
    assert run("review", "approve", "hours", "--lang", "zh", "--as", "mei", "--accept-warnings")[0] == 2
    ok(
        "review",
        "approve",
        "hours",
        "--lang",
        "zh",
        "--as",
        "mei",
        "--accept-warnings",
        "--reason",
        "giờ ghi ở biển",
    )
    accepted = events(team, "accept-warnings")[-1]
    assert (accepted.actor, accepted.detail["reason"], accepted.detail["warnings"][0]["code"]) == (
        "mei",
        "giờ ghi ở biển",
        "numbers",
    )


def test_starter_memory_needs_native_review() -> None:
    """A draft from the shipped (starter) memory is a warning until a person decides."""
    from trilingo.review import checks

    found = checks.for_segment(
        "Hải quan",
        "海关",
        "zh",
        None,
        kind="title",
        channels=[],
        detail={"tm_origin": "starter", "needs_native_review": True},
    )
    assert [f.code for f in found] == ["native"]
    approved = {"tm_origin": "approved"}
    assert (
        checks.for_segment("Hải quan", "海关", "zh", None, kind="title", channels=[], detail=approved) == []
    )


def test_over_length_where_a_channel_sets_a_limit() -> None:
    from trilingo.review import checks
    from trilingo.text.limits import Limits

    limit = checks.segment_limit(["web", "screens"], Limits().channel_limits())
    assert limit == ("screens", 160)
    assert checks.segment_limit(["web"], Limits().channel_limits()) is None
    text = "出境旅客须出示有效护照。" * 14
    source = "Hành khách xuất cảnh phải xuất trình hộ chiếu còn hạn."
    found = checks.for_segment(source, text, "zh", None, kind="screen", channels=["web", "screens"])
    assert [(f.code, f.level) for f in found] == [("length", "warn")]
    assert found[0].message == "length: 168 characters; screens shows at most 160"
    # Only the screen summary is held to it, and only when the notice goes to the screens.
    assert checks.for_segment(source, text, "zh", None, kind="paragraph", channels=["screens"]) == []
    assert checks.for_segment(source, text, "zh", None, kind="screen", channels=["web"]) == []
    tighter = checks.for_segment(
        source, text, "zh", None, kind="screen", channels=[], limits={"screens": 100}
    )
    assert tighter[0].message == "length: 168 characters; screens shows at most 100"  # none named: all


@pytest.mark.usefixtures("team")
def test_the_screen_summary_is_reviewed_and_only_it_has_the_screen_limit(home: Path) -> None:
    path = home.parent / "man-hinh.md"
    path.write_text(
        "---\ntitle: Xuất cảnh\nslug: man-hinh\nchannels: [web, screens]\ngates: [tay-trang]\n"
        "screen: Xuất trình hộ chiếu tại quầy.\n---\n"
        + "Hành khách xuất trình hộ chiếu còn hạn. " * 6
        + "\n",
        encoding="utf-8",
    )
    ok("submit", str(path), "--as", "ed")
    view = as_json("review", "show", "man-hinh", "--lang", "zh")
    screen = view["segments"][-1]
    assert screen["source"] == "Xuất trình hộ chiếu tại quầy." and screen["target"] is None
    n = str(screen["n"])
    long_text = "请在柜台出示护照。" * 20
    out = as_json(
        "review", "edit", "man-hinh", "--lang", "zh", "--segment", n, "--text", long_text, "--as", "wei"
    )
    assert [c["code"] for c in out["checks"] if c["code"] == "length"] == ["length"]
    body = as_json(
        "review", "edit", "man-hinh", "--lang", "zh", "--segment", "2", "--text", long_text, "--as", "wei"
    )
    assert "length" not in [c["code"] for c in body["checks"]]  # the body is not shown on a screen


# --- writing a fix --------------------------------------------------------------------------


@pytest.mark.usefixtures("team")
def test_edit_text_from_stdin_and_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(
        "review",
        "edit",
        "laos",
        "--lang",
        "zh",
        "--segment",
        "1",
        "--text",
        "-",
        "--as",
        "wei",
        stdin="海关\n",
    )
    editor = tmp_path / "fake-editor"
    # An editor that keeps the draft's first line, appends a word, and leaves the comment lines alone.
    editor.write_text("#!/bin/sh\nsed -i '1s/$/（新）/' \"$1\"\n", encoding="utf-8")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.setenv("VISUAL", str(editor))
    ok("review", "edit", "laos", "--lang", "zh", "--segment", "1", "--editor", "--as", "wei")
    view = as_json("review", "show", "laos", "--lang", "zh")
    assert view["segments"][0]["target"] == "海关（新）"
    assert run("review", "edit", "laos", "--lang", "zh", "--segment", "1", "--as", "wei")[0] == 2
    assert (
        "nothing was given"
        in run(
            "review", "edit", "laos", "--lang", "zh", "--segment", "1", "--text", "-", "--as", "wei", stdin=""
        )[2]
    )


@pytest.mark.usefixtures("team")
def test_use_suggestion_takes_a_memory_match() -> None:
    fill("laos", "zh", ["海关", "货物出口到老挝须向海关申报。"], "wei")
    ok("review", "approve", "laos", "--lang", "zh", "--as", "mei")
    # A similar sentence in a new notice gets the approved one as suggestion 1.
    path = write_notice(
        Path(os.environ["TRILINGO_HOME"]).parent,
        "laos2",
        "Hàng hoá xuất sang Lào phải khai báo với Hải quan ngay.",
        title="Hải quan",
    )
    ok("submit", str(path), "--as", "ed")
    view = as_json("review", "show", "laos2", "--lang", "zh")
    suggestions = view["segments"][1]["suggestions"]
    assert suggestions[0]["n"] == 1 and suggestions[0]["target"] == "货物出口到老挝须向海关申报。"
    ok("review", "edit", "laos2", "--lang", "zh", "--segment", "2", "--use-suggestion", "1", "--as", "wei")
    assert (
        as_json("review", "show", "laos2", "--lang", "zh")["segments"][1]["target"]
        == "货物出口到老挝须向海关申报。"
    )
    assert (
        "has no suggestion 9"
        in run(
            "review",
            "edit",
            "laos2",
            "--lang",
            "zh",
            "--segment",
            "2",
            "--use-suggestion",
            "9",
            "--as",
            "wei",
        )[2]
    )


@pytest.mark.usefixtures("team")
def test_stale_edit_is_refused_with_who_and_when() -> None:
    seen = as_json("review", "show", "laos", "--lang", "zh")["segments"][1]["row_version"]
    ok("review", "edit", "laos", "--lang", "zh", "--segment", "2", "--text", "货物须申报。", "--as", "mei")
    code, _, err = run(
        "review",
        "edit",
        "laos",
        "--lang",
        "zh",
        "--segment",
        "2",
        "--text",
        "别的。",
        "--expect",
        str(seen),
        "--as",
        "wei",
    )
    assert code == 10 and "was changed by mei at " in err and "Re-open it" in err
    assert as_json("review", "show", "laos", "--lang", "zh")["segments"][1]["target"] == "货物须申报。"


# --- reasons, comments, history, diff ----------------------------------------------------------


@pytest.mark.usefixtures("team")
def test_rejection_reason_stays_until_approval_and_history_shows_all() -> None:
    fill("laos", "zh", ["海关", "货物出口到老挝须申报。"], "wei")
    ok(
        "review",
        "reject",
        "laos",
        "--lang",
        "zh",
        "--code",
        "terminology",
        "--reason",
        "thiếu 海关",
        "--as",
        "mei",
    )
    ok(
        "review",
        "edit",
        "laos",
        "--lang",
        "zh",
        "--segment",
        "2",
        "--text",
        "货物出口到老挝须向海关申报。",
        "--as",
        "wei",
    )
    view = as_json("review", "show", "laos", "--lang", "zh")
    assert view["reason"] == "terminology: thiếu 海关"
    assert "rejected: terminology: thiếu 海关" in ok("review", "queue", "--lang", "zh")
    ok("review", "comment", "laos", "--lang", "zh", "--segment", "2", "đã thêm 海关", "--as", "wei")
    ok("review", "comment", "laos", "--lang", "zh", "nhờ chị Mei xem", "--as", "ed")
    view = as_json("review", "show", "laos", "--lang", "zh")
    assert [c["text"] for c in view["segments"][1]["comments"]] == ["đã thêm 海关"]
    assert [c["author"] for c in view["comments"]] == ["ed"]
    ok("review", "approve", "laos", "--lang", "zh", "--as", "mei")
    assert as_json("review", "show", "laos", "--lang", "zh")["reason"] is None
    trail = as_json("review", "history", "laos", "--lang", "zh")
    actions = [(e["actor"], e["action"], e["segment"]) for e in trail]
    assert actions[0] == ("ed", "submit", None)
    assert ("mei", "reject", None) in actions and actions[-1] == ("mei", "approve", None)
    edit = [e for e in trail if e["action"] == "edit" and e["segment"] == 2][-1]
    assert (edit["old"], edit["new"]) == ("货物出口到老挝须申报。", "货物出口到老挝须向海关申报。")
    reject = next(e for e in trail if e["action"] == "reject")
    assert (reject["reason"], reject["detail"]["code"]) == ("thiếu 海关", "terminology")
    text = ok("review", "history", "laos", "--lang", "zh")
    assert "mei  reject" in text and "reason: thiếu 海关" in text and "was: 货物出口到老挝须申报。" in text


@pytest.mark.usefixtures("team")
def test_show_diff_source_and_draft_since_approval(home: Path) -> None:
    fill("laos", "zh", ["海关", "货物出口到老挝须向海关申报。"], "wei")
    ok("review", "approve", "laos", "--lang", "zh", "--as", "mei")
    path = write_notice(home.parent, "laos", LAOS + "\n\nMở cửa từ 7 giờ.", title="Hải quan")
    ok("submit", str(path), "--as", "ed")
    ok("review", "edit", "laos", "--lang", "zh", "--segment", "3", "--text", "7时开放。", "--as", "wei")
    view = as_json("review", "show", "laos", "--lang", "zh", "--diff")
    assert "+Mở cửa từ 7 giờ." in view["source_diff"]
    assert "+7时开放。" in view["target_diff"] and view["approved_version"] == 1
    text = ok("review", "show", "laos", "--lang", "zh", "--diff")
    assert "Source since the approved version v1:" in text and "+Mở cửa từ 7 giờ." in text


@pytest.mark.usefixtures("team")
def test_every_review_command_has_a_json_contract() -> None:
    out = as_json("review", "edit", "laos", "--lang", "zh", "--segment", "1", "--text", "海关", "--as", "wei")
    assert set(out) >= {"document", "slug", "lang", "state", "detail", "checks", "segment"}
    out = as_json("review", "comment", "laos", "--lang", "zh", "ok", "--as", "wei")
    assert out["detail"] == "comment added on the document"
    out = as_json("review", "reject", "laos", "--lang", "zh", "--reason", "sai", "--as", "wei")
    assert (out["state"], out["detail"]) == ("rejected", "sai")
    ok(
        "review",
        "edit",
        "laos",
        "--lang",
        "zh",
        "--segment",
        "2",
        "--text",
        "货物出口到老挝须向海关申报。",
        "--as",
        "wei",
    )
    out = as_json("review", "approve", "laos", "--lang", "zh", "--as", "mei")
    assert out["state"] == "approved" and isinstance(out["release"], int)
    assert isinstance(as_json("review", "history", "laos", "--lang", "zh"), list)
    assert isinstance(as_json("review", "queue"), list)


# --- claims ------------------------------------------------------------------------------


@pytest.mark.usefixtures("team")
def test_next_claims_the_oldest_item_and_the_lease_expires(db_url: str) -> None:
    first = as_json("review", "next", "--lang", "zh", "--as", "wei")
    assert (first["slug"], first["claimed_by"]) == ("hours", "wei")
    # The same reviewer gets the same item back; another gets the next one.
    assert as_json("review", "next", "--lang", "zh", "--as", "wei")["slug"] == "hours"
    assert as_json("review", "next", "--lang", "zh", "--as", "mei")["slug"] == "laos"
    queue = {i["slug"]: i["claimed_by"] for i in as_json("review", "queue", "--lang", "zh")}
    assert queue == {"hours": "wei", "laos": "mei"}
    # Others cannot act on a claimed item.
    code, _, err = run(
        "review", "edit", "hours", "--lang", "zh", "--segment", "1", "--text", "开放时间", "--as", "mei"
    )
    assert code == 10 and "is claimed by wei until" in err
    # Nothing left for a third reviewer; an abandoned claim returns when its lease expires.
    add_users("bo", langs="zh")
    assert as_json("review", "next", "--lang", "zh", "--as", "bo") is None
    with TrilingoSession(open_database(db_url, "tester")) as s:
        dl = s.exec(select(DocLang).where(DocLang.claimed_by == "wei")).one()
        assert dl.claim_expires is not None
        dl.claim_expires -= timedelta(minutes=31)
        s.add(dl)
        s.commit()
    assert as_json("review", "next", "--lang", "zh", "--as", "bo")["slug"] == "hours"
    claims = events(db_url, "claim")
    assert [e.actor for e in claims] == ["wei", "wei", "mei", "bo"]
    assert claims[-1].detail["expired_claim_of"] == "wei"


@pytest.mark.usefixtures("team")
def test_next_without_a_terminal_prints_and_never_prompts() -> None:
    out = ok("review", "next", "--lang", "lo", "--as", "lan")
    assert "Claimed for 30 minutes" in out and "hours [lo]" in out
    assert ok("review", "next", "--lang", "lo", "--as", "tester").startswith("#")
    add_users("ka", langs="lo")
    assert ok("review", "next", "--lang", "lo", "--as", "ka") == "Nothing is waiting in lo.\n"


@pytest.mark.usefixtures("team")
def test_next_on_a_terminal_lays_out_the_item_and_takes_decisions(db_url: str) -> None:
    """Through a pseudo-terminal, as a reviewer would: dismiss a warning, then skip (back to the queue)."""
    import sys

    fill("hours", "lo", ["ເວລາເປີດ", "ດ່ານເປີດແຕ່ເຊົ້າ.", "ວັນທີ 1 ຂອງບຸນເຕັດ ດ່ານປິດ."], "lan")
    term = Terminal(
        [sys.executable, "-m", "trilingo", "review", "next", "--lang", "lo", "--as", "tester"],
        env={**os.environ, "COLUMNS": "120", "TERM": "dumb"},
    )
    term.until(b"decision")
    screen = term.seen.decode(errors="replace")
    assert "hours [lo]" in screen and "segment 2" in screen
    assert "[numbers] numbers: missing in the translation: 19, 30, 7" in screen
    term.type("d 2 numbers\n")
    term.until(b"why does it not apply")
    term.type("giờ ghi ở biển\n")
    term.until(b"numbers dismissed on segment 2")
    term.type("k\n")
    term.until(b"Skipped: back in the queue.")
    assert term.wait() == 0
    assert [e.action for e in events(db_url)[-3:]] == ["claim", "dismiss", "release-claim"]


@pytest.mark.usefixtures("team")
def test_editor_without_a_terminal_or_editor_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    code, _, err = run("review", "edit", "laos", "--lang", "zh", "--segment", "1", "--editor", "--as", "wei")
    assert (code, err) == (
        1,
        "Error: --editor needs a terminal (or $EDITOR); to pipe the text in, use --text -\n",
    )
