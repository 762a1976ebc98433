"""`expires:` in the front matter: off the kiosk from the first publish after it; the website keeps the
notice, marked as expired, in every language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from tests.helpers import add_people
from trilingo.channels.kiosk_bundle import search
from trilingo.channels.publish import publish_channel
from trilingo.errors import InputError
from trilingo.intake.store import submit
from trilingo.review.actions import approve
from trilingo.store.models import DocLang, DocState, DocumentVersion, Segment, SegmentState, Translation, User
from trilingo.text.frontmatter import parse_notice

NOTICE = """---
title: Tạm dừng thông quan ngày lễ
slug: tam-dung
expires: {expires}
---
Cửa khẩu Tây Trang tạm dừng thông quan ngày 2 tháng 9.
"""


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2026-12-31", datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)),  # the end of the day at the gates
        ("2026-12-31T17:00:00+07:00", datetime(2026, 12, 31, 10, 0, tzinfo=UTC)),
        ("'2026-12-31 08:30'", datetime(2026, 12, 31, 1, 30, tzinfo=UTC)),  # no zone: the gates' time
    ],
)
def test_expires_is_read_as_a_time_at_the_gates(value: str, utc: datetime) -> None:
    assert parse_notice(NOTICE.format(expires=value)).expires == utc


def test_a_bad_expiry_is_one_clear_error() -> None:
    with pytest.raises(InputError, match=r"'expires' must be a date or a time \(2026-12-31"):
        parse_notice(NOTICE.format(expires="next tuesday"))


def test_expired_notices_leave_the_kiosk_and_stay_marked_on_the_site(
    session: Session, tmp_path: Path
) -> None:
    doc_id = submit(session, parse_notice(NOTICE.format(expires="2030-01-01")), "ed").id
    if session.exec(select(User).where(User.name == "reviewer")).first() is None:
        add_people(session, "reviewer", admin="ed")
    dl = session.exec(select(DocLang).where(DocLang.document_id == doc_id, DocLang.lang == "zh")).one()
    for tr in session.exec(
        select(Translation).join(Segment).where(Segment.version_id == dl.version_id, Translation.lang == "zh")
    ).all():
        tr.target, tr.state, tr.origin = "西庄口岸9月2日暂停通关。", SegmentState.NEEDS_REVIEW, "memory"
    dl.state = DocState.PRETRANSLATED
    session.flush()
    approve(session, str(doc_id), "zh", "reviewer", accept_warnings="expiry test")
    for channel in ("web", "kiosk"):
        publish_channel(session, channel, tmp_path, "op")
    assert len(search(tmp_path / "kiosk", "口岸", "zh").hits) == 1
    # Time passes: the expiry is now in the past. The next publish takes it off the kiosk …
    session.execute(update(DocumentVersion).values(expires=datetime(2026, 1, 1, tzinfo=UTC)))
    session.flush()
    web = publish_channel(session, "web", tmp_path, "op")
    kiosk = publish_channel(session, "kiosk", tmp_path, "op")
    assert "kiosk.sqlite" in kiosk.written
    assert search(tmp_path / "kiosk", "口岸", "zh").hits == []
    assert search(tmp_path / "kiosk", "thông quan", "vi").hits == []
    # … and the website keeps it, marked as expired, in every language.
    assert {"vi/n/tam-dung.html", "zh/n/tam-dung.html", "vi/index.html", "zh/index.html"} <= set(web.written)
    vi = (tmp_path / "web" / "vi" / "n" / "tam-dung.html").read_text(encoding="utf-8")
    zh = (tmp_path / "web" / "zh" / "n" / "tam-dung.html").read_text(encoding="utf-8")
    assert "đã hết hiệu lực từ ngày 2026-01-01" in vi and "本通知已于2026-01-01失效" in zh
    assert "暂停通关" in zh  # kept for reference
    assert "已失效" in (tmp_path / "web" / "zh" / "index.html").read_text(encoding="utf-8")
    # Nothing changes until something does.
    assert publish_channel(session, "web", tmp_path, "op").written == []
