"""Who acts is proved, never typed (locally): the account running the command, `--as` only for admins
(audited as both), the four-eyes rule a workspace setting nobody switches off for one command, every
command refusing an unknown user, and terms and memory following the per-language roles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from tests.helpers import add_users, write_notice
from trilingo import identity
from trilingo.cli import cli
from trilingo.store.models import AuditEvent
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent
LAOS = "Hàng hoá xuất sang Lào phải khai báo với Hải quan."


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, out + err
    return out


def events(db_url: str, action: str | None = None) -> list[AuditEvent]:
    with TrilingoSession(open_database(db_url, "tester")) as s:
        query = select(AuditEvent).order_by(col(AuditEvent.id))
        if action:
            query = query.where(AuditEvent.action == action)
        return list(s.exec(query).all())


def snapshot(db_url: str) -> dict[str, list[tuple]]:
    """Every table but the audit log, whole: a refusal changes nothing but the log."""
    from sqlalchemy import inspect, text

    db = open_database(db_url, "tester")
    with db.connect() as conn:
        names = sorted(n for n in inspect(conn).get_table_names() if n != "auditevent")
        return {
            n: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{n}"')).all()), key=repr) for n in names
        }


def as_account(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Run the next commands as another operating-system account (the tests run as `tester`)."""
    monkeypatch.setattr(identity, "os_account", lambda: name)


@pytest.fixture
def office(home: Path, db_url: str) -> str:
    """tester (the admin who set it up), an editor ed, Lao reviewers rlo and rlo2, a Chinese reviewer wei,
    and a notice drafted by the offline engine; the four-eyes rule on, as in any new workspace."""
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting

    ok("init")
    add_users("ed", role="editor")
    add_users("rlo", "rlo2", langs="lo")
    add_users("wei", langs="zh")
    ok("submit", str(write_notice(home.parent, "laos", LAOS, title="Hải quan")), "--as", "ed")
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    return db_url


