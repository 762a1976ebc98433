"""The audit log cannot be forged or emptied unseen: someone who gets past the triggers with plain SQL can
delete, insert, change or reorder rows, and `trilingo audit verify` names each one; on PostgreSQL the
server's role cannot even try."""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import PG_BASE, require_postgres
from tests.helpers import write_notice
from trilingo.cli import cli
from trilingo.databases import forget_databases
from trilingo.store.db import create_database


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, out + err
    return out


@pytest.fixture
def logged(solo: Path, db_url: str) -> Engine:
    """A workspace with a few dozen audit events, and a plain connection pool to tamper with it."""
    for i in range(3):
        ok("submit", str(write_notice(solo.parent, f"n{i}", f"Câu số {i}.", title=f"Tiêu đề {i}")))
    ok("users", "add", "lan", "--role", "reviewer", "--lang", "lo")
    ok("review", "comment", "n1", "--lang", "lo", "xem lại")
    forget_databases()
    return create_database(db_url)


def untrigger(db: Engine) -> None:
    """What someone with the database's owner (or the SQLite file) can do: switch the triggers off."""
    with db.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER auditevent_no_update"))
            conn.execute(text("DROP TRIGGER auditevent_no_delete"))
        else:
            conn.execute(text("ALTER TABLE auditevent DISABLE TRIGGER USER"))


def rows(db: Engine) -> list[dict[str, Any]]:
    with db.connect() as conn:
        found = conn.execute(text("SELECT id, seq, actor, action, mac FROM auditevent ORDER BY seq"))
        return [dict(r._mapping) for r in found]


def verify() -> tuple[int, dict[str, Any], str]:
    code, out, err = run("audit", "verify", "--json")
    return code, json.loads(out), err


