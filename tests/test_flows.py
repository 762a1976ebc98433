"""The whole loop through real Prefect flow runs on a local server, driven from the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from tests.helpers import webhook_receiver, write_notice
from tests.prefect_api import artifacts, flow_runs, markdown_tables, task_runs
from trilingo.cli import cli
from trilingo.store.sessions import TrilingoSession


def invoke(*args: str) -> str:
    """stdout only: Prefect's run logs go to stderr and must not spoil --json output."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_submit_pretranslate_review_publish(flow_home: Path, prefect_api: str, tmp_path: Path) -> None:
    # Memory that covers one sentence; the other stays untranslated until a person writes it.
    from trilingo import config
    from trilingo.store.db import session_scope
    from trilingo.tm.memory import add
    from trilingo.workspace import open_database

    settings = config.load(home=str(flow_home))
    with session_scope(open_database(settings.database_url, "tester")) as session:
        add(session, "Cửa khẩu mở cửa lúc 7 giờ.", "口岸7时开放。", "zh")
    notice = write_notice(
        tmp_path, "gio-mo-cua", "Cửa khẩu mở cửa lúc 7 giờ.\n\nCâu chưa có trong bộ nhớ.", title="Hải quan"
    )
    doc = json.loads(invoke("submit", str(notice), "--json"))[0]

    out = json.loads(invoke("pretranslate", "--json"))
    by_lang = {r["lang"]: r for r in out}
    assert by_lang["zh"]["tm"] == 1 and by_lang["zh"]["untranslated"] == 1
    assert by_lang["lo"]["tm"] == 0 and by_lang["lo"]["untranslated"] == 2
    assert by_lang["zh"]["glossary"] == 1  # the title is a glossary term: 海关

    view = json.loads(invoke("review", "show", "gio-mo-cua", "--lang", "zh", "--json"))
    segs = {s["n"]: s for s in view["segments"]}
    assert (segs[1]["target"], segs[1]["origin"]) == ("海关", "glossary")
    assert (segs[2]["target"], segs[2]["origin"]) == ("口岸7时开放。", "tm")
    assert (segs[3]["target"], segs[3]["origin"]) == (None, "memory")

    result = CliRunner().invoke(cli, ["review", "approve", str(doc["id"]), "--lang", "zh"])
    assert result.exit_code == 1
    assert result.output == "Error: cannot approve gio-mo-cua [zh]: 1 segment(s) untranslated (3)\n"
    invoke("review", "edit", "gio-mo-cua", "--lang", "zh", "--segment", "3", "--text", "记忆库中尚无此句。")
    invoke("review", "approve", "gio-mo-cua", "--lang", "zh")

    published = json.loads(invoke("publish", "--json"))
    web = flow_home / "public" / "web"
    assert published[0]["channel"] == "web"
    page = (web / "zh" / "n" / "gio-mo-cua.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in page and "口岸7时开放。" in page and "记忆库中尚无此句。" in page
    assert (web / "vi" / "n" / "gio-mo-cua.html").exists()
    assert not (web / "lo" / "n" / "gio-mo-cua.html").exists()  # never unreviewed machine output
    again = json.loads(invoke("publish", "--json"))
    assert again[0]["written"] == [] and again[0]["unchanged"] >= 4

    for name in ("pretranslate", "publish"):
        runs = flow_runs(prefect_api, name)
        assert runs and runs[0]["state_type"] == "COMPLETED"
    # Task runs are named after what they did, as an operator looks for them in Prefect's UI.
    names = {
        name: {t["name"] for t in task_runs(prefect_api, flow_runs(prefect_api, name)[0]["id"])}
        for name in ("pretranslate", "publish")
    }
    assert {"pretranslate-lo-memory", "pretranslate-zh-memory"} <= names["pretranslate"]
    assert {"publish-web", "publish-print", "publish-kiosk", "publish-screens"} <= names["publish"]
    check_pretranslate_artifacts(prefect_api, flow_runs(prefect_api, "pretranslate")[0]["id"])


def check_pretranslate_artifacts(api: str, run_id: str) -> None:
    """The run's summary fits Prefect's UI at 1280 px (no table wider than 7 columns) and keeps every
    count; the review backlog says it is a snapshot, when it was taken (in the gates' zone) and where
    the current numbers are."""
    import re
    from datetime import UTC, datetime, timedelta

    by_key = artifacts(api, run_id)
    summary = by_key["pretranslate-summary"]["data"]
    tables = markdown_tables(summary)
    assert len(tables) == 3 and all(len(row) <= 7 for table in tables for row in table)
    drafts, left, engine = ({row[0]: row for row in table[1:]} for table in tables)
    assert tables[0][0] == [
        "language",
        "engine",
        "documents",
        "segments",
        "memory",
        "glossary",
        "engine drafts",
    ]
    # zh: the title from the glossary, one sentence from memory, one left for a person.
    assert drafts["zh"] == ["zh", "memory", "1", "3", "1", "1", "0"]
    assert tables[1][0][:4] == ["language", "untranslated", "warnings", "failed"] and left["zh"][1] == "1"
    assert tables[2][0] == ["language", "engine calls", "cache hits"] and set(engine) == {"lo", "zh"}
    backlog = by_key["review-backlog"]
    note = backlog["description"]
    assert "not refreshed" in note and "`trilingo status`" in note
    taken = re.search(r"taken (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) \(Vietnam time, UTC\+7\)", note)
    assert taken is not None, note
    at = datetime.strptime(taken.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC) - timedelta(hours=7)
    assert abs(datetime.now(UTC) - at) < timedelta(minutes=10)  # the gates' time, not UTC


@pytest.mark.usefixtures("flow_home")
def test_pretranslate_unknown_document() -> None:
    result = CliRunner().invoke(cli, ["pretranslate", "no-such-doc"])
    assert (result.exit_code, result.output) == (1, "Error: unknown document 'no-such-doc'\n")


def test_demo_publishes_lao_and_chinese_with_glossary_terms(
    home: Path, prefect_api: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", prefect_api)
    flow_home = home  # a new workspace: the four-eyes rule is on, as the demo shows
    # A real notice in the same workspace that memory and glossary translate whole: the demo must not approve it.
    real = write_notice(tmp_path, "xep-hang", "Xin vui lòng xếp hàng theo thứ tự.", title="Hải quan")
    invoke("submit", str(real))
    out = invoke("demo")
    assert "demo-reviewer" in out and "waits for a translator" in out
    assert "Demo users, added by tester:" in out
    assert (
        "demo-translator (demo user) may not approve it: four-eyes rule: demo-translator (demo user) last"
        in out
    )
    web = flow_home / "public" / "web"
    lo = (web / "lo" / "n" / "tay-trang-gio-lam-viec.html").read_text(encoding="utf-8")
    zh = (web / "zh" / "n" / "tay-trang-gio-lam-viec.html").read_text(encoding="utf-8")
    assert "ດ່ານສາກົນໄຕຈາງ" in lo and "ພາສີ" in lo and '<html lang="lo">' in lo
    assert "西庄国际口岸" in zh and "海关" in zh
    # The notice with a sentence the memory does not know is not published in lo/zh.
    assert not (web / "zh" / "n" / "huong-dan-xuat-nhap-canh.html").exists()
    assert (web / "vi" / "n" / "huong-dan-xuat-nhap-canh.html").exists()
    queue = json.loads(invoke("review", "queue", "--json"))
    assert {(q["slug"], q["lang"], q["untranslated"]) for q in queue} == {
        ("huong-dan-xuat-nhap-canh", "lo", 1),
        ("huong-dan-xuat-nhap-canh", "zh", 1),
        ("xep-hang", "lo", 0),
        ("xep-hang", "zh", 0),
    }
    status = json.loads(invoke("status", "--json"))
    assert status["counts"]["published"] == {"vi": 4, "lo": 2, "zh": 2}
    # The demo's approvals are not a person's: the memory keeps those pairs marked for native review.
    from trilingo import config
    from trilingo.tm.models import TMEntry
    from trilingo.workspace import open_database

    with TrilingoSession(open_database(config.load(home=str(flow_home)).database_url, "tester")) as session:
        assert all(e.needs_native_review for e in session.exec(select(TMEntry)).all())
    # Running it again changes nothing.
    invoke("demo")
    assert json.loads(invoke("status", "--json"))["counts"] == status["counts"]


@pytest.mark.usefixtures("flow_home")
def test_a_failing_webhook_fails_the_run_after_the_other_channels(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One flow run, one task per channel: the receiver is down, the site is still published, and the run
    (and the command) fail, naming the webhook; status shows what waits."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    monkeypatch.setenv("TRILINGO_WEBHOOK_URLS", f"http://127.0.0.1:{port}/hook")
    monkeypatch.setenv("TRILINGO_WEBHOOK_SECRET", "s3cret")
    invoke("submit", str(write_notice(tmp_path, "tb-hook", "Câu một.")))
    result = CliRunner().invoke(cli, ["publish"])
    assert result.exit_code == 10, result.output
    assert (
        "webhook: 1 delivery(ies) failed" in result.stderr
        and "The other channels were published (web" in result.stderr
    )
    home = Path(os.environ["TRILINGO_HOME"])
    assert (
        home / "public" / "kiosk" / "kiosk.sqlite"
    ).is_file()  # written by the same run, before the webhook
    assert "WEBHOOK: 1 event(s) waiting to be delivered" in invoke("status")


@pytest.mark.usefixtures("flow_home")
def test_the_publish_summary_counts_the_webhooks_real_deliveries(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The publish run's artifact shows what the webhook did (events queued and delivered to how many
    receivers), not the file counts it has none of; every table is at most 7 columns wide."""
    from tests.test_webhook import SECRET

    with webhook_receiver() as (url, received):
        monkeypatch.setenv("TRILINGO_WEBHOOK_URLS", url)
        monkeypatch.setenv("TRILINGO_WEBHOOK_SECRET", SECRET)
        for n in range(3):
            invoke("submit", str(write_notice(tmp_path, f"tb-hook-{n}", f"Câu số {n}.")))
        published = {r["channel"]: r for r in json.loads(invoke("publish", "--json"))}
    assert len(received) == 3 and published["webhook"]["delivered"] == 3
    [run] = flow_runs(prefect_api, "publish")[:1]
    summary = artifacts(prefect_api, run["id"])["publish-summary"]["data"]
    tables = markdown_tables(summary)
    assert all(len(row) <= 7 for table in tables for row in table), summary
    files, deliveries = tables
    assert [row[0] for row in files[1:]] == ["web", "print", "kiosk", "screens"]
    assert deliveries[0] == ["channel", "receivers", "queued", "delivered", "failed", "to retry", "dead"]
    assert deliveries[1:] == [["webhook", "1", "3", "3", "0", "0", "0"]]
    web = {row[0]: row for row in files[1:]}["web"]
    assert int(web[2]) > 0  # unchanged: submit wrote the three notices' pages already


def test_the_backlog_note_gives_the_time_in_the_workspaces_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from trilingo.reports import backlog_description

    taken = datetime(2026, 12, 7, 7, 5, tzinfo=UTC)
    assert backlog_description(taken).startswith("A snapshot taken 2026-12-07 14:05 (Vietnam time, UTC+7)")
    monkeypatch.setenv("TRILINGO_TIMEZONE", "Asia/Shanghai")
    note = backlog_description(taken)
    assert note == (
        "A snapshot taken 2026-12-07 15:05 (Asia/Shanghai, UTC+8), when this run ended: it is not "
        "refreshed. For the current numbers run `trilingo status`."
    )
