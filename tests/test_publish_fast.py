"""`trilingo publish` with nothing to do starts no flow run, and notices every kind of change that gives
a publish work; `publish --full` renders every file again."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from tests.helpers import add_users
from tests.test_retract import approve_sql
from trilingo import config
from trilingo.channels import fingerprint as fp
from trilingo.channels import names
from trilingo.channels import publish as pub
from trilingo.channels.fingerprint import fingerprint, keep_fingerprint, nothing_to_publish
from trilingo.channels.publish import publish_channel
from trilingo.channels.retract import retract
from trilingo.cli import cli
from trilingo.commands.demo import sample_files
from trilingo.intake.store import submit
from trilingo.store.sessions import TrilingoSession
from trilingo.text.frontmatter import read_notice
from trilingo.workspace import open_database


def _publish_everything(settings: config.Settings) -> None:
    """What a successful `trilingo publish` does, without Prefect: the fingerprint taken first, every
    channel published, the fingerprint kept."""
    db = open_database(settings.database_url, "tester")
    with db.connect() as conn:
        taken = fingerprint(conn, settings)
    with TrilingoSession(db) as session:
        for channel in names():
            publish_channel(session, channel, settings.public_dir, "tester", settings=settings)
        session.commit()
    keep_fingerprint(settings, taken)


def _idle(settings: config.Settings) -> bool:
    with open_database(settings.database_url, "tester").connect() as conn:
        return nothing_to_publish(conn, settings, fingerprint(conn, settings))


@pytest.fixture
def settled(home: Path, db_url: str) -> config.Settings:
    """A workspace whose notices are approved and published everywhere, twice (the second publish has
    nothing to do, so its fingerprint is the one a third would take)."""
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    add_users("wei", langs="zh")
    with TrilingoSession(open_database(db_url, "tester")) as session:
        for path in sample_files()[:2]:
            submit(session, read_notice(path), "tester")
        session.commit()
    approve_sql(db_url)
    settings = config.load()
    assert settings.home == home
    _publish_everything(settings)
    assert not _idle(settings)  # the first publish made things live (audited): one more is needed
    _publish_everything(settings)
    assert _idle(settings)
    return settings


def test_a_new_approval_is_noticed(settled: config.Settings, db_url: str) -> None:
    db = open_database(db_url, "tester")
    with db.begin() as conn:  # a translation withdrawn and approved again, written past the app
        conn.execute(text("UPDATE doclang SET state = 'in_review', release_id = NULL WHERE lang = 'zh'"))
    assert not _idle(settled)
    approve_sql(db_url)
    assert not _idle(settled)
    _publish_everything(settled)
    _publish_everything(settled)
    assert _idle(settled)


def test_a_retraction_is_noticed(settled: config.Settings, db_url: str) -> None:
    with TrilingoSession(open_database(db_url, "tester")) as session:
        slug = session.execute(text("SELECT slug FROM document ORDER BY id LIMIT 1")).scalar_one()
        retract(session, slug, "tester", "wrong hours", lang="zh")
        session.commit()
    assert not _idle(settled)


def test_an_expiry_passing_is_noticed(
    settled: config.Settings, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = fp._kept(settled)
    assert kept is not None
    with open_database(db_url, "tester").begin() as conn:  # an expiry an hour after the last publish
        conn.execute(
            text("UPDATE documentversion SET expires = :at"), {"at": kept.taken_at + timedelta(hours=1)}
        )
    assert _idle(settled)  # not passed yet: nothing to do
    later = kept.taken_at + timedelta(hours=2)
    monkeypatch.setattr(fp, "utcnow", lambda: later)
    assert not _idle(settled)


def test_a_webhook_event_waiting_is_noticed(settled: config.Settings, db_url: str) -> None:
    with open_database(db_url, "tester").begin() as conn:
        conn.execute(
            text(
                "INSERT INTO webhookevent (event_id, url, document_id, lang, kind, payload, state, tries, "
                "next_at, created_at) VALUES ('e1', 'http://127.0.0.1:9/hook', 1, 'zh', 'published', '{}', "
                "'pending', 1, :at, :at)"
            ),
            {"at": pub.utcnow()},
        )
    assert not _idle(settled)


def test_a_renderer_change_is_noticed(settled: config.Settings) -> None:
    template = next((Path(pub.__file__).parent / "templates").rglob("*.html"))
    before = template.stat()
    try:
        os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        assert not _idle(settled)
    finally:
        os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _idle(settled)


def test_a_site_setting_change_is_noticed(settled: config.Settings) -> None:
    (settled.home / "config.toml").write_text('[publish]\nmode = "0640"\n', encoding="utf-8")
    assert not _idle(config.load())


def test_a_missing_file_or_a_failed_channel_is_noticed(settled: config.Settings, db_url: str) -> None:
    page = next((settled.public_dir / "web").rglob("index.html"))
    data = page.read_bytes()
    page.unlink()
    assert not _idle(settled)
    page.write_bytes(data)
    assert _idle(settled)
    pub.note_failure(open_database(db_url, "tester"), "kiosk", "disk full")
    assert not _idle(settled)


@pytest.mark.usefixtures("settled")
def test_publish_with_nothing_to_do_starts_no_flow_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from trilingo import server

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("a flow run was started")

    monkeypatch.setattr(server, "connect", refuse)
    result = CliRunner().invoke(cli, ["publish"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Nothing to publish:")
    assert len(result.output.strip().splitlines()) == 1
    result = CliRunner().invoke(cli, ["publish", "--json"])
    assert result.exit_code == 0 and result.output.strip() == "[]"
    with pytest.raises(AssertionError, match="a flow run was started"):  # --full always runs
        CliRunner().invoke(cli, ["publish", "--full"], catch_exceptions=False)


def test_full_renders_every_file_again(settled: config.Settings, db_url: str) -> None:
    db = open_database(db_url, "tester")
    page = next((settled.public_dir / "web").rglob("n/*.html"))
    rel = page.relative_to(settled.public_dir / "web").as_posix()
    good = page.read_bytes()
    page.write_bytes(b"damaged")  # … and the ledger agrees with the damage, as if it had written it
    with db.begin() as conn:
        conn.execute(
            text("UPDATE publishrecord SET content_hash = 'x' WHERE channel = 'web' AND path = :p"),
            {"p": rel},
        )
    with TrilingoSession(db) as session:
        plain = publish_channel(session, "web", settled.public_dir, "tester", settings=settled)
        session.commit()
    assert plain.written == [] and page.read_bytes() == b"damaged"  # its key says it is current
    with TrilingoSession(db) as session:
        full = publish_channel(session, "web", settled.public_dir, "tester", settings=settled, full=True)
        session.commit()
    assert full.written == [rel] and page.read_bytes() == good  # rendered again, compared, written
    assert full.unchanged > 0  # the others rendered again and found the same: not written
    with TrilingoSession(db) as session:  # the keys are back: the next publish renders nothing
        again = publish_channel(session, "web", settled.public_dir, "tester", settings=settled)
        session.commit()
    assert again.written == [] and again.unchanged == full.unchanged + 1
