"""A bad day at the gate: the database, the disk, the workspace or the Prefect server fails. Every
command says so in one `Error:` line with its documented exit code, loses nothing, and a re-run after
the fault is gone finishes the work."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from tests.helpers import one_error_line, run_commands, write_notice
from trilingo.cli import cli
from trilingo.databases import forget_databases
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate.jobs import draft_waiting
from trilingo.store.db import create_database
from trilingo.store.models import Document, Segment, Translation
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent
GLOSSARY_ROW = "concept,vi,lo,zh,status,domain,confidence,note\ncheckpoint,trạm kiểm soát,,检查站,preferred,border,low,\n"
TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="vi-VN" datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x"
 creationtool="t" creationtoolversion="1"/><body>
<tu><tuv xml:lang="vi-VN"><seg>Xin chào.</seg></tuv><tuv xml:lang="zh-CN"><seg>你好。</seg></tuv></tu>
</body></tmx>
"""


def _populated(db_url: str, tmp_path: Path) -> None:
    """A workspace with one submitted and drafted notice."""
    notice = write_notice(tmp_path, "tb", "Hàng hoá phải khai báo với Hải quan.", title="Hải quan")
    assert CliRunner().invoke(cli, ["submit", str(notice)]).exit_code == 0
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    forget_databases()


def _commands(tmp_path: Path) -> dict[str, list[str]]:
    """Every command that uses the workspace, with arguments that work on a healthy one."""
    (tmp_path / "g.csv").write_text(GLOSSARY_ROW, encoding="utf-8")
    (tmp_path / "m.tmx").write_text(TMX, encoding="utf-8")
    notice = write_notice(tmp_path, "tb2", "Xe phải dừng ở trạm kiểm soát.", title="Trạm")
    return {
        "init": ["init"],
        "status": ["status"],
        "submit": ["submit", str(notice)],
        "queue": ["review", "queue"],
        "show": ["review", "show", "tb", "--lang", "zh"],
        "edit": ["review", "edit", "tb", "--lang", "zh", "--segment", "2", "--text", "货物须向海关申报。"],
        "approve": ["review", "approve", "tb", "--lang", "lo"],
        "reject": ["review", "reject", "tb", "--lang", "lo", "--reason", "chưa đúng"],
        "lookup": ["glossary", "lookup", "cửa khẩu"],
        "export": ["glossary", "export"],
        "import": ["glossary", "import", str(tmp_path / "g.csv")],
        "add": ["glossary", "add", "gate-x", "--vi", "cổng phụ"],
        "check": ["glossary", "check"],
        "impact": ["glossary", "impact"],
        "tm-import": ["tm", "import", str(tmp_path / "m.tmx")],
        "tm-export": ["tm", "export", str(tmp_path / "out.tmx")],
        "db-upgrade": ["db", "upgrade"],
        "pretranslate": ["pretranslate"],
        "publish": ["publish"],
        "demo": ["demo"],
    }


