"""Reviewer commands through the CLI: contracts, actions, audit, and every error branch."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, col, func, select

from tests.helpers import add_users, write_notice
from trilingo.cli import cli
from trilingo.store.models import AuditEvent
from trilingo.store.sessions import TrilingoSession
from trilingo.tm.models import TMEntry
from trilingo.workspace import open_database


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def ok(*args: str) -> str:
    code, out = run(*args)
    assert code == 0, out
    return out


@pytest.fixture
def doc(solo: Path, db_url: str) -> str:
    """A submitted and pretranslated (memory engine, no flow) two-segment notice, in a one-person office."""
    home = solo
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting

    ok(
        "submit",
        str(write_notice(home.parent, "tb", "Hàng hoá phải khai báo với Hải quan.", title="Hải quan")),
    )
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    return "tb"


def audit_count(db_url: str) -> int:
    with TrilingoSession(open_database(db_url, "tester")) as s:
        return s.exec(select(func.count()).select_from(AuditEvent)).one()


def snapshot(db_url: str) -> dict[str, list[tuple]]:
    """Every row of every table: an error must leave all of them as they were."""
    with TrilingoSession(open_database(db_url, "tester")) as s:
        return {
            t.name: sorted(map(tuple, s.connection().execute(t.select()).all()), key=repr)
            for t in SQLModel.metadata.sorted_tables
        }


@pytest.mark.usefixtures("doc")
def test_queue_json_contract() -> None:
    items = json.loads(ok("review", "queue", "--json"))
    assert [(i["slug"], i["lang"], i["state"]) for i in items] == [
        ("tb", "lo", "pretranslated"),
        ("tb", "zh", "pretranslated"),
    ]
    assert all(isinstance(i["document"], int) for i in items)
    datetime.fromisoformat(items[0]["waiting_since"])
    assert [i["lang"] for i in json.loads(ok("review", "queue", "--lang", "zh", "--json"))] == ["zh"]


def test_show_json_contract_with_glossary_hits(doc: str) -> None:
    view = json.loads(ok("review", "show", doc, "--lang", "zh", "--json"))
    assert (view["lang"], view["state"]) == ("zh", "pretranslated")
    first, second = view["segments"]
    assert (first["n"], first["source"], first["target"], first["origin"]) == (
        1,
        "Hải quan",
        "海关",
        "glossary",
    )
    assert (second["n"], second["target"], second["origin"]) == (2, None, "memory")
    assert isinstance(second["warnings"], list)
    assert any(h.get("target") == "海关" for h in second["hints"])
    text_out = ok("review", "show", doc, "--lang", "zh")
    assert "[Hải quan]" in text_out and "(untranslated)" in text_out


def test_edit_approve_feeds_memory_and_audit(doc: str, db_url: str) -> None:
    add_users("rev1", "rev2")
    code, out = run("review", "approve", doc, "--lang", "zh")
    assert (code, out) == (1, "Error: cannot approve tb [zh]: 1 segment(s) untranslated (2)\n")
    ok(
        "review",
        "edit",
        doc,
        "--lang",
        "zh",
        "--segment",
        "2",
        "--text",
        "货物须向海关申报。",
        "--as",
        "rev1",
    )
    assert json.loads(ok("review", "show", doc, "--lang", "zh", "--json"))["state"] == "in_review"
    ok("review", "approve", doc, "--lang", "zh", "--as", "rev2")
    with TrilingoSession(open_database(db_url, "tester")) as s:
        entry = s.exec(
            select(TMEntry).where(TMEntry.tgt_lang == "zh", TMEntry.target == "货物须向海关申报。")
        ).one()
        assert entry.source == "Hàng hoá phải khai báo với Hải quan."
        events = s.exec(select(AuditEvent).where(AuditEvent.lang == "zh").order_by(col(AuditEvent.id))).all()
        edit = next(e for e in events if e.action == "edit")
        assert (edit.actor, edit.old, edit.new) == ("rev1", None, "货物须向海关申报。")
        assert [e.actor for e in events if e.action == "approve"] == ["rev2"]
    assert [i["lang"] for i in json.loads(ok("review", "queue", "--json"))] == ["lo"]


def test_reject_with_reason_then_rework(doc: str) -> None:
    ok("review", "reject", doc, "--lang", "lo", "--reason", "thiếu dấu câu")
    item = json.loads(ok("review", "queue", "--lang", "lo", "--json"))[0]
    assert (item["state"], item["reason"]) == ("rejected", "thiếu dấu câu")
    code, out = run("review", "approve", doc, "--lang", "lo")
    assert (code, out) == (1, "Error: cannot approve tb [lo]: it is rejected (edit a segment first)\n")


@pytest.mark.usefixtures("doc")
def test_audit_log_is_append_only(db_url: str) -> None:
    db = open_database(db_url, "tester")
    for stmt in ("UPDATE auditevent SET actor = 'x'", "DELETE FROM auditevent"):
        with pytest.raises(DBAPIError, match="append-only"), db.begin() as conn:
            conn.execute(text(stmt))
    assert audit_count(db_url) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("review", "show", "nope", "--lang", "lo"), "unknown document 'nope'"),
        (("review", "show", "tb", "--lang", "fr"), "unknown language 'fr' (expected one of: lo, zh)"),
        (("review", "show", "tb", "--lang", "vi"), "unknown language 'vi' (expected one of: lo, zh)"),
        (("review", "queue", "--lang", "th"), "unknown language 'th' (expected one of: lo, zh)"),
        (
            ("review", "edit", "tb", "--lang", "lo", "--segment", "9", "--text", "x"),
            "tb has no segment 9 (it has 1–2)",
        ),
        (("review", "edit", "tb", "--lang", "lo", "--segment", "1", "--text", "  "), "the new text is empty"),
        (
            ("review", "edit", "999", "--lang", "lo", "--segment", "1", "--text", "x"),
            "unknown document '999'",
        ),
        (
            ("review", "approve", "tb", "--lang", "lo"),
            "cannot approve tb [lo]: 1 segment(s) untranslated (2)",
        ),
        (("review", "reject", "tb", "--lang", "lo", "--reason", " "), "a rejection needs a reason"),
        (("review", "show", "9" * 30, "--lang", "lo"), f"unknown document '{'9' * 30}'"),
    ],
)
@pytest.mark.usefixtures("doc")
def test_error_branches_change_nothing(db_url: str, args: tuple[str, ...], message: str) -> None:
    before = snapshot(db_url)
    assert run(*args) == (1, f"Error: {message}\n")
    assert snapshot(db_url) == before


@pytest.mark.usefixtures("doc")
def test_status_json() -> None:
    data = json.loads(ok("status", "--json"))
    assert data["counts"] == {"published": {"vi": 1}, "pretranslated": {"lo": 1, "zh": 1}}
    assert data["segments"]["untranslated"] == {"lo": 1, "zh": 1}
    assert data["oldest_waiting"] is not None


def test_an_approved_translation_cannot_be_rejected(doc: str, db_url: str) -> None:
    """Rejecting would leave an approved release live under a rejected state; edit and re-approve instead."""
    ok("review", "edit", doc, "--lang", "zh", "--segment", "2", "--text", "货物须向海关申报。")
    ok("review", "approve", doc, "--lang", "zh")
    before = snapshot(db_url)
    assert run("review", "reject", doc, "--lang", "zh", "--reason", "x") == (
        1,
        "Error: cannot reject tb [zh]: it is approved\n",
    )
    assert snapshot(db_url) == before


def test_machine_draft_never_overwrites_an_edit_made_meanwhile(doc: str, db_url: str) -> None:
    """An edit that lands while an engine works wins; the engine's drafts of the other segments are kept."""
    from trilingo.mt.base import EngineResult
    from trilingo.pretranslate.jobs import find_waiting
    from trilingo.pretranslate.run import pretranslate_batch
    from trilingo.review.actions import edit
    from trilingo.store.db import session_scope

    class EditingEngine:
        """An engine so slow that a reviewer saves segment 2 while it translates."""

        name = "slow"

        def supports(self, _src: str, _tgt: str) -> bool:
            return True

        def translate_batch(self, texts: list[str], _src: str, _tgt: str) -> list[EngineResult]:
            with session_scope(open_database(db_url, "tester")) as other:
                edit(other, "tb", "zh", 2, "人工译文", "rev")
            return [EngineResult("机器译文") for _ in texts]

    add_users("rev")
    db = open_database(db_url, "tester")
    summary = pretranslate_batch(db, find_waiting(db)["zh"], "zh", EditingEngine(), actor="bot")
    assert (summary.segments, summary.kept) == (0, 1)  # the title was drafted by the glossary before
    seg = json.loads(ok("review", "show", doc, "--lang", "zh", "--json"))["segments"][1]
    assert (seg["target"], seg["state"], seg["origin"]) == ("人工译文", "edited", "human")
    # A later run leaves the edit alone: it only drafts untranslated or failed segments.
    assert find_waiting(db).get("zh") is None


def test_new_version_shows_what_a_changed_segment_used_to_say(doc: str, tmp_path: Path) -> None:
    ok("review", "edit", doc, "--lang", "zh", "--segment", "2", "--text", "货物须向海关申报。")
    ok(
        "submit",
        str(write_notice(tmp_path, "tb", "Hàng hoá phải khai báo với Hải quan ngay.", title="Hải quan")),
    )
    seg = json.loads(ok("review", "show", doc, "--lang", "zh", "--json"))["segments"][1]
    assert (seg["target"], seg["state"]) == (None, "untranslated")
    assert {
        "type": "previous",
        "source": "Hàng hoá phải khai báo với Hải quan.",
        "target": "货物须向海关申报。",
        "state": "edited",
    } in seg["hints"]
