"""Shared fixtures: a fresh database per test, on SQLite and (where available) PostgreSQL."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from trilingo import i18n
from trilingo.databases import cached_databases, create_schema, forget_databases
from trilingo.store.counts import mismatches
from trilingo.store.db import create_database
from trilingo.store.sessions import TrilingoSession

PG_BASE = os.environ.get("TRILINGO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Every test process signs the audit chain with this key (TRILINGO_AUDIT_KEY, as a server's would).
TEST_AUDIT_KEY = "trilingo-tests-audit-key-0123456789"
# Who the tests run as: the operating-system account the CLI proves itself with (trilingo.identity).
TEST_ACCOUNT = "tester"


def _pg_reason() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL not available at {PG_BASE}: {exc.__class__.__name__}"


_PG_REASON = _pg_reason()


def require_postgres() -> None:
    if _PG_REASON is None:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {_PG_REASON}")
    pytest.skip(_PG_REASON)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    require_postgres()
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    plain = PG_BASE.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        for db in cached_databases(schema):
            check_counts(db)
        forget_databases(schema)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL: SQLite in tmp_path, and the same on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trilingo.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def solo(home: Path) -> Path:
    """A workspace set up by `tester`, its admin, with the four-eyes rule off, as a one-person office
    would set it (`trilingo settings set four_eyes off --reason …`): one person edits and approves."""
    from click.testing import CliRunner

    from trilingo.cli import cli

    for args in (["init"], ["settings", "set", "four_eyes", "off", "--reason", "one-person office (tests)"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    forget_databases()
    return home


@pytest.fixture
def database(db_url: str) -> Iterator[Engine]:
    db = create_database(db_url)
    create_schema(db)
    yield db
    check_counts(db)
    db.dispose()


@pytest.fixture
def session(database: Engine) -> Iterator[Session]:
    with TrilingoSession(database, expire_on_commit=False) as s:
        yield s


def _run_as_the_test_account() -> None:
    """The whole session (module fixtures included) runs as the account `tester` and signs the audit log
    with the test key; child processes too, through tests/accounts/sitecustomize.py."""
    from trilingo import identity
    from trilingo.store.auditchain import KEYRING

    identity.os_account = lambda: TEST_ACCOUNT  # type: ignore[assignment]  # the tests' own account
    os.environ["TRILINGO_TEST_ACCOUNT"] = TEST_ACCOUNT
    accounts = str(Path(__file__).parent / "accounts")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [accounts, os.environ.get("PYTHONPATH")]))
    os.environ["TRILINGO_AUDIT_KEY"] = TEST_AUDIT_KEY
    KEYRING.use(TEST_AUDIT_KEY.encode(), "TRILINGO_AUDIT_KEY")
    # The tests read English, whatever the machine's locale; tests/test_cli_i18n.py chooses others.
    os.environ["TRILINGO_UI_LANG"] = "en"
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="trilingo-test-cache-")


_run_as_the_test_account()


@pytest.fixture(autouse=True)
def _identity(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test talks to a Trilingo server unless it starts one (no login file of the machine's user is
    read), and each starts with the test account and key, whatever the test before it changed."""
    from trilingo import identity
    from trilingo.store.auditchain import KEYRING

    monkeypatch.setattr(identity, "os_account", lambda: TEST_ACCOUNT)
    i18n.use("en")
    monkeypatch.setenv("TRILINGO_AUDIT_KEY", TEST_AUDIT_KEY)
    KEYRING.use(TEST_AUDIT_KEY.encode(), "TRILINGO_AUDIT_KEY")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    for name in ("TRILINGO_SERVER", "TRILINGO_TOKEN", "TRILINGO_USER", "TRILINGO_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    """A workspace for CLI tests: TRILINGO_HOME and TRILINGO_DATABASE_URL point at fresh places."""
    ws = tmp_path / "ws"
    monkeypatch.setenv("TRILINGO_HOME", str(ws))
    monkeypatch.setenv("TRILINGO_DATABASE_URL", db_url)
    return ws


@pytest.fixture
def workspace(home: Path) -> Path:
    """A CLI workspace that has been set up: commands that only read refuse one that never was."""
    from click.testing import CliRunner

    from trilingo.cli import cli

    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    forget_databases()
    return home


@pytest.fixture(autouse=True)
def _forget_cached_databases() -> Iterator[None]:
    """Connection pools cached by store.db.database_for belong to one test's database."""
    yield
    for db in cached_databases():
        check_counts(db)
    forget_databases()


def check_counts(db: Engine) -> None:
    """After every test, on every database it used: the kept per document-language counts
    (store.counts) equal a count of the translations, whatever the test wrote and by which path."""
    try:
        with db.connect() as conn:
            if not inspect(conn).has_table("doclangcount"):
                return  # a database left at an older schema revision, or never made
            wrong = mismatches(conn)
    except DBAPIError:
        return  # a test that broke or removed its database on purpose
    assert not wrong, f"kept counts differ from the translations (doclang, kept, counted): {wrong[:5]}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the Prefect server is marked `prefect`, so `-m "not prefect"` starts none."""
    for item in items:
        if "prefect_api" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.prefect)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real local Prefect server for the whole test session, started the way Trilingo starts it."""
    from trilingo import config, server

    settings = config.load(
        environ={}, home=str(tmp_path_factory.mktemp("prefect-ws")), prefect_port=_free_port()
    )
    server.start(settings, os.environ)
    try:
        yield settings.prefect_api_url
    finally:
        _drain_prefect()
        server.stop(settings)


@pytest.fixture
def prefect_http(prefect_api: str) -> Iterator[httpx.Client]:
    """A client for the session server's REST API that rides out "busy" answers, as Prefect's own does
    (a loaded server answers 503 while its database is locked)."""
    from trilingo import prefect_rest

    with prefect_rest.client(prefect_api) as client:
        yield client


def _drain_prefect() -> None:
    import sys

    if "prefect" in sys.modules:
        from trilingo.flows.runtime import drain

        drain()


@pytest.fixture
def flow_home(solo: Path, prefect_api: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-person workspace whose flow runs report to the session's Prefect server."""
    monkeypatch.setenv("TRILINGO_PREFECT_API_URL", prefect_api)
    return solo


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the internet: any connection to a non-loopback address fails loudly."""
    import ipaddress
    import socket

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            host = str(address[0])
            try:
                loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise OSError(f"test tried to reach {host}: tests may only use loopback addresses")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