def test_a_clean_log_verifies_and_status_says_when(logged: Engine) -> None:
    events = len(rows(logged))
    out = ok("audit", "verify")
    assert out.startswith(f"The audit log verifies: {events} event(s), up to #{events}.")
    status = ok("status")
    assert f"Audit log: verified up to #{events} at " in status and "by tester" in status
    # Each event chains to the one before: seq 1, 2, … in the order they were written.
    seqs = [r["seq"] for r in rows(logged)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_deleted_event_is_named(logged: Engine) -> None:
    victim = rows(logged)[4]
    untrigger(logged)
    with logged.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE id = :i"), {"i": victim["id"]})
    code, found, err = verify()
    assert code == 1
    assert found["problems"][0].startswith(f"audit event #{victim['seq'] + 1} ")
    assert "follows a gap: the event(s) #5 before it were deleted" in found["problems"][0]
    assert err.startswith("Error: the audit log does not verify: audit event #6")
    assert "AUDIT LOG DOES NOT VERIFY" in ok("status")


def test_a_changed_event_is_named(logged: Engine) -> None:
    victim = next(r for r in rows(logged) if r["action"] == "user-add" and r["seq"] > 1)
    untrigger(logged)
    with logged.begin() as conn:
        conn.execute(text("UPDATE auditevent SET via = 'boss' WHERE id = :i"), {"i": victim["id"]})
    code, found, _ = verify()
    assert code == 1
    assert found["problems"] == [
        f"audit event #{victim['seq']} (row id {victim['id']}) was changed after it was written (its MAC no "
        "longer matches its content)"
    ]


def test_inserted_events_are_named_with_or_without_a_mac(logged: Engine) -> None:
    head = rows(logged)[-1]
    forged = {
        "at": "2026-12-07 10:00:00",
        "actor": "boss",
        "action": "approve",
        "detail": "{}",
        "seq": head["seq"] + 1,
        "mac": "0" * 64,
    }
    with logged.begin() as conn:  # INSERT needs no trigger switched off: the log is append-only
        insert = "INSERT INTO auditevent (at, actor, action, detail, seq, mac) VALUES (:at, :actor, :action, :detail, :seq, :mac)"
        conn.execute(text(insert), forged)
        conn.execute(text(insert), {**forged, "seq": None, "mac": None})
    code, found, _ = verify()
    assert code == 1
    assert found["problems"][0].startswith(f"audit event #{head['seq'] + 1} (row id ")
    assert found["problems"][0].endswith("does not verify: it was inserted or changed")
    assert found["problems"][1].endswith("was inserted without a MAC, after the chain began")


def test_reordered_events_are_named(logged: Engine) -> None:
    first, second = rows(logged)[2:4]
    untrigger(logged)
    with logged.begin() as conn:  # swap two events' places in the chain, MACs and all
        for r, seq in ((first, -1), (second, first["seq"]), (first, second["seq"])):
            conn.execute(text("UPDATE auditevent SET seq = :s WHERE id = :i"), {"s": seq, "i": r["id"]})
    code, found, _ = verify()
    assert code == 1
    assert any("is out of order" in p for p in found["problems"])
    assert any(
        p.startswith(f"audit event #{first['seq']} (row id {second['id']}) ") for p in found["problems"]
    )


def test_events_deleted_from_the_end_are_named_at_the_next_verification(logged: Engine) -> None:
    seen = json.loads(ok("audit", "verify", "--json"))["head"]
    untrigger(logged)
    with logged.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE seq >= :s"), {"s": seen - 1})
    code, found, _ = verify()
    assert code == 1
    assert any(f"reached #{seen} when it was last verified" in p for p in found["problems"])


def test_events_from_before_the_chain_are_covered_by_its_first_mac(db_url: str, home: Path) -> None:
    """A database upgraded from before the chain keeps its old events; deleting one of them shows."""
    from trilingo.databases import create_schema

    db = create_database(db_url)
    create_schema(db)
    with db.begin() as conn:  # two events written before revision 0012, without seq or MAC
        for actor in ("old-editor", "old-reviewer"):
            conn.execute(
                text(
                    "INSERT INTO auditevent (at, actor, action, detail) VALUES ('2026-01-01 00:00:00', :a, 'submit', '{}')"
                ),
                {"a": actor},
            )
    from trilingo.workspace import _write_marker

    _write_marker(home, db_url)
    ok("users", "add", "lan", "--role", "reviewer", "--lang", "lo")
    found = json.loads(ok("audit", "verify", "--json"))
    assert (found["ok"], found["before_chain"]) == (True, 2)
    untrigger(db)
    with db.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE actor = 'old-editor'"))
    code, found, _ = verify()
    assert code == 1
    assert "it, or one of the 1 event(s) from before the chain began, was changed" in found["problems"][0]


def test_without_the_key_nothing_is_written_and_another_key_verifies_nothing(
    logged: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trilingo.store.auditchain import KEYRING

    before = len(rows(logged))
    monkeypatch.setenv("TRILINGO_AUDIT_KEY", "another-key-of-someone-else!")
    # A process with another key neither verifies with it nor appends events that would never verify.
    code, out, err = run("audit", "verify")
    assert (code, out) == (2, "")
    assert err.startswith(
        "Error: this process's audit key (TRILINGO_AUDIT_KEY) is not the key this workspace's"
    )
    code, _, err = run("review", "comment", "n1", "--lang", "lo", "lại")
    assert code == 2 and "is not the key this workspace's audit log is written with" in err
    monkeypatch.delenv("TRILINGO_AUDIT_KEY")
    KEYRING.forget()  # a process that never had the key
    code, _, err = run("review", "comment", "n1", "--lang", "lo", "lại")
    assert code == 2
    assert err.startswith("Error: no audit key is loaded, so nothing can be written to the audit log")
    assert len(rows(logged)) == before


def test_a_new_workspace_makes_its_own_key_file_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRILINGO_AUDIT_KEY")
    monkeypatch.setenv("TRILINGO_HOME", str(tmp_path / "ws"))
    ok("init")
    key = tmp_path / "ws" / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    ok("submit", str(write_notice(tmp_path, "a", "Câu.")))
    assert json.loads(ok("audit", "verify", "--json"))["ok"]
    # A lost key is not silently replaced: writes are refused until it is restored.
    saved = key.read_bytes()
    key.unlink()
    assert run("submit", str(write_notice(tmp_path, "b", "Câu khác.")))[0] == 2
    assert not key.exists()
    key.write_bytes(saved)
    ok("submit", str(write_notice(tmp_path, "b", "Câu khác.")))
    assert json.loads(ok("audit", "verify", "--json"))["ok"]


def test_only_admins_and_operators_verify(logged: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from trilingo import identity

    monkeypatch.setattr(identity, "os_account", lambda: "lan")
    assert run("audit", "verify") == (1, "", "Error: lan is a reviewer, who may not verify the audit log\n")
    assert rows(logged)[-1]["action"] == "refused"


# --- PostgreSQL: the server's role cannot touch the log ------------------------------------------------


@pytest.fixture
def pg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Path:
    monkeypatch.setenv("TRILINGO_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("TRILINGO_DATABASE_URL", pg_url)
    return tmp_path / "ws"


@pytest.fixture
def roles(pg_url: str, pg_home: Path) -> Any:  # noqa: ARG001 - pg_home points the CLI at the schema
    """The workspace's schema given to an owner role, and an app role for the server, as `db roles
    --apply` sets them; both dropped afterwards (roles belong to the whole PostgreSQL cluster)."""
    import psycopg

    require_postgres()
    tag = uuid.uuid4().hex[:8]
    owner, app = f"t_owner_{tag}", f"t_app_{tag}"
    ok("init")
    ok("db", "roles", "--owner", owner, "--app-role", app, "--apply")
    forget_databases()
    yield owner, app, pg_url.replace("postgres@", f"{app}@")
    forget_databases()
    plain = PG_BASE.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        for role in (app, owner):
            conn.execute(f"REASSIGN OWNED BY {role} TO postgres")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


@pytest.mark.postgres
@pytest.mark.usefixtures("pg_home")
def test_db_roles_prints_the_grants() -> None:
    ok("init")
    out = ok("db", "roles")
    assert 'CREATE ROLE "trilingo_owner" LOGIN' in out and 'CREATE ROLE "trilingo_app" LOGIN' in out
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON " in out and '."auditevent" FROM "trilingo_app";' in out


@pytest.mark.postgres
def test_the_app_role_cannot_change_the_log_or_the_schema(
    roles: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sqlalchemy.exc import DBAPIError

    _owner, _app, app_url = roles
    db = create_database(app_url)
    for statement in (
        "TRUNCATE auditevent",
        "DELETE FROM auditevent",
        "UPDATE auditevent SET actor = 'boss'",
        "ALTER TABLE auditevent DISABLE TRIGGER USER",
        "DROP TRIGGER auditevent_append_only ON auditevent",
        "CREATE TABLE sneaky (id int)",
        "UPDATE alembic_version SET version_num = '0001'",
    ):
        with pytest.raises(DBAPIError) as info, db.begin() as conn:
            conn.execute(text(statement))
        assert "permission denied" in str(info.value) or "must be owner" in str(info.value), statement
    db.dispose()
    # The server's role runs the whole workspace all the same.
    monkeypatch.setenv("TRILINGO_DATABASE_URL", app_url)
    ok("submit", str(write_notice(tmp_path, "a", "Câu một.")))
    ok("users", "add", "lan", "--role", "reviewer", "--lang", "lo")
    assert json.loads(ok("audit", "verify", "--json"))["ok"]


@pytest.mark.postgres
@pytest.mark.usefixtures("pg_home")
def test_truncate_is_refused_even_to_the_owner_by_the_trigger(pg_url: str) -> None:
    from sqlalchemy.exc import DBAPIError

    ok("init")
    forget_databases()
    db = create_database(pg_url)
    with pytest.raises(DBAPIError, match="audit log is append-only"), db.begin() as conn:
        conn.execute(text("TRUNCATE auditevent"))
    db.dispose()


def test_the_key_file_is_not_in_a_database_dump(logged: Engine) -> None:
    key = os.environ["TRILINGO_AUDIT_KEY"]
    with logged.connect() as conn:
        dumped = json.dumps([list(map(str, r)) for r in conn.execute(text("SELECT * FROM auditevent"))])
        dumped += json.dumps([list(map(str, r)) for r in conn.execute(text("SELECT * FROM setting"))])
    assert key not in dumped and key.encode().hex() not in dumped
