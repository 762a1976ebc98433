"""The glossary in the database (SQLite and PostgreSQL): starter, versions, imports, add, check, impact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from trilingo.glossary.csvio import write_csv
from trilingo.glossary.entries import ConceptData, TermData
from trilingo.glossary.errors import MalformedFile
from trilingo.glossary.models import GlossaryChange, GlossaryConcept
from trilingo.glossary.reports import check_approved, impact
from trilingo.glossary.store import (
    add,
    concepts,
    current_version,
    export,
    import_file,
    load,
    load_starter,
    starter_path,
)
from trilingo.store.models import Document, DocumentVersion, Segment, SegmentState, Translation
from trilingo.store.sessions import TrilingoSession

DATA = Path(__file__).parent / "data" / "glossary"


def test_load_starter_is_idempotent(session: Session) -> None:
    assert current_version(session) == 0
    assert load_starter(session, "ed") == 1
    assert load_starter(session, "ed") == 1
    session.commit()
    assert len(concepts(session)) == 47
    assert export(session, "csv").encode() == starter_path().read_bytes()
    assert load(session).version == 1


def test_import_bumps_the_version_once_and_only_when_something_changed(session: Session) -> None:
    load_starter(session, "ed")
    summary = import_file(session, DATA / "rich.csv", "ed")
    assert summary.version == 2
    # Every concept of rich.csv is in the starter; dic is the same there, the others differ.
    assert summary.added == []
    assert set(summary.changed) == {"border-gate", "laos", "provincial-pc", "hill-a1"}
    assert summary.unchanged == 1
    again = import_file(session, DATA / "rich.csv", "ed")
    assert (again.version, again.added, again.changed) == (2, [], [])
    assert again.unchanged == 5


def test_tbx_import_round_trips_through_the_database(session: Session, tmp_path: Path) -> None:
    load_starter(session, "ed")
    tbx = tmp_path / "g.tbx"
    tbx.write_text(export(session, "tbx"), encoding="utf-8")
    summary = import_file(session, tbx, "ed")
    assert (summary.version, summary.unchanged, summary.changed) == (1, 47, [])
    assert export(session, "csv").encode() == starter_path().read_bytes()


def test_a_bad_row_imports_nothing(database: Engine, tmp_path: Path) -> None:
    from trilingo.store.db import session_scope

    with session_scope(database) as s:
        load_starter(s, "ed")
    bad = tmp_path / "bad.csv"
    good_rows = write_csv([c for c in _concepts(database)][:3]).replace(
        "tỉnh Điện Biên", "tỉnh Điện Biên mới"
    )
    bad.write_text(good_rows + "zz,thử,,,nope,x,low,\n", encoding="utf-8")
    with pytest.raises(MalformedFile), session_scope(database) as s:
        import_file(s, bad, "ed")
    with session_scope(database) as s:
        assert current_version(s) == 1
        assert export(s, "csv").encode() == starter_path().read_bytes()


def _concepts(database: Engine) -> list[ConceptData]:
    with TrilingoSession(database) as s:
        return concepts(s)


def test_add_creates_or_extends_a_concept_and_logs_the_change(session: Session) -> None:
    load_starter(session, "ed")
    summary = add(session, "ed", "border-gate", [TermData("vi", "cửa khẩu biên giới", "admitted")])
    assert (summary.version, summary.changed) == (2, ["border-gate"])
    summary = add(
        session, "ed", "new-thing", [TermData("vi", "trạm kiểm soát", "preferred")], domain="border"
    )
    assert (summary.version, summary.added) == (3, ["new-thing"])
    row = session.exec(select(GlossaryConcept).where(GlossaryConcept.concept == "new-thing")).one()
    assert (row.domain, row.confidence) == ("border", "low")  # nobody vouched for it yet
    change = session.exec(select(GlossaryChange).where(GlossaryChange.version == 2)).one()
    assert change.old is not None and len(change.new["terms"]) == len(change.old["terms"]) + 1


def _translation(
    session: Session,
    slug: str,
    source: str,
    lang: str,
    target: str,
    state: SegmentState,
    glossary_version: int,
) -> None:
    doc = Document(slug=slug, created_by="ed")
    session.add(doc)
    session.flush()
    assert doc.id is not None
    ver = DocumentVersion(
        document_id=doc.id, number=1, title=slug, body=source, content_hash=slug, created_by="ed"
    )
    session.add(ver)
    session.flush()
    assert ver.id is not None
    seg = Segment(version_id=ver.id, n=1, block=0, kind="title", source=source, source_hash=slug)
    session.add(seg)
    session.flush()
    assert seg.id is not None
    session.add(
        Translation(
            segment_id=seg.id, lang=lang, state=state, target=target, glossary_version=glossary_version
        )
    )
    session.flush()


def test_check_finds_forbidden_and_missing_terms_in_approved_translations(session: Session) -> None:
    version = load_starter(session, "ed")
    _translation(session, "ok", "Công dân Lào", "zh", "老挝公民", SegmentState.APPROVED, version)
    _translation(session, "bad", "Công dân Lào", "zh", "寮国公民", SegmentState.APPROVED, version)
    _translation(session, "draft", "Công dân Lào", "zh", "寮国公民", SegmentState.NEEDS_REVIEW, version)
    findings = check_approved(session)
    assert [(f.document, f.segment, f.lang) for f in findings] == [("bad", 1, "zh"), ("bad", 1, "zh")]
    assert findings[1].warning.startswith("glossary: forbidden term 寮国")
    assert check_approved(session, "lo") == []


def test_impact_lists_drafts_whose_terms_changed_since(session: Session) -> None:
    v1 = load_starter(session, "ed")
    _translation(session, "gate", "Qua cửa khẩu Tây Trang", "zh", "经口岸", SegmentState.NEEDS_REVIEW, v1)
    _translation(session, "visa", "Cần thị thực", "zh", "需要签证", SegmentState.NEEDS_REVIEW, v1)
    assert impact(session) == (1, [])
    add(session, "ed", "border-gate", [TermData("zh", "边境口岸", "admitted")])
    version, items = impact(session)
    assert version == 2
    assert [(i.document, i.lang, i.draft_version, i.concepts) for i in items] == [
        ("gate", "zh", 1, ["border-gate"])
    ]


def test_a_failure_midway_through_writing_rolls_the_whole_import_back(
    database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trilingo.glossary.store as gstore
    from trilingo.store.db import session_scope

    with session_scope(database) as s:
        load_starter(s, "ed")
    calls: list[str] = []

    def exploding(**kw: Any) -> GlossaryChange:
        calls.append(kw["concept"])
        if len(calls) == 3:  # two concepts are already written in this transaction
            raise RuntimeError("disk full")
        return GlossaryChange(**kw)

    monkeypatch.setattr(gstore, "GlossaryChange", exploding)
    with pytest.raises(RuntimeError), session_scope(database) as s:
        import_file(s, DATA / "rich.csv", "ed")
    with session_scope(database) as s:
        assert current_version(s) == 1
        assert export(s, "csv").encode() == starter_path().read_bytes()


def test_two_changes_racing_for_one_version_number_collide(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trilingo.glossary.store as gstore
    from trilingo.errors import Conflict, ExitStatus

    load_starter(session, "ed")
    add(session, "ed", "c1", [TermData("vi", "một", "preferred")])  # version 2
    # Another writer's view, read before version 2 was committed: it also wants version 2.
    monkeypatch.setattr(gstore, "current_version", lambda _s: 1)
    with pytest.raises(Conflict) as exc:
        add(session, "ed", "c2", [TermData("vi", "hai", "preferred")])
    assert (
        exc.value.message
        == "the glossary changed while this change was being saved; nothing was saved. Try again"
    )
    assert exc.value.exit_status == ExitStatus.UNAVAILABLE  # 10, as the README says of every lost race


def test_export_refuses_an_unknown_format_and_add_needs_a_term(session: Session) -> None:
    from trilingo.glossary.errors import GlossaryError

    with pytest.raises(
        GlossaryError, match="unknown export format 'xml' \\(expected one of: csv, tbx, tbx3, tbx2\\)"
    ):
        export(session, "xml")
    with pytest.raises(GlossaryError, match="concept 'empty' needs at least one term"):
        add(session, "ed", "empty", [], domain="border")
