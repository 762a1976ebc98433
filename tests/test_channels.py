"""Channels behind one interface: a channel added from this module alone (one object, one `register`)
is published by `trilingo publish`, taken down by `trilingo retract`, shown by `trilingo status`, and
named in a notice's front matter; a misspelt channel is refused before anything is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from trilingo import channels
from trilingo.channels import FileChannel, PublishSummary, Target
from trilingo.channels.ledger import Ledger
from trilingo.channels.pages import live_pages
from trilingo.cli import cli
from trilingo.store.models import utcnow

NOTICE = """---
title: Giờ mở cửa
slug: gio-mo-cua
channels: [web, {channel}]
---
Cửa khẩu mở cửa lúc 7 giờ.
"""


class JsonFiles(FileChannel):
    """One JSON file per live release: `<slug>.<lang>.json`."""

    name = "toy-json"

    def __init__(self) -> None:
        self.asked = 0  # status calls

    def publish(self, session: Session, target: Target) -> PublishSummary:
        ledger = Ledger(session, self.name, target.folder, target.documents, mode=target.site.file_mode)
        now = utcnow()
        for page in live_pages(session, self.name):
            if page.expired(now):
                continue
            text = json.dumps({"title": page.title, "lang": page.lang}, ensure_ascii=False)
            ledger.put(
                f"{page.slug}.{page.lang}.json",
                partial(str, text),
                key=str(page.release_id),
                document_id=page.doc_id,
                lang=page.lang,
            )
        ledger.prune(target.documents)
        ledger.commit()
        return PublishSummary(self.name, ledger.written, ledger.unchanged, removed=ledger.removed)

    def status(self, conn: object) -> dict[str, object]:
        del conn
        self.asked += 1
        return {"format": "json"}


@pytest.fixture
def toy() -> Iterator[JsonFiles]:
    channel = JsonFiles()
    channels.register(channel)
    try:
        yield channel
    finally:
        channels.unregister(channel.name)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_a_registered_channel_is_published_retracted_shown_and_checked(
    toy: JsonFiles, flow_home: Path, tmp_path: Path
) -> None:
    assert channels.names()[-2:] == ("toy-json", "webhook")  # before the webhook, which reports the rest

    # Misspelt in a notice: refused, nothing stored.
    code, out = run("submit", str(_notice(tmp_path, "toy-jsn")))
    assert code == 1 and "unknown channel 'toy-jsn' in the front matter" in out and "toy-json" in out
    assert json.loads(run("status", "--json")[1])["documents"] == 0

    code, out = run("submit", str(_notice(tmp_path, "toy-json")))
    assert code == 0, out
    code, out = run("publish")
    assert code == 0, out
    assert (
        f"toy-json: 1 file(s) written, 0 unchanged, 0 newly live → {flow_home / 'public' / 'toy-json'}" in out
    )
    written = flow_home / "public" / "toy-json" / "gio-mo-cua.vi.json"
    assert json.loads(written.read_text(encoding="utf-8")) == {"title": "Giờ mở cửa", "lang": "vi"}

    code, out = run("status", "--json")
    data = json.loads(out)
    assert data["channels"]["toy-json"]["files"] == 1  # from the ledger, as for every channel
    assert data["channel_status"]["toy-json"] == {"format": "json"} and toy.asked >= 1
    assert "Channel toy-json: format json" in run("status")[1]

    # Taken down from the toy channel alone; the web page stays.
    code, out = run("retract", "gio-mo-cua", "--channel", "toy-json", "--reason", "thử gỡ")
    assert code == 0, out
    assert "toy-json/gio-mo-cua.vi.json" in out or "1 file(s) removed" in out
    assert not written.exists()
    assert (flow_home / "public" / "web" / "vi" / "n" / "gio-mo-cua.html").exists()
    # and a misspelt channel is refused there too, listing the real ones
    code, out = run("retract", "gio-mo-cua", "--channel", "toy-jsn", "--reason", "thử")
    assert code == 1 and "unknown channel 'toy-jsn'" in out and "toy-json" in out and "webhook" not in out


def test_a_channel_name_is_checked_when_it_is_registered(toy: JsonFiles) -> None:
    with pytest.raises(ValueError, match="exists already"):
        channels.register(JsonFiles())
    bad = JsonFiles()
    bad.name = "../x"
    with pytest.raises(ValueError, match="lower-case word"):
        channels.register(bad)
    assert channels.get("toy-json") is toy
    channels.unregister("toy-json")
    assert "toy-json" not in channels.names()
    with pytest.raises(Exception, match="unknown channel 'toy-json'"):
        channels.get("toy-json")


def _notice(folder: Path, channel: str) -> Path:
    path = folder / f"{channel}.md"
    path.write_text(NOTICE.format(channel=channel), encoding="utf-8")
    return path
