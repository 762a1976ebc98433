"""kill -9 in the middle of a publish, then publish again: the site is byte for byte what a clean publish
makes, and nothing a killed run staged is left lying in it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from trilingo.intake.submit import submit_notices
from trilingo.store.db import create_database
from trilingo.text.frontmatter import parse_notice
from trilingo.workspace import open_database

ROOT = Path(__file__).parent.parent
# A publish in its own process. Given a pause (module, function, n, marker file), the n-th call of that
# function writes the marker and waits there, so the test kills the process at that very moment: a
# publish on a fast machine is over before a poll of its folder catches it midway.
PUBLISH = """
import importlib, os, sys, time
from pathlib import Path
from trilingo.channels.publish import publish_channel
from trilingo.store.auditchain import KEYRING
from trilingo.store.db import create_database, session_scope
KEYRING.use(os.environ["TRILINGO_AUDIT_KEY"].encode())
if len(sys.argv) > 3:
    module, name, n, marker = importlib.import_module(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
    real, calls = getattr(module, name), []
    def paused(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            Path(marker).write_text("here")
            time.sleep(600)
        return real(*args, **kwargs)
    setattr(module, name, paused)
with session_scope(create_database(sys.argv[1])) as session:
    publish_channel(session, "web", Path(sys.argv[2]), "tester")
"""


def _approved_workspace(tmp_path: Path, docs: int) -> str:
    url = f"sqlite:///{tmp_path / 'trilingo.db'}"
    notices = [
        parse_notice(
            f"---\ntitle: Thông báo {i}\nslug: tb-{i}\n---\n"
            + "\n\n".join(
                f"Đoạn {k} của thông báo {i}, có **chữ đậm** và [liên kết](https://example.vn/{k})."
                for k in range(8)
            )
        )
        for i in range(docs)
    ]
    db = open_database(url, "tester")
    submit_notices(db, notices, "tester", tmp_path / "unused")
    with db.begin() as conn:  # every Lao and Chinese text approved, as reviewers would leave it
        conn.execute(
            text(
                "INSERT INTO release (document_id, lang, version_id, title, body, content_hash, approved_by, approved_at) "
                "SELECT d.document_id, l.lang, d.version_id, 'Tiêu đề ' || d.id || l.lang, 'Nội dung ' || d.id, "
                "'h' || d.id || l.lang, 'tester', '2026-11-20 08:00:00.000000' FROM doclang d "
                "JOIN (SELECT 'lo' AS lang UNION SELECT 'zh') l WHERE d.lang = 'vi'"
            )
        )
        conn.execute(
            text(
                "UPDATE doclang SET state = 'approved', release_id = (SELECT max(r.id) FROM release r "
                "WHERE r.document_id = doclang.document_id AND r.lang = doclang.lang) WHERE lang IN ('lo', 'zh')"
            )
        )
    db.dispose()
    return url


def _publish(url: str, public: Path, *pause: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", PUBLISH, url, str(public), *pause], cwd=ROOT, env=dict(os.environ)
    )


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "pause",
    [
        ("tempfile", "mkstemp", "50"),  # staging: 49 files written beside their targets, none in place
        ("os", "replace", "200"),  # committing: every file staged and fsynced, 199 of them renamed
    ],
    ids=["staging", "renaming"],
)
def test_a_publish_killed_midway_then_rerun_equals_a_clean_one(
    pause: tuple[str, str, str], tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    url = _approved_workspace(tmp_path / "a", docs=150)
    clean_dir = tmp_path / "b"
    shutil.copytree(tmp_path / "a", clean_dir)
    clean_url = f"sqlite:///{clean_dir / 'trilingo.db'}"
    public = tmp_path / "a" / "public"
    marker = tmp_path / "paused"
    run = _publish(url, public, *pause, str(marker))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None and not marker.exists():
        time.sleep(0.01)
    assert marker.exists(), f"the publish never reached call {pause[2]} of {pause[0]}.{pause[1]}"
    staged = list((public / "web").rglob(".trilingo-*.tmp"))
    assert len(staged) >= 49  # the kill leaves work behind for the rerun to clean up
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL
    again = _publish(url, public)
    assert again.wait(timeout=120) == 0
    assert _publish(clean_url, clean_dir / "public").wait(timeout=120) == 0
    assert _tree(public / "web") == _tree(clean_dir / "public" / "web")
    assert not list(public.rglob("*.tmp"))
    # And the ledger agrees with the files: a third publish writes nothing.
    db = create_database(url)
    with db.connect() as conn:
        before = conn.execute(text("SELECT count(*), max(published_at) FROM publishrecord")).one()
    assert _publish(url, public).wait(timeout=120) == 0
    with db.connect() as conn:
        after = conn.execute(text("SELECT count(*), max(published_at) FROM publishrecord")).one()
        changed = conn.execute(
            text("SELECT path FROM publishrecord WHERE published_at > :t"), {"t": before[1]}
        ).all()
        assert after == before, f"rewritten: {changed}"
    db.dispose()