def test_the_account_is_read_from_the_user_id_not_from_the_environment() -> None:
    import pwd

    env = {k: v for k, v in os.environ.items() if k != "TRILINGO_TEST_ACCOUNT"}
    env.update(LOGNAME="boss", USER="boss", USERNAME="boss", LNAME="boss")
    done = subprocess.run(
        [sys.executable, "-c", "import trilingo.identity as i; print(i.os_account())"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    assert done.stdout.strip() == pwd.getpwuid(os.geteuid()).pw_name != "boss"


def test_an_editor_cannot_make_himself_admin_with_as(office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(office)
    as_account(monkeypatch, "ed")
    code, _, err = run("users", "add", "ed", "--role", "admin", "--as", "boss")
    assert (code, err) == (
        1,
        "Error: only an admin may act as another user (--as or TRILINGO_USER): ed is an editor; run the "
        "command as yourself, without --as boss\n",
    )
    assert snapshot(office) == before
    refused = events(office, "refused")[-1]
    assert (refused.actor, refused.via, refused.detail["attempted"], refused.detail["as_user"]) == (
        "ed",
        None,
        "act-as",
        "boss",
    )
    # TRILINGO_USER is the same request, and gets the same answer.
    monkeypatch.setenv("TRILINGO_USER", "boss")
    assert run("users", "add", "ed", "--role", "admin")[0] == 1
    assert snapshot(office) == before


def test_an_account_nobody_added_cannot_name_itself_anyone(
    office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(office)
    as_account(monkeypatch, "intruder")
    code, _, err = run("users", "add", "intruder", "--role", "admin", "--as", "tester")
    assert code == 1 and "intruder is not known here" in err
    code, _, err = run("users", "add", "intruder", "--role", "admin")
    assert (code, err) == (
        1,
        "Error: unknown user 'intruder': an admin adds people with `trilingo users add intruder --role …`\n",
    )
    assert snapshot(office) == before


def test_an_admin_acting_as_someone_is_audited_as_both(office: str) -> None:
    ok("review", "comment", "laos", "--lang", "lo", "xem lại thuật ngữ", "--as", "rlo")
    comment = events(office, "comment")[-1]
    assert (comment.actor, comment.via) == ("rlo", "tester")
    history = ok("review", "history", "laos", "--lang", "lo")
    assert "tester as rlo  comment" in history
    assert "tester as rlo" in ok("whoami", "--as", "rlo")


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--json"],
        ["runs"],
        ["review", "queue"],
        ["users", "list"],
        ["glossary", "lookup", "cửa khẩu"],
        ["glossary", "export"],
        ["glossary", "check"],
        ["glossary", "impact"],
        ["catalogs", "export", "--lang", "lo"],
        ["settings", "show"],
        ["whoami"],
        ["publish"],  # its check runs without the ORM (trilingo.access.may), audited all the same
    ],
)
def test_every_command_refuses_an_unknown_user(
    office: str, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", "http://127.0.0.1:9/api")
    as_account(monkeypatch, "stranger")
    code, out, err = run(*args)
    assert (code, out) == (1, "")
    assert (
        err
        == "Error: unknown user 'stranger': an admin adds people with `trilingo users add stranger --role …`\n"
    )
    assert events(office, "refused")[-1].actor == "stranger"


def test_an_editor_may_not_publish_and_is_audited(office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", "http://127.0.0.1:9/api")
    as_account(monkeypatch, "ed")
    code, out, err = run("publish")
    assert (code, out) == (1, "")
    assert err.startswith("Error: ed is an editor") and err.count("\n") == 1, err
    refused = events(office, "refused")[-1]
    assert (refused.actor, refused.detail["attempted"]) == ("ed", "pipeline")


@pytest.mark.usefixtures("office")
def test_tm_export_refuses_an_unknown_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    as_account(monkeypatch, "stranger")
    code, _, err = run("tm", "export", str(tmp_path / "out.tmx"))
    assert code == 1 and "unknown user 'stranger'" in err
    assert not (tmp_path / "out.tmx").exists()


# --- the four-eyes rule --------------------------------------------------------------------------------


LO = ["ພາສີ", "ສິນຄ້າສົ່ງອອກໄປລາວຕ້ອງແຈ້ງພາສີ."]


def _edit_as_rlo(monkeypatch: pytest.MonkeyPatch) -> None:
    as_account(monkeypatch, "rlo")
    for n, text in enumerate(LO, 1):
        ok("review", "edit", "laos", "--lang", "lo", "--segment", str(n), "--text", text)


def test_four_eyes_holds_against_one_person_with_two_names(
    office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit_as_rlo(monkeypatch)
    before = snapshot(office)
    code, _, err = run("review", "approve", "laos", "--lang", "lo", "--as", "rlo2")
    assert code == 1 and "only an admin may act as another user" in err
    code, _, err = run("review", "approve", "laos", "--lang", "lo")
    assert code == 1 and err.startswith("Error: four-eyes rule: rlo last changed segment(s) 1, 2")
    assert snapshot(office) == before
    # The other Lao reviewer, as himself, may.
    as_account(monkeypatch, "rlo2")
    ok("review", "approve", "laos", "--lang", "lo")
    approval = events(office, "approve")[-1]
    assert (approval.actor, approval.via, approval.detail["four_eyes"]) == ("rlo2", None, True)


def test_four_eyes_is_not_read_from_the_environment_or_the_config_file(
    office: str, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    _edit_as_rlo(monkeypatch)
    before = snapshot(office)
    monkeypatch.setenv("TRILINGO_FOUR_EYES", "off")
    code, _, err = run("review", "approve", "laos", "--lang", "lo")
    assert code == 2
    assert err == (
        "Error: the four-eyes rule is no longer read from TRILINGO_FOUR_EYES: it is a workspace setting that only "
        "an admin changes, with a reason (`trilingo settings set four_eyes off --reason …`); remove it from "
        "TRILINGO_FOUR_EYES\n"
    )
    monkeypatch.delenv("TRILINGO_FOUR_EYES")
    (home / "config.toml").write_text("four_eyes = false\n", encoding="utf-8")
    code, _, err = run("review", "approve", "laos", "--lang", "lo")
    assert code == 2 and "no longer read from" in err and "config.toml" in err
    (home / "config.toml").unlink()
    # Nor from a flag: there is none to give.
    code, _, err = run("review", "approve", "laos", "--lang", "lo", "--four-eyes", "off")
    assert code == 2 and "No such option" in err
    assert snapshot(office) == before


def test_only_an_admin_changes_the_rule_and_status_reads_it(
    office: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_account(monkeypatch, "rlo")
    before = snapshot(office)
    code, _, err = run("settings", "set", "four_eyes", "off", "--reason", "tôi làm một mình")
    assert (code, err) == (1, "Error: rlo is a reviewer, who may not change the workspace's rules\n")
    assert snapshot(office) == before
    as_account(monkeypatch, "tester")
    assert run("settings", "set", "four_eyes", "off")[0] == 2  # --reason is required
    assert (
        run("settings", "set", "four_eyes", "maybe", "--reason", "x")[2]
        == "Error: expected on or off, got 'maybe'\n"
    )
    ok("settings", "set", "four_eyes", "off", "--reason", "one-person office")
    assert "four_eyes = off (set by tester" in ok("settings", "show")
    assert "four-eyes rule is OFF" in ok("status")
    _edit_as_rlo(monkeypatch)
    ok("review", "approve", "laos", "--lang", "lo")
    assert events(office, "approve")[-1].detail["four_eyes"] is False


# --- terms and memory by language ------------------------------------------------------------------


def test_a_lao_reviewer_changes_lao_terms_only(
    office: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    as_account(monkeypatch, "rlo")
    ok("glossary", "add", "laos", "--lo", "ສປປ ລາວ", "--status", "admitted")  # a lo term: his language
    before = snapshot(office)
    code, _, err = run("glossary", "add", "laos", "--zh", "寮国", "--status", "forbidden")
    assert code == 1
    assert err == (
        "Error: rlo reviews lo, so may not change the glossary in zh: concept(s) laos; nothing was changed\n"
    )
    assert run("glossary", "add", "laos", "--note", "xem lại")[0] == 1  # a concept field: every language
    assert run("glossary", "add", "new-thing", "--vi", "điều mới", "--lo", "ສິ່ງໃໝ່")[0] == 1  # new: everyone's
    csv = tmp_path / "mixed.csv"
    csv.write_text(
        "concept,vi,lo,zh,status,domain,confidence,note\nlaos,Lào,ລາວ,老挝国,preferred,country,high,\n",
        encoding="utf-8",
    )
    assert run("glossary", "import", str(csv))[0] == 1
    assert snapshot(office) == before
    refused = [e.detail["attempted"] for e in events(office, "refused")[-4:]]
    assert refused == ["glossary"] * 4
    # An admin may change anything.
    as_account(monkeypatch, "tester")
    ok("glossary", "add", "laos", "--zh", "寮国", "--status", "forbidden")


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="vi" datatype="plaintext"/>
<body>
<tu><tuv xml:lang="vi"><seg>Cửa khẩu</seg></tuv><tuv xml:lang="lo"><seg>ດ່ານ</seg></tuv></tu>
<tu><tuv xml:lang="vi"><seg>Hải quan</seg></tuv><tuv xml:lang="zh-CN"><seg>海关</seg></tuv></tu>
</body></tmx>
"""


def test_a_lao_reviewer_imports_lao_memory_only(
    office: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.tmx"
    mixed.write_text(TMX, encoding="utf-8")
    as_account(monkeypatch, "rlo")
    before = snapshot(office)
    code, _, err = run("tm", "import", str(mixed))
    assert code == 1
    assert err == (
        f"Error: rlo reviews lo, so may not change the translation memory in zh: {mixed} has 1 pair(s) in zh "
        "(line 5 first); nothing was changed\n"
    )
    assert snapshot(office) == before
    lao = tmp_path / "lao.tmx"
    lao.write_text(TMX.replace(TMX.splitlines()[4] + "\n", ""), encoding="utf-8")
    assert "1 added" in ok("tm", "import", str(lao))
