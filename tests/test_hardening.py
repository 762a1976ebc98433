"""The second hardening round: what a crafted PO, a device, a symbolic link, a umask, a full disk, a crash,
a concurrent publisher and a dying receiver no longer get through."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text

from tests.helpers import webhook_receiver, write_notice
from tests.test_webhook import SECRET
from trilingo import config
from trilingo.cli import cli
from trilingo.databases import forget_databases
from trilingo.mt.offline import OfflineEngine
from trilingo.pretranslate.jobs import draft_waiting
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent
LAOS = "Hàng hoá xuất sang Lào phải khai báo với Hải quan."
LO = ["ພາສີ", "ສິນຄ້າສົ່ງອອກໄປລາວຕ້ອງແຈ້ງພາສີ."]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def snapshot(db_url: str) -> dict[str, list[tuple]]:
    with open_database(db_url, "tester").connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            n: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{n}"')).all()), key=repr) for n in names
        }


@pytest.fixture
def published(solo: Path, db_url: str) -> Path:
    """A one-person workspace with a notice whose Lao translation is approved and published."""
    ok("submit", str(write_notice(solo.parent, "laos", LAOS, title="Hải quan")))
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    for n, t in enumerate(LO, 1):
        ok("review", "edit", "laos", "--lang", "lo", "--segment", str(n), "--text", t)
    ok("review", "approve", "laos", "--lang", "lo")
    _publish_web(db_url, solo)
    return solo


def _publish_web(db_url: str, home: Path) -> None:
    """The web channel, as the publish flow's task does it (no Prefect needed)."""
    from trilingo.channels.publish import publish_and_record

    publish_and_record(open_database(db_url, "tester"), "web", home / "public", "tester")


# --- output files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["tm", "export"], ["catalogs", "export", "--lang", "lo", "-o"], ["glossary", "export", "-o"]]
)
@pytest.mark.usefixtures("workspace")
def test_an_output_that_is_not_a_regular_file_is_refused_not_replaced(
    command: list[str], tmp_path: Path
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this machine")
    before = os.stat("/dev/full")
    result = run(*command, "/dev/full")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: /dev/full: is not a regular file (a device, pipe or socket); give the name of a file to write\n",
    )
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and os.stat("/dev/full").st_ino == before.st_ino
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = run(*command, str(folder))  # click refuses a folder as a usage error, before we are asked
    assert result.exit_code == 2 and "is a directory" in result.stderr and folder.is_dir()
    # A symbolic link to a regular file is replaced by the file; the file it pointed at is untouched.
    target, link = tmp_path / "target.txt", tmp_path / "link.out"
    target.write_text("keep me")
    link.symlink_to(target)
    assert run(*command, str(link)).exit_code == 0
    assert target.read_text() == "keep me" and not link.is_symlink()


# --- public/: symbolic links, modes, a lock ---------------------------------------------------


def test_a_symbolic_link_to_a_folder_inside_public_is_refused(
    published: Path, db_url: str, tmp_path: Path
) -> None:
    lao = published / "public" / "web" / "lo"
    elsewhere = tmp_path / "elsewhere"
    shutil.move(lao, elsewhere)
    lao.symlink_to(elsewhere, target_is_directory=True)
    before = {str(p.relative_to(elsewhere)): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}
    ok("review", "edit", "laos", "--lang", "lo", "--segment", "1", "--text", "ພາສີ ລາວ")
    ok("review", "approve", "laos", "--lang", "lo")
    from trilingo.errors import WorkspaceError

    with pytest.raises(WorkspaceError) as info:
        _publish_web(db_url, published)
    assert info.value.message == (
        f"cannot publish through {lao}: it is a symbolic link (to {elsewhere}); Trilingo writes only inside "
        f"the real {published / 'public'}. Replace the link with a folder"
    )
    result = run("retract", "laos", "--lang", "lo", "--reason", "thử")
    assert result.exit_code == 11 and f"cannot publish through {lao}" in result.stderr
    assert {
        str(p.relative_to(elsewhere)): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()
    } == before  # nothing written or deleted there
    assert not list(elsewhere.glob(".trilingo-*"))