def _env(**changes: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(changes)
    return env


def test_an_unreachable_database_is_one_line_and_exit_10(tmp_path: Path) -> None:
    env = _env(
        TRILINGO_HOME=str(tmp_path / "ws"),
        TRILINGO_DATABASE_URL="postgresql://postgres@127.0.0.1:9/test",  # nothing listens on port 9
        TRILINGO_PREFECT_API_URL="http://127.0.0.2:9/api",
    )
    commands = _commands(tmp_path)
    for ran in run_commands(list(commands.values()), env):
        line = one_error_line(ran)
        assert ran.code == 10, (ran.args, line)
        assert line.startswith(
            "Error: cannot reach the database at postgresql+psycopg://postgres@127.0.0.1:9/test: "
        )
    assert not (tmp_path / "ws" / "public").exists()


@pytest.mark.usefixtures("home")
def test_a_stopped_prefect_server_stops_only_the_flow_commands(db_url: str, tmp_path: Path) -> None:
    _populated(db_url, tmp_path)
    env = _env(TRILINGO_PREFECT_API_URL="http://127.0.0.2:9/api")  # configured, not ours to start: it is down
    commands = _commands(tmp_path)
    ran = dict(zip(commands, run_commands(list(commands.values()), env), strict=True))
    for name in ("pretranslate", "publish", "demo"):
        line = one_error_line(ran[name])
        assert (ran[name].code, line) == (
            10,
            "Error: the Prefect server at http://127.0.0.2:9/api does not answer",
        )
    for name, r in ran.items():
        if name not in (
            "pretranslate",
            "publish",
            "demo",
            "approve",
        ):  # approve: lo has an untranslated segment
            assert (r.code, r.escaped) == (0, None), (name, r.stderr)
    [status] = run_commands([["server", "status"]], env)
    assert status.code == 10 and one_error_line(status).startswith("Error: no Prefect server answers at")


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` as a read-only file system (a read-only bind mount onto itself)."""
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {mounted.stderr.decode().strip()}")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder), str(folder)], check=True, capture_output=True
        )
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


def test_a_read_only_workspace_is_one_line_each_and_nothing_changes(db_url: str, tmp_path: Path) -> None:
    home = tmp_path / "ws"
    # The local Prefect server is Trilingo's to start, with its home in the (read-only) workspace.
    env = _env(TRILINGO_HOME=str(home), TRILINGO_PREFECT_PORT=str(_free_port()))
    env.pop("TRILINGO_DATABASE_URL", None)
    env.pop("TRILINGO_PREFECT_API_URL", None)
    sqlite = db_url.startswith("sqlite")
    if not sqlite:  # the database is a server elsewhere; the workspace folder is what is read-only
        env["TRILINGO_DATABASE_URL"] = db_url
    setup = [
        [
            "submit",
            str(write_notice(tmp_path, "tb", "Hàng hoá phải khai báo với Hải quan.", title="Hải quan")),
        ]
    ]
    assert all(r.code == 0 for r in run_commands(setup, env))
    commands = _commands(tmp_path)
    before = _fingerprint(home)
    with read_only(home):
        ran = dict(zip(commands, run_commands(list(commands.values()), env), strict=True))
    writers = {"submit", "edit", "reject", "import", "add", "tm-import", "publish", "pretranslate", "demo"}
    for name, r in ran.items():
        if r.code == 0:
            assert r.escaped is None and not r.stderr, (name, r.stderr)
            assert not (sqlite and name in writers), f"{name} wrote to a read-only workspace"
            continue
        line = one_error_line(r)
        if not sqlite and r.code == 1:  # the database works: an ordinary refusal (approving a draft)
            continue
        assert r.code == 11, (name, line)
        assert "read-only" in line.lower() or "not writable" in line, (name, line)
    # The pages could not be written, and the command said so; a submit found out before storing.
    assert ran["submit"].code == 11 and ran["publish"].code == 11
    assert "was stored" not in ran["submit"].stderr
    assert _fingerprint(home) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fingerprint(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm", "-lock"))
    }


@pytest.mark.usefixtures("flow_home")
def test_a_read_only_output_folder_fails_publish_at_once_without_retries(home: Path, tmp_path: Path) -> None:
    _populated(os.environ["TRILINGO_DATABASE_URL"], tmp_path)
    for n, text in ((1, "海关"), (2, "货物须向海关申报。")):  # a Chinese release waits to go out
        assert (
            CliRunner()
            .invoke(cli, ["review", "edit", "tb", "--lang", "zh", "--segment", str(n), "--text", text])
            .exit_code
            == 0
        )
    assert CliRunner().invoke(cli, ["review", "approve", "tb", "--lang", "zh"]).exit_code == 0
    public = home / "public"
    with read_only(public):
        start = time.monotonic()
        [ran] = run_commands([["publish"]], _env())
        elapsed = time.monotonic() - start
    assert elapsed < 20, f"{elapsed:.0f} s: an error that cannot heal must not be retried"
    line = one_error_line(ran)
    assert ran.code == 11 and line.startswith(f"Error: cannot write {public}/")  # its lock, or a page
    assert "check that the folder is writable" in line


@pytest.mark.usefixtures("flow_home")
def test_a_file_in_the_way_of_an_output_folder(home: Path, tmp_path: Path) -> None:
    _populated(os.environ["TRILINGO_DATABASE_URL"], tmp_path)
    blocker = home / "public" / "web" / "vi"
    shutil.rmtree(blocker)
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["publish"])
    assert result.exit_code == 11, result.output
    assert result.stderr == (
        f"Error: cannot write {blocker}/n: {blocker} is a file where a folder should be; "
        "move it away, then try again\n"
    )
    blocker.unlink()
    assert CliRunner().invoke(cli, ["publish"]).exit_code == 0  # the re-run finishes the work
    assert (blocker / "n" / "tb.html").is_file()


def test_a_corrupt_database_file(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    (home / "trilingo.db").write_bytes(b"this is not a database, it is a note someone saved here\n" * 100)
    env = _env(TRILINGO_HOME=str(home), TRILINGO_PREFECT_API_URL="http://127.0.0.2:9/api")
    env.pop("TRILINGO_DATABASE_URL", None)
    commands = _commands(tmp_path)
    for ran in run_commands(list(commands.values()), env):
        line = one_error_line(ran)
        assert ran.code == 11, (ran.args, line)
        assert line.startswith(
            f"Error: the database {home / 'trilingo.db'} is damaged or is not a database"
        ), line
    assert (home / "trilingo.db").read_bytes().startswith(b"this is not a database")


# The disk fills up: SQLite's own page limit makes a real "database or disk is full" in the CLI's process.
DISK_FULL = r"""
from sqlalchemy import event
from sqlalchemy.engine import Engine
@event.listens_for(Engine, "connect")
def _small_disk(dbapi_conn, _record):
    if "sqlite" in type(dbapi_conn).__module__:
        dbapi_conn.execute("PRAGMA max_page_count = 60")
"""


def test_a_full_disk_during_a_commit_loses_nothing(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    env = _env(TRILINGO_HOME=str(home))
    env.pop("TRILINGO_DATABASE_URL", None)
    first = write_notice(tmp_path, "small", "Câu ngắn.")
    [ok] = run_commands([["submit", str(first)]], env)
    assert ok.code == 0, ok.stderr
    big = write_notice(
        tmp_path, "big", "\n\n".join(f"Câu số {i} khá dài để chiếm chỗ trên đĩa." for i in range(1500))
    )
    [full] = run_commands([["submit", str(big)]], env, setup=DISK_FULL)
    line = one_error_line(full)
    assert full.code == 10 and "is full; nothing was saved" in line
    [after] = run_commands([["submit", str(big)]], env)  # space again: the same command goes through
    assert after.code == 0, after.stderr
    with TrilingoSession(create_database(f"sqlite:///{home / 'trilingo.db'}")) as s:
        assert sorted(s.exec(select(Document.slug)).all()) == ["big", "small"]
        assert s.exec(select(func.count()).select_from(Segment)).one() == 2 + 1501


@pytest.mark.parametrize("how", ["deleted", "truncated"])
def test_a_lost_sqlite_database_is_reported_not_recreated(how: str, tmp_path: Path) -> None:
    home = tmp_path / "ws"
    env = _env(TRILINGO_HOME=str(home))
    env.pop("TRILINGO_DATABASE_URL", None)
    [ok] = run_commands([["submit", str(write_notice(tmp_path, "tb", "Câu một."))]], env)
    assert ok.code == 0
    db = home / "trilingo.db"
    for extra in home.glob("trilingo.db-*"):
        extra.unlink()
    if how == "deleted":
        db.unlink()
    else:
        db.write_bytes(b"")
    for ran in run_commands([["status"], ["review", "queue"], ["init"]], env):
        line = one_error_line(ran)
        assert ran.code == 11
        assert line.startswith(
            f"Error: the workspace {home} had its database at {db}, which is now missing or empty"
        )
    assert (not db.exists()) if how == "deleted" else db.stat().st_size == 0


@pytest.mark.postgres
def test_a_lost_postgresql_database_is_reported_not_recreated(pg_url: str, tmp_path: Path) -> None:
    home = tmp_path / "ws"
    env = _env(TRILINGO_HOME=str(home), TRILINGO_DATABASE_URL=pg_url)
    [ok] = run_commands([["submit", str(write_notice(tmp_path, "tb", "Câu một."))]], env)
    assert ok.code == 0
    db = create_database(pg_url)
    with db.begin() as conn:
        tables = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        conn.exec_driver_sql("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    [ran] = run_commands([["status"]], env)
    assert ran.code == 11 and "which is now missing or empty" in one_error_line(ran)
    with db.connect() as conn:
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            ).scalar()
            == 0
        )
    db.dispose()


@pytest.mark.prefect
def test_the_prefect_server_stopping_mid_run_is_one_line_and_a_rerun_finishes(tmp_path: Path) -> None:
    from tests.stubs import StubEngine
    from trilingo import config, server

    home = tmp_path / "ws"
    port = _free_port()
    env = _env(TRILINGO_HOME=str(home), TRILINGO_PREFECT_PORT=str(port))
    for key in ("TRILINGO_DATABASE_URL", "TRILINGO_PREFECT_API_URL"):
        env.pop(key, None)
    settings = config.load(environ={}, home=str(home), prefect_port=port)
    notices = [
        write_notice(
            tmp_path, f"n{i}", "\n\n".join(f"Câu số {i}-{k} cần dịch." for k in range(12)), title=f"Tin {i}"
        )
        for i in range(4)
    ]
    with StubEngine("libre", latency=0.25) as stub:
        # Several slots: the one the stopped run held stays leased (LEASE_SECONDS) until it runs out.
        env.update(TRILINGO_ENGINE_LIBRE_URL=stub.url, TRILINGO_ENGINE_LIBRE_CONCURRENCY="3")
        assert run_commands([["submit", *map(str, notices)]], env)[0].code == 0
        server.start(settings, env)
        try:
            command = [sys.executable, "-m", "trilingo", "pretranslate", "--engine", "libre", "--lang", "zh"]
            proc = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            deadline = time.monotonic() + 60
            while stub.calls < 5 and time.monotonic() < deadline:  # the run is under way
                time.sleep(0.1)
            server.stop(settings)
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 10, err
            assert err.splitlines() == [
                f"Error: the Prefect server at http://127.0.0.1:{port} stopped answering during the run "
                f"({err.split('run (')[1].split(')')[0]}); the work finished before that is saved. Start it with "
                "`trilingo server start`, then run this command again to finish"
            ]
            server.start(settings, env)
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
        finally:
            server.stop(settings)
    with TrilingoSession(create_database(settings.database_url)) as s:
        states = s.exec(select(Translation.state).where(Translation.lang == "zh")).all()
    assert len(states) == 4 * 13 and all(state == "needs_review" for state in states)
