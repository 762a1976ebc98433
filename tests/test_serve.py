"""`trilingo serve`: what its deployments are named, the line it prints per run, the sweep it runs as it
starts, and the publishes it does not run twice."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.helpers import wait_while_running, write_notice
from trilingo import config, i18n
from trilingo.cli import cli
from trilingo.config import readable_key
from trilingo.events import resource_id
from trilingo.flows import serve
from trilingo.languages import TARGETS

ROOT = Path(__file__).parent.parent
LAO = TARGETS[0]


# The deployments' names (issue 26)


def test_a_workspace_key_is_its_folders_name_with_a_hash_of_its_path() -> None:
    key = readable_key(Path("/srv/Cửa khẩu Đồng Đăng"))
    assert re.fullmatch(r"cua-khau-dong-dang-[0-9a-f]{8}", key), key
    # Two folders of the same name elsewhere stay two workspaces; the same folder is always the same key.
    assert readable_key(Path("/other/Cửa khẩu Đồng Đăng")) != key
    assert readable_key(Path("/srv/Cửa khẩu Đồng Đăng")) == key
    # A name with nothing to show is the hash alone, as before; a long one is cut at a word's end.
    assert re.fullmatch(r"ws-[0-9a-f]{10}", readable_key(Path("/srv/口岸")))
    long = readable_key(Path("/srv/" + "gate-" * 20))
    assert len(long) <= 40 and not long.startswith("-") and "--" not in long
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", long)  # what workspace_id itself may be


def test_the_deployments_are_named_after_the_workspace_and_match_its_events(tmp_path: Path) -> None:
    home = tmp_path / "lao-bao"
    settings = config.load(environ={}, home=str(home))
    assert settings.workspace_key.startswith("lao-bao-")
    deps = serve.deployments(settings, dict.fromkeys(TARGETS, "memory"))
    assert {d.name for d in deps} == {settings.workspace_key}
    for d in deps:
        [trigger] = d.triggers
        # The events `submit` and `approve` send are about this resource: the triggers must match it.
        assert trigger.match.model_dump() == {"prefect.resource.id": resource_id(settings)}
        assert f"workspace:{settings.workspace_key}" in d.tags
    home.mkdir()
    (home / "config.toml").write_text('workspace_id = "gates-north"\n', encoding="utf-8")
    named = config.load(environ={}, home=str(home))
    assert named.workspace_key == "gates-north"
    assert resource_id(named) == "trilingo.workspace.gates-north"
    assert {d.name for d in serve.deployments(named, dict.fromkeys(TARGETS, "memory"))} == {"gates-north"}


# The lines


def test_a_run_is_one_line_as_it_starts_and_one_as_it_ends_in_the_gates_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRILINGO_TIMEZONE", raising=False)
    i18n.set_zone(None)
    at = datetime(2026, 11, 27, 3, 15, 2, tzinfo=UTC)  # 10:15:02 at the gates (UTC+7)
    assert serve.start_line("pretranslate", "event", at, {"documents": ["a", "b", "c"]}) == (
        "10:15:02 pretranslate (event) started: 3 document(s)"
    )
    assert serve.start_line("pretranslate", "start", at, {"sweep": True}) == (
        "10:15:02 pretranslate (at start) started: a sweep of what waits"
    )
    assert serve.start_line("publish", "event", at, {}, covered=4) == (
        "10:15:02 publish (event) started: everything approved, for 4 queued run(s) too (removed)"
    )
    results = [
        {
            "lang": "lo",
            "documents": 3,
            "segments": 12,
            "tm": 2,
            "glossary": 1,
            "engine_drafts": 5,
            "failed": 1,
        },
        {
            "lang": "zh",
            "documents": 3,
            "segments": 12,
            "tm": 0,
            "glossary": 0,
            "engine_drafts": 12,
            "failed": 0,
        },
    ]
    done = serve.Outcome("Partial", "1 of 24 segment(s) failed", serve.counts_of("pretranslate", results))
    assert serve.end_line("pretranslate", "event", at, 2.04, done, 0) == (
        "10:15:02 pretranslate (event) Partial in 2.0 s: 24 segment(s) of 6 document-language(s) (lo, zh): "
        "20 drafted, 1 failed"
    )
    published = [
        {"channel": "web", "written": ["lo/a.html", "lo/index.html"], "removed": []},
        {"channel": "kiosk", "written": [], "removed": []},
    ]
    outcome = serve.Outcome("Completed", "", serve.counts_of("publish", published))
    assert serve.end_line("publish", "schedule", at, 1.0, outcome, 0).endswith(
        "publish (schedule) Completed in 1.0 s: web 2 file(s)"
    )
    idle = serve.Outcome("Completed", "", serve.counts_of("publish", [{"channel": "web", "written": []}]))
    assert serve.end_line("publish", "event", at, 1.0, idle, 0).endswith(": nothing new to publish")
    failed = serve.Outcome("Failed", "web: the task failed", None)
    assert serve.end_line("publish", "manual", at, 3.0, failed, 1).endswith(
        "publish (by hand) Failed in 3.0 s: web: the task failed"
    )
    assert serve.end_line("publish", "event", at, 3.0, None, -9).endswith(
        "publish (event) Crashed in 3.0 s: its process ended (exit code -9) without saying what it did"
    )
    # Another zone, when the workspace names one.
    monkeypatch.setenv("TRILINGO_TIMEZONE", "UTC")
    assert serve.start_line("publish", "event", at, {}).startswith("03:15:02 publish")


def test_the_sweep_at_start_leaves_nothing_to_a_run_of_an_event() -> None:
    assert serve.start_sweep_parameters({"sweep": True, "grace_seconds": 120}) == {"grace_seconds": 0}
    assert serve.start_sweep_parameters({"home": "/x", "user": "u"}) == {}


def test_the_place_prefect_starts_served_runs_is_still_where_serve_overrides_it() -> None:
    """A Prefect upgrade that moves it would quietly bring back the 2.5 s start of every run."""
    import inspect

    import prefect.flow_engine as engine
    import prefect.runner._starter_direct as starter

    assert starter.run_flow_in_subprocess is engine.run_flow_in_subprocess
    assert 'multiprocessing.get_context("spawn")' in inspect.getsource(engine.run_flow_in_subprocess)


# Serve itself, against the session's Prefect server


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "trilingo", *args, "serve", "--sweep", "3600", "--publish-sweep", "3600"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl-C: serve itself must stop cleanly. A flow run it forked may still be finishing and hold the
    output pipes open after serve is gone, so serve's own exit is waited for, then what is left of its
    process group is ended before the output is read."""
    os.killpg(proc.pid, signal.SIGINT)
    returncode = proc.wait(timeout=90)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert returncode == 0, err
    assert "Traceback" not in out + err
    return out, err