def test_public_itself_may_be_a_link_to_shared_storage(solo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "nfs-public"
    shared.mkdir()
    (solo / "public").symlink_to(shared, target_is_directory=True)
    ok("submit", str(write_notice(solo.parent, "laos", LAOS, title="Hải quan")))
    assert (shared / "web" / "vi" / "n" / "laos.html").is_file()


@pytest.mark.parametrize("umask", [0o077, 0o000])
def test_published_modes_do_not_follow_the_umask(solo: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        ok("submit", str(write_notice(solo.parent, "laos", LAOS, title="Hải quan")))
    finally:
        os.umask(old)
    web = solo / "public" / "web"
    files = [p for p in web.rglob("*") if p.is_file()]
    folders = [web, *(p for p in web.rglob("*") if p.is_dir())]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o755}


def test_publish_mode_setting(solo: Path) -> None:
    (solo / "config.toml").write_text('[publish]\nmode = "0640"\n', encoding="utf-8")
    ok("submit", str(write_notice(solo.parent, "laos", LAOS, title="Hải quan")))
    page = solo / "public" / "web" / "vi" / "n" / "laos.html"
    assert stat.S_IMODE(page.stat().st_mode) == 0o640
    assert stat.S_IMODE(page.parent.stat().st_mode) == 0o750
    (solo / "config.toml").write_text('[publish]\nmode = "0666"\n', encoding="utf-8")
    result = run("submit", str(write_notice(solo.parent, "other", "Câu khác.", title="Khác")))
    assert (
        result.exit_code == 2 and "must let the owner read and write and nobody else write" in result.stderr
    )


def test_a_submit_whose_output_folder_is_blocked_stores_nothing(solo: Path, db_url: str) -> None:
    shutil.rmtree(solo / "public", ignore_errors=True)
    (solo / "public").write_text("not a folder")
    before = snapshot(db_url)
    result = run("submit", str(write_notice(solo.parent, "laos", LAOS, title="Hải quan")))
    assert result.exit_code == 11
    assert result.stderr == (
        f"Error: cannot write {solo / 'public' / 'web' / 'index.html'}: {solo / 'public'} is a file where a "
        "folder should be; move it away, then try again\n"
    )
    assert snapshot(db_url) == before


SUBMIT = """
import sys, time
from click.testing import CliRunner
from trilingo.cli import cli
go = sys.argv[1]
while not __import__("os").path.exists(go):
    time.sleep(0.005)
r = CliRunner().invoke(cli, ["submit", sys.argv[2]])
print(r.exit_code, r.stderr.replace("\\n", " | "))
"""


def test_four_submits_at_once_publish_every_page_they_list(solo: Path, tmp_path: Path) -> None:
    """Publishers take turns: none deletes what another staged, and every list links to pages on disk."""
    go = tmp_path / "go"
    notices = [
        write_notice(tmp_path, f"n{i}", f"Câu số {i} về cửa khẩu.", title=f"Thông báo {i}") for i in range(4)
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SUBMIT, str(go), str(n)], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        for n in notices
    ]
    go.touch()
    outcomes = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(o.startswith("0 ") or o == "0" or o.startswith("0 Note:") for o in outcomes), outcomes
    web = solo / "public" / "web"
    for i in range(4):
        assert (web / "vi" / "n" / f"n{i}.html").is_file()
    assert_every_link_resolves(web)
    assert not list(web.rglob(".trilingo-*.tmp"))


def assert_every_link_resolves(web: Path) -> None:
    """No list (home, category, feed) links to an article that is not on disk."""
    for page in [*web.glob("*/index.html"), *web.glob("*/category-*.html")]:
        for href in re.findall(r'href="([a-z0-9/-]+\.html)"', page.read_text(encoding="utf-8")):
            assert (page.parent / href).is_file(), f"{page.relative_to(web)} links to missing {href}"


def test_a_submit_run_again_puts_back_pages_a_killed_one_never_wrote(solo: Path, tmp_path: Path) -> None:
    notices = [str(write_notice(tmp_path, f"n{i}", f"Câu số {i}.", title=f"Tiêu đề {i}")) for i in range(3)]
    ok("submit", *notices)
    web = solo / "public" / "web"
    for i in range(3):  # as a submit killed after its commit and before its renames leaves it
        (web / "vi" / "n" / f"n{i}.html").unlink()
    out = ok("submit", *notices)
    assert out.count("unchanged (version 1)") == 3
    for i in range(3):
        assert (web / "vi" / "n" / f"n{i}.html").is_file()
    assert_every_link_resolves(web)


def test_a_scoped_publish_rewrites_a_listed_page_that_went_missing(solo: Path, tmp_path: Path) -> None:
    ok("submit", str(write_notice(tmp_path, "old", "Câu cũ.", title="Cũ")))
    page = solo / "public" / "web" / "vi" / "n" / "old.html"
    page.unlink()
    ok("submit", str(write_notice(tmp_path, "new", "Câu mới.", title="Mới")))  # publishes only `new`'s pages…
    assert page.is_file()  # …and the lists it rebuilt may not link to a page that is not there
    assert_every_link_resolves(solo / "public" / "web")


