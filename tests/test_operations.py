"""What an operator sees: the workspace in `status`, runs, events, artifacts, the terminal options."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlmodel import col, select

from tests.helpers import wait_while_running, write_notice
from trilingo import config
from trilingo.cli import cli
from trilingo.events import SUBMITTED, emit, resource_id
from trilingo.mt.health import load as load_health
from trilingo.mt.health import record as record_health
from trilingo.mt.throttle import CircuitBreaker
from trilingo.reports import pretranslate_markdown
from trilingo.store.db import session_scope
from trilingo.store.models import SegmentState, Translation
from trilingo.text.terminal import age
from trilingo.webclient import Reply, request
from trilingo.workspace import open_database

DEAD_API = "http://127.0.0.1:9/api"  # nothing listens on port 9


def invoke(*args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), **kwargs)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, "0 s"), (59.4, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h"), (12_000, "3 h 20 min")],
)
def test_age_reads_as_a_person_says_it(seconds: float, said: str) -> None:
    assert age(seconds) == said


def test_age_in_days() -> None:
    assert age(86_400) == "1 day"
    assert age(2 * 86_400 + 4 * 3600 + 59) == "2 days 4 h"


@pytest.mark.parametrize("args", [["status"], ["review", "queue"], ["glossary", "lookup", "cửa khẩu"]])
def test_reading_a_workspace_that_was_never_set_up_says_so_and_creates_nothing(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRILINGO_HOME", raising=False)
    monkeypatch.delenv("TRILINGO_DATABASE_URL", raising=False)
    result = invoke(*args)
    assert result.exit_code == 11
    assert result.stderr.splitlines() == [
        f"Error: no workspace at {tmp_path / '.trilingo'}; nothing was created. Run `trilingo init` or "
        "`trilingo submit` to start one there, or set TRILINGO_HOME (or --home) to the workspace you meant"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_reading_an_empty_postgresql_database_says_so_and_creates_no_table(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trilingo.store.db import create_database

    monkeypatch.setenv("TRILINGO_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("TRILINGO_DATABASE_URL", pg_url)
    result = invoke("status")
    assert result.exit_code == 11
    assert "(the database postgresql" in result.stderr and "is empty); nothing was created" in result.stderr
    db = create_database(pg_url)
    with db.connect() as conn:
        tables = conn.exec_driver_sql("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        assert tables.scalar() == 0
    db.dispose()


def _fail_one_segment(home: Path, reason: str) -> None:
    settings = config.load(home=str(home))
    with session_scope(open_database(settings.database_url, "tester", home)) as session:
        row = session.exec(
            select(Translation).where(Translation.lang == "lo").order_by(col(Translation.id))
        ).first()
        assert row is not None
        row.state = SegmentState.MT_FAILED
        row.detail = {"mt_error": "unavailable", "reason": reason}
        session.add(row)


class _Breaking:
    """A remote engine as far as the health record cares: a name, a policy and a breaker."""

    def __init__(self) -> None:
        from trilingo.mt.base import EnginePolicy
        from trilingo.mt.throttle import InlineLimiter

        self.name = "libre"
        self.policy = EnginePolicy()
        self.limiter = InlineLimiter(1, 1.0)
        self.breaker = CircuitBreaker(threshold=2, cooldown=60)
        self.cacheable = True

    def supports(self, _src: str, _tgt: str, /) -> bool:
        return True

    def translate_batch(self, texts: list[str], _src: str, _tgt: str, /) -> list[Any]:
        return [None for _ in texts]


def test_status_names_the_workspace_and_tells_failures_breakers_and_channels(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", DEAD_API)
    assert (
        invoke("submit", str(write_notice(tmp_path, "gio-mo-cua", "Cửa khẩu mở cửa lúc 7 giờ."))).exit_code
        == 0
    )
    _fail_one_segment(home, "connection refused")
    engine = _Breaking()
    for _ in range(2):
        engine.breaker.record(False, "HTTP 503 from the server")
    record_health(home, "libre", engine)

    result = invoke("status")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Workspace  {home}"
    assert lines[1].startswith("Database   ")
    assert lines[2] == "Prefect    http://127.0.0.1:9 (not answering: flow commands start the local one)"
    assert (
        "MT FAILED [lo]: 1 segment(s) the engine could not translate: connection refused (1). "
        "The next `trilingo pretranslate` retries them"
    ) in lines
    waiting = next(line for line in lines if line.startswith("Nothing is waiting") or "Waiting" in line)
    assert waiting == "Nothing is waiting for review."  # submitted, not yet pretranslated
    published = next(line for line in lines if line.startswith("Last published: "))
    assert published.startswith("Last published: web ") and "files)" in published
    breaker = next(line for line in lines if line.startswith("ENGINE libre"))
    assert "circuit breaker OPEN" in breaker and breaker.endswith("HTTP 503 from the server")

    data = json.loads(invoke("status", "--json").stdout)
    assert data["workspace"] == str(home)
    assert data["prefect"] == {"api_url": DEAD_API, "answering": False}
    assert data["mt_failed"] == {
        "lo": {"count": 1, "reasons": [{"reason": "connection refused", "count": 1}]}
    }
    assert data["engines"] == [
        {
            "engine": "libre",
            "breaker": "open",
            "last_reason": "HTTP 503 from the server",
            "at": data["engines"][0]["at"],
        }
    ]
    assert set(data["channels"]) == {"web"} and data["channels"]["web"]["files"] > 0


@pytest.mark.postgres
def test_status_masks_the_database_password(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = pg_url.replace("://postgres@", "://postgres:s3cret@")  # trust auth takes any password
    assert secret != pg_url
    monkeypatch.setenv("TRILINGO_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("TRILINGO_DATABASE_URL", secret)
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", DEAD_API)
    assert invoke("init").exit_code == 0
    result = invoke("status")
    assert result.exit_code == 0, result.output
    database = result.stdout.splitlines()[1]
    assert database.startswith("Database   postgresql+psycopg://postgres:***@127.0.0.1")
    assert "s3cret" not in result.output
    assert "s3cret" not in json.loads(invoke("status", "--json").stdout)["database"]


def test_engine_health_skips_engines_without_a_breaker_and_unreadable_files(tmp_path: Path) -> None:
    from trilingo.mt.offline import OfflineEngine

    record_health(tmp_path, "memory", OfflineEngine())
    (tmp_path / "engines").mkdir(exist_ok=True)
    (tmp_path / "engines" / "broken.json").write_text("{not json", encoding="utf-8")
    assert load_health(tmp_path) == []
    engine = _Breaking()
    engine.breaker.record(False, "timeout")
    record_health(tmp_path, "libre", engine)
    [health] = load_health(tmp_path)
    assert (health.engine, health.breaker, health.last_reason) == ("libre", "closed", "timeout")


def test_the_pretranslate_summary_lists_counts_and_every_failure() -> None:
    results = [
        {"lang": "lo", "engine": "libre", "documents": 2, "segments": 5, "tm": 1, "glossary": 1,
         "engine_drafts": 2, "engine_calls": 3, "cache_hits": 0, "untranslated": 0, "warnings": 1,
         "failed": 1, "kept": 0, "failures": ["segment 4: unavailable: connection refused"]},
        {"lang": "lo", "engine": "libre", "documents": 1, "segments": 2, "tm": 0, "glossary": 0,
         "engine_drafts": 2, "engine_calls": 1, "cache_hits": 1, "untranslated": 0, "warnings": 0,
         "failed": 0, "kept": 0, "failures": []},
    ]  # fmt: skip
    text = pretranslate_markdown(results)
    assert "**1 of 7 segment(s) failed**" in text
    assert "| lo | libre | 3 | 7 | 1 | 1 | 4 |" in text  # drafts
    assert "| lo | 0 | 1 | 1 | 0 |" in text and "| lo | 4 | 1 |" in text  # left for a person; engine use
    assert "- lo: segment 4: unavailable: connection refused" in text
    assert "Nothing was waiting" in pretranslate_markdown([])


class _Collector(BaseHTTPRequestHandler):
    bodies: list[Any] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).bodies.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    _Collector.bodies = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_submit_posts_its_event_for_serve(
    home: Path, tmp_path: Path, collector: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", collector)
    result = invoke("submit", str(write_notice(tmp_path, "le-phi", "Xe tải nộp lệ phí.")))
    assert result.exit_code == 0 and result.stderr == ""
    [(path, [event])] = _Collector.bodies
    assert path == "/api/events"
    settings = config.load(home=str(home))
    assert event["event"] == SUBMITTED
    assert event["resource"]["prefect.resource.id"] == resource_id(settings)
    assert event["payload"] == {"documents": ["le-phi"]}
    # Unchanged on a second submit: no new work, no event.
    assert invoke("submit", str(tmp_path / "le-phi.md")).exit_code == 0
    assert len(_Collector.bodies) == 1


@pytest.mark.usefixtures("home")
def test_a_bulk_submit_announces_its_notices_in_several_events_so_workers_can_share_them(
    tmp_path: Path, collector: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trilingo.events

    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", collector)
    monkeypatch.setattr(trilingo.events, "DOCUMENTS_PER_EVENT", 2)
    files = [str(write_notice(tmp_path, f"tb-{i}", f"Thông báo số {i}.")) for i in range(5)]
    assert invoke("submit", *files).exit_code == 0
    [(path, events)] = _Collector.bodies  # one request
    assert path == "/api/events"
    assert [e["payload"]["documents"] for e in events] == [["tb-0", "tb-1"], ["tb-2", "tb-3"], ["tb-4"]]
    assert {e["event"] for e in events} == {SUBMITTED} and len({e["id"] for e in events}) == 3


def test_without_a_server_submit_still_succeeds_and_says_so_in_one_line(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", DEAD_API)
    result = invoke("submit", str(write_notice(tmp_path, "le-phi", "Xe tải nộp lệ phí.")))
    assert result.exit_code == 0
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "Note: the Prefect server at http://127.0.0.1:9 did not take the trilingo.document.submitted "
        "event (connection refused); saved all the same"
    )
    assert "`trilingo serve` picks it up at its next sweep" in line
    assert invoke("--quiet", "submit", str(write_notice(tmp_path, "khac", "Câu khác."))).stderr == ""
    assert emit(config.load(home=str(home)), SUBMITTED, {"documents": []}) is False


def test_a_request_never_raises_and_says_why_it_failed(collector: str) -> None:
    # Nothing listens on port 9; [::1] without a port must not be read as host "::" port 1.
    assert request("POST", "http://127.0.0.1:9/api/events", body=[], timeout=2) == Reply(
        None, "connection refused"
    )
    assert request("POST", "http://[::1]:9/api/events", body=[], timeout=2).status is None
    assert request("GET", "http://127.0.0.1:99999/api/health", timeout=2) == Reply(
        None, "not an http(s) address: http://127.0.0.1:99999/api/health"
    )
    assert request("GET", "ftp://127.0.0.1/api/health", timeout=2).error.startswith("not an http(s) address")
    # An answer, whatever its status, is a status and no error.
    assert request("POST", f"{collector}/events?x=1", body=[{"event": "Xe tải"}], timeout=5).status == 204
    assert _Collector.bodies == [("/api/events?x=1", [{"event": "Xe tải"}])]
    assert request("GET", collector.removesuffix("/api") + "/elsewhere", timeout=5) == Reply(404)


@pytest.mark.usefixtures("workspace")
def test_quiet_leaves_out_summaries_but_not_the_output_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", DEAD_API)
    notice = write_notice(tmp_path, "le-phi", "Xe tải nộp lệ phí.")
    quiet = invoke("-q", "submit", str(notice))
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    as_json = invoke("--quiet", "submit", str(notice), "--json")
    assert json.loads(as_json.stdout)[0]["slug"] == "le-phi"
    listing = invoke("--quiet", "review", "queue")
    assert listing.exit_code == 0
    failed = invoke("--quiet", "review", "show", "nope", "--lang", "lo")
    assert failed.exit_code == 1 and failed.stderr.startswith("Error: ")
    both = invoke("--quiet", "--verbose", "status")
    assert both.exit_code == 2 and "--quiet and --verbose cannot be used together" in both.output


@pytest.mark.usefixtures("workspace")
def test_no_color_turns_colour_off_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    coloured = invoke("glossary", "lookup", "Cửa khẩu Quốc tế Tây Trang", color=True)
    assert "\x1b[" in coloured.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    plain = invoke("glossary", "lookup", "Cửa khẩu Quốc tế Tây Trang", color=True)
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout
    assert plain.stdout.startswith("[Cửa khẩu Quốc tế Tây Trang]")


def test_server_help_names_the_configured_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRILINGO_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("TRILINGO_PREFECT_PORT", "4321")
    out = invoke("server", "--help").stdout
    assert "http://127.0.0.1:4321" in out and "4200" not in out
    assert not (tmp_path / "ws").exists()


@pytest.mark.usefixtures("workspace")
def test_runs_without_a_server_is_one_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", DEAD_API)
    result = invoke("runs")
    assert result.exit_code == 10
    assert result.stderr.splitlines() == [
        "Error: no Prefect server answers at http://127.0.0.1:9/api (ConnectError); start the local one with "
        "`trilingo server start`, or check prefect_api_url"
    ]
    assert invoke("runs", "--limit", "0").exit_code == 1


@pytest.mark.prefect
@pytest.mark.usefixtures("flow_home")
def test_runs_lists_named_tagged_runs_with_their_artifacts(
    prefect_http: httpx.Client, tmp_path: Path
) -> None:
    assert (
        invoke("submit", str(write_notice(tmp_path, "gio-mo-cua", "Cửa khẩu mở cửa lúc 7 giờ."))).exit_code
        == 0
    )
    assert invoke("pretranslate").exit_code == 0
    rows = json.loads(invoke("runs", "--flow", "pretranslate", "--limit", "1", "--json").stdout)
    [row] = rows
    assert row["name"].startswith("pretranslate-lo-zh-20")
    assert row["state"] == "Completed" and row["flow"] == "pretranslate"
    assert {"trilingo", "kind:pretranslate", "engine:memory", "lang:lo", "lang:zh", "trigger:cli"} <= set(
        row["tags"]
    )
    text = invoke("runs", "--flow", "pretranslate", "--limit", "1").stdout
    assert row["name"] in text and "Completed" in text
    assert "did not fully succeed" not in text
    failed = json.loads(invoke("runs", "--state", "failed", "--flow", "pretranslate", "--json").stdout)
    assert all(r["state_type"] in ("FAILED", "CRASHED") for r in failed)

    artifacts = prefect_http.post(
        "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [row["id"]]}}}
    ).json()
    by_key = {a["key"]: a for a in artifacts}
    assert by_key["pretranslate-summary"]["type"] == "markdown"
    assert "| lo | memory |" in by_key["pretranslate-summary"]["data"]
    backlog = by_key["review-backlog"]
    assert backlog["type"] == "table"
    table = json.loads(backlog["data"]) if isinstance(backlog["data"], str) else backlog["data"]
    assert {r["language"] for r in table} == {"lo", "zh"}


@pytest.mark.prefect
def test_the_crash_detection_automation_is_installed_once_and_kept_up_to_date(
    prefect_api: str, prefect_http: httpx.Client
) -> None:
    from trilingo.automations import CRASH_DETECTION, crash_detection, ensure_crash_detection

    def installed() -> list[dict[str, Any]]:
        body = {"automations": {"name": {"any_": [CRASH_DETECTION]}}}
        found: list[dict[str, Any]] = prefect_http.post("/automations/filter", json=body).json()
        return found

    for automation in installed():  # another test may have installed it already
        prefect_http.delete(f"/automations/{automation['id']}").raise_for_status()
    assert ensure_crash_detection(prefect_api) is True
    assert ensure_crash_detection(prefect_api) is False
    [automation] = installed()
    trigger = automation["trigger"]
    assert trigger["posture"] == "Proactive" and trigger["within"] == 90
    assert set(trigger["after"]) == {"prefect.flow-run.heartbeat", "prefect.flow-run.Running"}
    assert automation["actions"][0]["state"] == "CRASHED"
    # An older version (heartbeats only) is brought up to date, not duplicated.
    old = crash_detection()
    old["trigger"]["after"] = ["prefect.flow-run.heartbeat"]
    prefect_http.put(f"/automations/{automation['id']}", json=old).raise_for_status()
    assert ensure_crash_detection(prefect_api) is False
    [updated] = installed()
    assert set(updated["trigger"]["after"]) == {"prefect.flow-run.heartbeat", "prefect.flow-run.Running"}


def test_status_asks_the_server_with_the_standard_library(collector: str) -> None:
    from trilingo.server import answers

    assert answers(collector) is True
    assert answers(collector.removesuffix("/api") + "/elsewhere") is False  # a 404 is not an answer
    assert answers(DEAD_API) is False
    assert answers("not a url") is False


@pytest.mark.prefect
def test_serve_pretranslates_what_is_submitted_and_publishes_what_is_approved(
    flow_home: Path, prefect_api: str, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    settings = config.load(home=str(flow_home))
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "trilingo", "serve", "--sweep", "3600", "--publish-sweep", "3600"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def wait_for(what: str, check: Any) -> Any:
        return wait_while_running(proc, what, check, timeout=90, every=0.5)

    try:
        key = settings.workspace_key
        for flow in ("pretranslate", "publish"):
            wait_for(
                f"the {flow} deployment",
                lambda flow=flow: (
                    httpx.get(f"{prefect_api}/deployments/name/{flow}/{key}", timeout=5).status_code == 200
                ),
            )
        time.sleep(3)  # the triggers service loads the new automations
        notice = write_notice(tmp_path, "xep-hang", "Xin vui lòng xếp hàng.", title="Lời nhắn")
        assert invoke("submit", str(notice)).exit_code == 0

        def queued() -> bool:
            return bool(json.loads(invoke("review", "queue", "--lang", "lo", "--json").stdout))

        wait_for("the submitted notice pretranslated", queued)

        def event_run_completed() -> bool:
            runs = json.loads(invoke("runs", "--flow", "pretranslate", "--json").stdout)
            return any(r["started_by"] == "event" and r["state"] == "Completed" for r in runs)

        wait_for("its event-triggered run completed", event_run_completed)
        for n, text in ((1, "ຂໍ້ຄວາມ"), (2, "ກະລຸນາເຂົ້າແຖວ.")):
            edit = invoke("review", "edit", "xep-hang", "--lang", "lo", "--segment", str(n), "--text", text)
            assert edit.exit_code == 0, edit.output
        approved = invoke("review", "approve", "xep-hang", "--lang", "lo")
        assert approved.exit_code == 0, approved.output
        page = flow_home / "public" / "web" / "lo" / "n" / "xep-hang.html"
        wait_for("the approved translation published", page.exists)
        assert "ກະລຸນາເຂົ້າແຖວ." in page.read_text(encoding="utf-8")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.splitlines()[0].startswith(f"Serving {flow_home} ({settings.workspace_key}) on ")
    assert out.splitlines()[-1].startswith("Stopped. The schedules are paused"), out
    assert "Traceback" not in out + err and "CancelledError" not in out + err