def _waiting(lang: str) -> int:
    found = CliRunner().invoke(cli, ["review", "queue", "--lang", lang, "--json"])
    return len(json.loads(found.stdout))


def _start_runs(api: str, key: str) -> list[dict[str, Any]]:
    body = {"flow_runs": {"tags": {"all_": [serve.START_TAG]}}, "deployments": {"name": {"any_": [key]}}}
    found: list[dict[str, Any]] = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10).json()
    return found


def _event_runs_at_work(api: str, key: str) -> list[str]:
    body = {"deployments": {"name": {"any_": [key]}}, "limit": 200}
    found = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10).json()
    return [
        r["id"]
        for r in found
        if (r.get("created_by") or {}).get("type") == "AUTOMATION"
        and r["state"]["type"] in ("SCHEDULED", "PENDING", "RUNNING")
    ]


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_serve_sweeps_as_it_starts_and_says_what_each_run_did(
    flow_home: Path, prefect_api: str, tmp_path: Path
) -> None:
    from trilingo.service import review
    from trilingo.service.context import Context

    # Submitted while nothing served: only the sweep at start can draft it (the schedules are an hour).
    early = write_notice(tmp_path, "som", "Xin vui lòng xếp hàng ở cổng số 1.", title="Sớm")
    assert CliRunner().invoke(cli, ["submit", str(early)]).exit_code == 0
    settings = config.load(home=str(flow_home))
    proc = _serve()
    try:
        wait_while_running(proc, "the notice submitted before serve drafted", lambda: _waiting(LAO) == 1)
        starts = _start_runs(prefect_api, settings.workspace_key)
        assert len(starts) == 2  # one of each deployment
        [pre] = [r for r in starts if "sweep" in r["parameters"]]
        assert pre["parameters"]["sweep"] is True and pre["parameters"]["grace_seconds"] == 0
        notices = [
            write_notice(
                tmp_path, slug, f"Thông báo {n}: xin vui lòng xếp hàng ở cổng số {n}.", title=f"Lời {n}"
            )
            for n, slug in ((2, "hai"), (3, "ba"), (4, "bon"))
        ]
        assert CliRunner().invoke(cli, ["submit", *map(str, notices)]).exit_code == 0
        wait_while_running(proc, "the submitted notices drafted", lambda: _waiting(LAO) == 4)
        ctx = Context(settings, settings.caller, quiet=True)
        for n, slug in ((1, "som"), (2, "hai"), (3, "ba")):
            title = "ສຳເລັດ" if slug == "som" else f"ຂໍ້ຄວາມ {n}"
            review.edit(ctx, slug, LAO, 1, title)
            review.edit(
                ctx, slug, LAO, 2, f"ແຈ້ງການ {n}: ກະລຸນາເຂົ້າແຖວທີ່ປະຕູ {n}." if n > 1 else "ກະລຸນາເຂົ້າແຖວທີ່ປະຕູ 1."
            )
        for slug in ("som", "hai", "ba"):  # three approvals at once: three events
            review.approve(ctx, slug, LAO)
        pages = [flow_home / "public" / "web" / LAO / "n" / f"{slug}.html" for slug in ("som", "hai", "ba")]
        wait_while_running(proc, "the three approvals published", lambda: all(p.exists() for p in pages))
        wait_while_running(
            proc,
            "every publish an event started ended",
            lambda: not _event_runs_at_work(prefect_api, settings.workspace_key),
        )
        time.sleep(1)  # its line
    finally:
        out, _ = _stop(proc)
    lines = out.splitlines()
    assert lines[0].startswith(f"Serving {flow_home} ({settings.workspace_key}) on ")
    assert lines[-1].startswith("Stopped.")
    clock = r"\d\d:\d\d:\d\d"
    runs = lines[1:-1]
    assert any(
        re.fullmatch(rf"{clock} pretranslate \(at start\) started: a sweep of what waits", x) for x in runs
    )
    assert any(
        re.fullmatch(
            rf"{clock} pretranslate \(at start\) Completed in \d+\.\d s: 4 segment\(s\) of 2 "
            r"document-language\(s\) \(lo, zh\): 0 drafted, 0 failed",
            x,
        )
        for x in runs
    ), runs
    assert any(re.fullmatch(rf"{clock} publish \(at start\) Completed in \d+\.\d s: .+", x) for x in runs)
    assert any(re.fullmatch(rf"{clock} pretranslate \(event\) started: 3 document\(s\)", x) for x in runs), (
        runs
    )
    assert any(
        re.fullmatch(
            rf"{clock} pretranslate \(event\) Completed in \d+\.\d s: 12 segment\(s\) of 6 "
            r"document-language\(s\) \(lo, zh\): 0 drafted, 0 failed",
            x,
        )
        for x in runs
    ), runs
    # Each approval's publish either ran or was removed by one that ran after it was queued (how many of
    # each depends on when the events' runs were made: 3.4 s after the event at the median), and every
    # page was written. A run the third event made late may still be going when serve is stopped.
    started = [x for x in runs if re.fullmatch(rf"{clock} publish \(event\) started: .*", x)]
    removed = sum(int(m) for x in started for m in re.findall(r"for (\d+) queued run", x))
    assert len(started) >= 1 and len(started) + removed <= 3, runs
    ended = [x for x in runs if re.fullmatch(rf"{clock} publish \(event\) Completed in \d+\.\d s: .+", x)]
    assert 1 <= len(ended) <= len(started), runs
    assert any(re.search(r": .*web \d+ file\(s\)", x) for x in ended), ended


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("flow_home")
def test_serve_quiet_prints_no_run_lines_and_still_sweeps_at_start(tmp_path: Path) -> None:
    early = write_notice(tmp_path, "yen", "Xin vui lòng giữ yên lặng.", title="Yên lặng")
    assert CliRunner().invoke(cli, ["submit", str(early)]).exit_code == 0
    proc = _serve("--quiet")
    try:
        wait_while_running(proc, "the notice submitted before serve drafted", lambda: _waiting(LAO) == 1)
        time.sleep(2)
    finally:
        out, _ = _stop(proc)
    assert [line.split(" ", 1)[0] for line in out.splitlines()] == ["Serving", "Stopped."]


def test_the_runner_asks_every_second_unless_prefects_setting_says_otherwise() -> None:
    from trilingo.errors import ConfigError

    assert serve.poll_seconds({}) == serve.POLL_SECONDS == 1.0
    assert serve.poll_seconds({"PREFECT_RUNNER_POLL_FREQUENCY": "0.5"}) == 0.5
    for wrong in ("soon", "0", "-1"):
        with pytest.raises(ConfigError, match="PREFECT_RUNNER_POLL_FREQUENCY must be a number of seconds"):
            serve.poll_seconds({"PREFECT_RUNNER_POLL_FREQUENCY": wrong})