# --- a full disk -------------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but cannot mount a small file system: {mounted.stderr.decode().strip()}")
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield
    finally:
        forget_databases()  # a pool still holding a database there keeps the file system busy
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


def test_a_full_disk_leaves_no_staged_files_and_status_names_the_channel(solo: Path, tmp_path: Path) -> None:
    public = solo / "public"
    shutil.rmtree(public, ignore_errors=True)
    with tmpfs(public, "1m"):
        # Room for a small file (the submit's check of its output), not for the pages.
        filler = public / "filler"
        filler.write_bytes(b"x" * (shutil.disk_usage(public).free - 12 * 1024))
        body = "\n\n".join(
            f"Đoạn số {i}: " + "cửa khẩu mở cửa từ bảy giờ sáng đến bảy giờ tối. " * 8 for i in range(40)
        )
        notice = write_notice(tmp_path, "big", body, title="Thông báo dài")
        result = run("submit", str(notice))
        assert result.exit_code == 10
        [line] = result.stderr.splitlines()
        assert line.startswith(
            "Error: big was stored, but publishing the Vietnamese pages failed: cannot write "
        )
        assert "the disk is full. Free some space, then try again" in line
        assert not list(public.rglob(".trilingo-*.tmp"))  # nothing staged is left to keep the disk full
        status = json.loads(ok("status", "--json"))
        assert "the disk is full" in status["channel_failures"]["web"]["error"]
        assert "CHANNEL web: the last publish FAILED" in ok("status")
        filler.unlink()
        ok("submit", str(notice))  # run again: put right
        assert (public / "web" / "vi" / "n" / "big.html").is_file()
        assert json.loads(ok("status", "--json"))["channel_failures"] == {}


def test_a_failed_channel_is_shown_in_status_until_it_publishes(published: Path, db_url: str) -> None:
    from trilingo.channels.publish import note_failure

    note_failure(open_database(db_url, "tester"), "kiosk", "cannot write …/kiosk.sqlite: the disk is full")
    data = json.loads(ok("status", "--json"))
    assert data["channel_failures"]["kiosk"]["error"] == "cannot write …/kiosk.sqlite: the disk is full"
    assert "CHANNEL kiosk: the last publish FAILED" in ok("status")
    from trilingo.channels.publish import publish_and_record

    publish_and_record(open_database(db_url, "tester"), "kiosk", published / "public", "tester")
    assert json.loads(ok("status", "--json"))["channel_failures"] == {}


def test_a_full_disk_under_the_database_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = tmp_path / "small"
    with tmpfs(disk, "2m"):
        monkeypatch.setenv("TRILINGO_HOME", str(disk / "ws"))
        monkeypatch.setenv("TRILINGO_DATABASE_URL", f"sqlite:///{disk / 'ws' / 'trilingo.db'}")
        ok("init")
        filler = disk / "filler"
        filler.write_bytes(b"x" * (shutil.disk_usage(disk).free - 64 * 1024))
        body = "\n\n".join(f"Đoạn {i}: " + "hàng hoá xuất nhập khẩu qua cửa khẩu. " * 20 for i in range(60))
        result = run("submit", str(write_notice(tmp_path, "big", body, title="Dài")))
        assert result.exit_code == 10, result.output
        [line] = result.stderr.splitlines()
        assert line == (
            f"Error: the disk holding the database {disk / 'ws' / 'trilingo.db'} is full; nothing was saved. "
            "Free some space, then try again"
        )
        filler.unlink()


def test_a_retraction_says_retracted_everywhere(published: Path) -> None:
    page = published / "public" / "web" / "lo" / "n" / "laos.html"
    assert page.is_file()
    ok("retract", "laos", "--lang", "lo", "--channel", "web", "--reason", "sai số")  # one channel: still live
    assert json.loads(ok("review", "show", "laos", "--lang", "lo", "--json"))["state"] == "published"
    ok("retract", "laos", "--lang", "lo", "--reason", "sai thuật ngữ")
    assert not page.exists()
    assert json.loads(ok("review", "show", "laos", "--lang", "lo", "--json"))["state"] == "retracted"
    assert json.loads(ok("status", "--json"))["counts"]["retracted"] == {"lo": 1}
    assert "published lo" not in ok("status")
    # A new approval brings it back.
    ok("review", "approve", "laos", "--lang", "lo")
    assert json.loads(ok("review", "show", "laos", "--lang", "lo", "--json"))["state"] == "approved"


