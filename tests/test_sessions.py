"""Trilingo's hooks run on its own session class, and every session the code makes is one of it."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from trilingo.store import audit, counts
from trilingo.store.sessions import _HOOKS, TrilingoSession

ROOT = Path(__file__).resolve().parents[1]


def test_the_hooks_are_on_trilingos_session_and_not_on_sqlalchemys() -> None:
    assert len(_HOOKS) == 8
    for name, hook in _HOOKS:
        assert event.contains(TrilingoSession, name, hook), name
        assert not event.contains(Session, name, hook), name
        assert not event.contains(OrmSession, name, hook), name
    assert event.contains(TrilingoSession, "before_commit", counts.recount_marked)
    assert event.contains(TrilingoSession, "before_commit", audit.write_before_commit)


def _plain_sessions(path: Path) -> list[int]:
    """Lines where `path` makes a sqlmodel or SQLAlchemy ORM Session rather than a TrilingoSession."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported_as = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in ("sqlmodel", "sqlalchemy.orm")
        for alias in node.names
        if alias.name == "Session"
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in imported_as)
            or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "Session"
                and node.func.value is not None
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("sqlmodel", "orm")
            )
        )
    ]


def test_no_code_makes_a_session_without_the_hooks() -> None:
    sources = [
        p
        for folder in ("trilingo", "flows", "review", "glossary", "catalogs", "bench", "tests")
        for p in (ROOT / folder).rglob("*.py")
    ]
    assert len(sources) > 100
    found = {str(p.relative_to(ROOT)): lines for p in sources if (lines := _plain_sessions(p))}
    assert found == {}


def test_the_check_finds_a_plain_session(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlmodel import Session\n\nwith Session(db) as s:\n    pass\n", encoding="utf-8")
    assert _plain_sessions(sample) == [3]
