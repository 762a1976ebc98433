"""End to end: `trilingo pretranslate` with each online engine against its stub, through real flow runs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tests.helpers import write_notice
from tests.prefect_api import flow_runs
from tests.stubs.fixtures import env_for, stub_for
from trilingo.cli import cli

BODY = "Hành khách xuất trình giấy tờ tại quầy số 2.\n\nXe tải nộp lệ phí trước 17:00."
SEGMENTS = 3  # the title and two sentences


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def _submit(tmp_path: Path) -> None:
    notice = write_notice(tmp_path, "le-phi", BODY, title="Thông báo lệ phí")
    assert _invoke("submit", str(notice))[0] == 0


def _segments(lang: str) -> list[dict]:
    code, out = _invoke("review", "show", "le-phi", "--lang", lang, "--json")
    assert code == 0, out
    return json.loads(out)["segments"]


@pytest.mark.prefect
@pytest.mark.parametrize(("name", "lang"), [("google", "lo"), ("microsoft", "zh"), ("mymemory", "lo")])
@pytest.mark.usefixtures("flow_home")
def test_pretranslate_with_engine_from_environment(
    name: str, lang: str, prefect_http: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _submit(tmp_path)
    with stub_for(name) as stub:
        for key, value in env_for(name, stub.url).items():
            monkeypatch.setenv(key, value)
        code, out = _invoke("pretranslate", "--engine", name, "--lang", lang, "--json")
        assert code == 0, out
    (summary,) = json.loads(out)
    drafted = [s for s in _segments(lang) if s["origin"] == name]
    assert summary["failed"] == 0
    assert summary["engine_drafts"] == len(drafted) == stub.calls
    assert all(s["target"] for s in drafted)
    # The flow ran the engine under Prefect's global limits (shared by all workers), and gave every slot back.
    limits = {lim["name"]: lim for lim in prefect_http.post("/v2/concurrency_limits/filter", json={}).json()}
    assert limits[f"trilingo-mt-{name}"]["active_slots"] == 0
    assert limits[f"trilingo-mt-{name}-rate"]["slot_decay_per_second"] > 0


@pytest.mark.prefect
@pytest.mark.usefixtures("flow_home")
def test_pretranslate_libre_by_url_retries_failed_segments_later(tmp_path: Path, prefect_api: str) -> None:
    _submit(tmp_path)
    with stub_for("libre", key=None) as stub:
        url = stub.url + "/"
        code, out = _invoke("pretranslate", "--engine", "libre", "--libre-url", url, "--lang", "lo")
        assert (code, out) == (2, "Error: engine libre cannot translate vi→lo\n")

        stub.fault = "500"
        result = CliRunner().invoke(cli, ["pretranslate", "--engine", "libre", "--libre-url", url, "--json"])
        # The engine answered 500 to everything: not a success, and the command says why in one line.
        assert result.exit_code == 10, result.output
        error = result.stderr.strip().splitlines()[-1]
        assert error.startswith("Error: the libre engine translated nothing (zh segment ")
        assert error.endswith("segment(s) stay mt_failed and the next `trilingo pretranslate` retries them")
        run = flow_runs(prefect_api, "pretranslate")[0]
        # Nothing at all could be drafted (Lao's memory engine drafts nothing new either): the run Failed.
        assert (run["state"]["type"], run["state"]["name"]) == ("FAILED", "Failed")
        assert run["state"]["message"].startswith("nothing could be drafted: ")
        assert "segment(s) failed" in run["state"]["message"]
        # With no language named, Lao (which libre lacks) falls back to the offline memory engine, and says so.
        assert "engine libre cannot translate vi→lo: lo uses the memory engine" in result.stderr
        by_lang = {r["lang"]: r for r in json.loads(result.stdout)}
        assert (by_lang["lo"]["engine"], by_lang["lo"]["untranslated"]) == ("memory", SEGMENTS)
        first = by_lang["zh"]
        failed = [s for s in _segments("zh") if s["state"] == "mt_failed"]
        assert first["failed"] == len(failed) > 0
        assert first["engine_drafts"] == 0

        stub.fault = None
        code, out = _invoke("pretranslate", "--engine", "libre", "--libre-url", url, "--lang", "zh", "--json")
        assert code == 0, out
    (second,) = json.loads(out)
    assert second["failed"] == 0
    assert second["engine_drafts"] == len(failed)
    assert not [s for s in _segments("zh") if s["state"] == "mt_failed"]


@pytest.mark.prefect
@pytest.mark.usefixtures("flow_home")
def test_a_run_with_some_failed_segments_is_completed_named_partial_and_exits_3(
    tmp_path: Path, prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _submit(tmp_path)
    with stub_for("libre") as stub:
        for key, value in env_for("libre", stub.url, retries=0, concurrency=1).items():
            monkeypatch.setenv(key, value)
        stub.fault, stub.fault_count = "500", 1  # the first request fails, the others are answered
        result = CliRunner().invoke(cli, ["pretranslate", "--engine", "libre", "--lang", "zh", "--json"])
    assert result.exit_code == 3, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("Error: some segments failed (zh segment ")
    (summary,) = json.loads(result.stdout)
    assert summary["failed"] == 1 and summary["engine_drafts"] == SEGMENTS - 1
    run = flow_runs(prefect_api, "pretranslate")[0]
    assert (run["state"]["type"], run["state"]["name"]) == ("COMPLETED", "Partial")
    assert run["state"]["message"] == f"1 of {SEGMENTS} segment(s) failed; the next run retries them"