def test_a_retraction_the_channels_could_not_carry_out_is_pending_until_a_publish_does(
    published: Path, db_url: str
) -> None:
    from tests.test_faults import read_only

    page = published / "public" / "web" / "lo" / "n" / "laos.html"
    with read_only(published / "public"):
        result = run("retract", "laos", "--lang", "lo", "--reason", "sai thuật ngữ")
    assert result.exit_code == 11
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("Note: ")]
    assert line.startswith(
        "Error: laos is retracted, but taking it off the channels failed: web: cannot write"
    )
    assert "`trilingo status` shows it pending" in line
    assert page.is_file()
    data = json.loads(ok("status", "--json"))
    assert [(r["document"], r["lang"], r["channel"]) for r in data["pending_retractions"]] == [
        ("laos", "lo", None)
    ]
    assert "RETRACTION PENDING: laos [lo]" in ok("status")
    assert json.loads(ok("review", "show", "laos", "--lang", "lo", "--json"))["state"] == "retracted"
    # The next publish of every channel carries it out.
    from trilingo.channels import names
    from trilingo.channels.publish import finish_retractions, publish_and_record

    db = open_database(db_url, "tester")
    for channel in names():
        publish_and_record(db, channel, published / "public", "tester")
    assert finish_retractions(db, names()) == 1
    assert not page.exists()
    assert json.loads(ok("status", "--json"))["pending_retractions"] == []


# --- the webhook: every command that delivers says what failed and what is dead -----------------


def test_webhook_failures_and_dead_events_are_said_by_every_command(published: Path, db_url: str) -> None:
    with webhook_receiver(500) as (url, _got):
        (published / "config.toml").write_text(
            f'[webhook]\nurls = ["{url}"]\nsecret = "{SECRET}"\nmax_tries = 1\nbackoff = 0\n',
            encoding="utf-8",
        )
        result = run("retract", "laos", "--lang", "lo", "--reason", "sai thuật ngữ")
        assert result.exit_code == 10
        [line] = [line for line in result.stderr.splitlines() if not line.startswith("Note: ")]
        assert line.startswith("Error: laos is retracted and off the channels, but webhook: ")
        assert "delivery(ies) failed" in line and "HTTP 500" in line
        assert "are dead after max_tries and wait for `trilingo webhook retry`" in line
        # A later delivering command says what is dead, and is not a plain success.
        from trilingo.channels.publish import publish_and_record

        summary = publish_and_record(
            open_database(db_url, "tester"),
            "webhook",
            published / "public",
            "tester",
            settings=config.load(home=str(published)),
        )
        assert summary.dead_total >= 1 and "wait for `trilingo webhook retry`" in summary.undelivered
        assert "WEBHOOK:" in ok("status")


def test_serve_retries_webhook_events_on_their_own_schedule(published: Path, db_url: str) -> None:
    """A delivery round outside any publish (`serve` runs one every 15 s): what is due goes out."""
    from trilingo.channels.webhook import deliver_due, enqueue
    from trilingo.store.db import session_scope

    with webhook_receiver(204) as (url, got):
        (published / "config.toml").write_text(
            f'[webhook]\nurls = ["{url}"]\nsecret = "{SECRET}"\n', encoding="utf-8"
        )
        db = open_database(db_url, "tester")
        hook = config.load(home=str(published)).webhook
        with session_scope(db) as session:  # an event waiting, as a publish that could not send it leaves it
            enqueue(session, hook, {(1, "vi"): ("live:1", lambda: {"document": 1, "lang": "vi"})})
        done = deliver_due(db, hook, published / "public")
        assert done is not None and done.delivered == 1 and len(got) == 1
        assert deliver_due(db, hook, published / "public") is None  # nothing is due any more


