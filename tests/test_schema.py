"""The schema: made once under a lock, never touched by ordinary commands, changed only by migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from tests.helpers import write_notice
from trilingo.cli import cli
from trilingo.databases import forget_databases, tables
from trilingo.glossary.models import GlossaryVersion
from trilingo.store.db import create_database
from trilingo.store.models import Document, Translation
from trilingo.store.schema import HEAD, _alembic, revision
from trilingo.store.sessions import TrilingoSession

ROOT = Path(__file__).parent.parent


def _migrate(db: Engine, to: str) -> None:
    """Run the migration scripts themselves (a fresh workspace skips them: it is made at HEAD)."""
    with db.execution_options(trilingo_write=True).begin() as conn:
        command.upgrade(_alembic(conn), to)


def test_head_is_the_newest_script() -> None:
    with create_database("sqlite://").connect() as conn:
        assert ScriptDirectory.from_config(_alembic(conn)).get_current_head() == HEAD


def test_the_migrations_build_what_the_models_describe(db_url: str) -> None:
    db = create_database(db_url)
    _migrate(db, "head")
    with db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), tables()) == []
    db.dispose()


def test_tables_alone_names_every_table_in_a_new_process() -> None:
    """databases.tables() loads every model module itself: here no other import has loaded one first."""
    named = subprocess.run(
        [
            sys.executable,
            "-c",
            "from trilingo.databases import tables; print(' '.join(sorted(tables().tables)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    db = create_database("sqlite://")
    _migrate(db, "head")
    with db.connect() as conn:
        made = set(inspect(conn).get_table_names()) - {"alembic_version"}
    assert named == sorted(made) and "glossaryterm" in named and "tmentry" in named


@pytest.mark.usefixtures("home")
def test_an_older_database_is_refused_then_upgraded_with_its_data_intact(db_url: str, tmp_path: Path) -> None:
    db = create_database(db_url)
    _migrate(db, "0001")  # the schema as it was before migrations
    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO document (slug, current_version, created_at, created_by) VALUES ('old', 1, :t, 'ed')"
            ),
            {"t": "2026-01-02 03:04:05+00:00"},
        )
    db.dispose()
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 11
    assert result.stderr.startswith("Error: the database ") and "run `trilingo db upgrade`" in result.stderr
    upgraded = CliRunner().invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout.endswith(f"schema revision 0001 → {HEAD}.\n")
    assert CliRunner().invoke(cli, ["db", "upgrade"]).stdout.endswith(f"already at schema revision {HEAD}.\n")
    forget_databases()
    status = json.loads(CliRunner().invoke(cli, ["status", "--json"]).stdout)
    assert status["documents"] == 1
    # The upgraded schema works: a new notice goes in beside the old row.
    assert CliRunner().invoke(cli, ["submit", str(write_notice(tmp_path, "new", "Câu mới."))]).exit_code == 0
    with TrilingoSession(create_database(db_url)) as s:
        assert sorted(s.exec(select(Document.slug)).all()) == ["new", "old"]


@pytest.mark.usefixtures("home")
def test_a_database_from_a_newer_trilingo_is_refused(db_url: str) -> None:
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    forget_databases()
    with create_database(db_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 11
    assert "schema revision 9999, which this Trilingo does not know" in result.stderr


@pytest.mark.usefixtures("home")
def test_commands_run_no_ddl_once_the_workspace_exists(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    forget_databases()
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.strip().split()[0].upper())

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        for args in (
            ["status"],
            ["submit", str(write_notice(tmp_path, "tb", "Câu một."))],
            ["review", "queue"],
        ):
            assert CliRunner().invoke(cli, args).exit_code == 0
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert statements and not {"CREATE", "DROP", "ALTER"} & set(statements)


FIRST_USE = """
import sys, time
from click.testing import CliRunner
from trilingo.cli import cli
go = sys.argv[1]
while not __import__("os").path.exists(go):
    time.sleep(0.01)
r = CliRunner().invoke(cli, ["init"])
print(r.exit_code, r.stderr.replace("\\n", " | "))
"""


@pytest.mark.usefixtures("home")
def test_four_first_commands_at_once_make_one_schema_and_one_glossary(db_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_USE, str(go)],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    go.touch()  # all four have imported everything and now race for the empty database
    results = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert results == ["0"] * 4
    db = create_database(db_url)
    assert revision(db) == HEAD
    with TrilingoSession(db) as s:
        assert s.exec(select(func.count()).select_from(GlossaryVersion)).one() == 1
        assert s.exec(select(func.count()).select_from(Translation)).one() == 0
    db.dispose()


def test_the_read_tables_name_model_columns_as_the_models_type_them() -> None:
    """store.tables repeats, for the cold read-only commands, only columns the models own."""
    from sqlalchemy.dialects import postgresql, sqlite

    from trilingo.store.tables import METADATA

    checked = 0
    for name, table in METADATA.tables.items():
        model = tables().tables[name]
        for column in table.columns:
            assert column.name in model.columns, f"{name}.{column.name} is not a model column"
            mine = model.columns[column.name]
            for dialect in (sqlite.dialect(), postgresql.dialect()):
                assert column.type.compile(dialect) == mine.type.compile(dialect), f"{name}.{column.name}"
            assert column.nullable == mine.nullable, f"{name}.{column.name}"
            assert column.primary_key == mine.primary_key, f"{name}.{column.name}"
            checked += 1
    assert checked >= 40
