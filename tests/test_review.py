"""Reviewer commands through the CLI: contracts, actions, audit, and every error branch."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from cli import cli
from store.db import engine_for
from store.models import AuditEvent
from tests.helpers import write_notice
from tm.models import TMEntry


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def ok(*args: str) -> str:
    code, out = run(*args)
    assert code == 0, out
    return out


@pytest.fixture
def doc(home: Path, tmp_path: Path, db_url: str) -> str:
    """A submitted and pretranslated (memory engine, no flow) two-segment notice."""
    from glossary.store import load, load_starter
    from mt.memory import MemoryEngine
    from pretranslate.run import pretranslate_batch
    from pretranslate.select import waiting
    from store.db import session_scope

    ok("submit", str(write_notice(tmp_path, "tb", "Hàng hoá phải khai báo với Hải quan.", title="Hải quan")))
    with session_scope(engine_for(db_url)) as session:
        load_starter(session, "tester")
        glossary = load(session)
        for lang, ids in waiting(session).items():
            pretranslate_batch(session, ids, lang, MemoryEngine(), glossary, actor="tester")
    return "tb"


def audit_count(db_url: str) -> int:
    with Session(engine_for(db_url)) as s:
        return s.exec(select(func.count()).select_from(AuditEvent)).one()


def test_queue_json_contract(doc: str) -> None:
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
    with Session(engine_for(db_url)) as s:
        entry = s.exec(
            select(TMEntry).where(TMEntry.tgt_lang == "zh", TMEntry.target == "货物须向海关申报。")
        ).one()
        assert entry.source == "Hàng hoá phải khai báo với Hải quan."
        events = s.exec(select(AuditEvent).where(AuditEvent.lang == "zh").order_by(AuditEvent.id)).all()
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


def test_audit_log_is_append_only(doc: str, db_url: str) -> None:
    engine = engine_for(db_url)
    for stmt in ("UPDATE auditevent SET actor = 'x'", "DELETE FROM auditevent"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
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
    ],
)
def test_error_branches_change_nothing(doc: str, db_url: str, args: tuple[str, ...], message: str) -> None:
    before = audit_count(db_url)
    assert run(*args) == (1, f"Error: {message}\n")
    assert audit_count(db_url) == before


def test_status_json(doc: str) -> None:
    data = json.loads(ok("status", "--json"))
    assert data["counts"] == {"approved": {"vi": 1}, "pretranslated": {"lo": 1, "zh": 1}}
    assert data["segments"]["untranslated"] == {"lo": 1, "zh": 1}
    assert data["oldest_waiting"] is not None