@pytest.mark.usefixtures("flow_home")
def test_no_secret_reaches_flow_parameters_logs_or_artifacts(
    prefect_http: httpx.Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.stubs.fixtures import env_for, stub_for

    planted = "PLANTED-PASSWORD-7f3a"
    database = os.environ["TRILINGO_DATABASE_URL"]
    if database.startswith("postgresql"):  # trust authentication takes any password: plant one there too
        monkeypatch.setenv("TRILINGO_DATABASE_URL", database.replace("postgres@", f"postgres:{planted}@"))
    ok("submit", str(write_notice(tmp_path, "laos", LAOS, title="Hải quan")))
    assert planted not in ok("status") + ok("status", "--json")
    with stub_for("libre") as stub:
        for key, value in env_for("libre", stub.url).items():
            monkeypatch.setenv(key, value)
        libre = stub.url.replace("http://", f"http://u:{planted}@")
        result = run("pretranslate", "--engine", "libre", "--libre-url", libre, "--lang", "zh")
        assert result.exit_code in (0, 3), result.output
    assert planted not in result.output
    runs = prefect_http.post("/flow_runs/filter", json={"limit": 50, "sort": "START_TIME_DESC"}).json()
    mine = [r for r in runs if r["name"].startswith("pretranslate")][:1]
    assert mine, "the pretranslate run was not recorded"
    ids = {"any_": [mine[0]["id"]]}
    seen = json.dumps(mine)
    seen += json.dumps(prefect_http.post("/task_runs/filter", json={"flow_runs": {"id": ids}}).json())
    seen += json.dumps(prefect_http.post("/logs/filter", json={"logs": {"flow_run_id": ids}}).json())
    seen += json.dumps(
        prefect_http.post("/artifacts/filter", json={"artifacts": {"flow_run_id": ids}}).json()
    )
    parameters = mine[0]["parameters"]
    assert {"home", "user", "engines", "engine_options"} <= set(
        parameters
    ) and "database_url" not in parameters
    assert "url" not in parameters["engine_options"].get("libre", {})
    assert planted not in seen


@pytest.mark.usefixtures("flow_home")
def test_a_flow_command_installs_crash_detection_and_silent_runs_are_named(
    prefect_api: str, prefect_http: httpx.Client
) -> None:
    from datetime import UTC, datetime, timedelta

    from trilingo.automations import CRASH_DETECTION, silent_runs

    ok("publish")  # an inline run: the server it meets gets the automation
    found = prefect_http.post(
        "/automations/filter", json={"automations": {"name": {"any_": [CRASH_DETECTION]}}}
    )
    assert [a["name"] for a in found.json()] == [CRASH_DETECTION]
    # A run whose process died: Running, and nothing since. Three heartbeat periods later it is named.
    flow = prefect_http.post("/flows/", json={"name": "killed-command"}).json()
    run_ = prefect_http.post(
        "/flow_runs/", json={"flow_id": flow["id"], "name": "killed-run", "state": {"type": "RUNNING"}}
    ).json()
    try:
        now = datetime.now(UTC)
        assert "killed-run" not in [r.name for r in silent_runs(prefect_api, now=now)]
        later = [
            r for r in silent_runs(prefect_api, now=now + timedelta(seconds=200)) if r.name == "killed-run"
        ]
        assert later and later[0].why.startswith("No heartbeat for ")
    finally:
        prefect_http.post(
            f"/flow_runs/{run_['id']}/set_state", json={"state": {"type": "CANCELLED"}, "force": True}
        )


@pytest.mark.usefixtures("published")
def test_status_shows_silent_runs_channel_failures_and_pending_retractions() -> None:
    import click

    from trilingo.commands.ops import _print_status

    data = json.loads(ok("status", "--json"))
    data["silent_runs"] = [
        {"id": "r1", "name": "publish-2026-12-07T10:00", "why": "No heartbeat for 200 s: the process died."}
    ]
    data["channel_failures"] = {"print": {"at": "2026-12-07T10:00:00+00:00", "error": "the disk is full"}}
    data["pending_retractions"] = [
        {"document": "laos", "lang": "lo", "channel": None, "since": "2026-12-07T10:00:00+00:00"}
    ]
    shown = CliRunner().invoke(click.Command("status", callback=lambda: _print_status(data)), [])
    assert shown.exit_code == 0, shown.output
    assert "SILENT RUN publish-2026-12-07T10:00: No heartbeat for 200 s: the process died." in shown.output
    assert "CHANNEL print: the last publish FAILED (2026-12-07 17:00): the disk is full" in shown.output
    assert (
        "RETRACTION PENDING: laos [lo] is retracted since 2026-12-07 17:00 but not yet off every"
        in shown.output
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("\u0301\u0300", "the new text: only combining marks, with no letter to sit on; nothing to read"),
        ("ພາສີ\u2028ລາວ", "the new text: column 5: a line separator U+2028 is not allowed in one line"),
    ],
)
@pytest.mark.usefixtures("published")
def test_an_edit_of_only_combining_marks_or_with_a_line_separator_is_refused(
    db_url: str, text: str, said: str
) -> None:
    before = snapshot(db_url)
    result = run("review", "edit", "laos", "--lang", "lo", "--segment", "1", "--text", text)
    assert (result.exit_code, result.stderr) == (1, f"Error: {said}\n")
    assert snapshot(db_url) == before
