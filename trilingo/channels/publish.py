"""Publishing all channels that exist so far, and marking what went live."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from trilingo.channels.web import CHANNEL as WEB
from trilingo.channels.web import publish_web
from trilingo.store.audit import record
from trilingo.store.models import DocLang, DocState, utcnow

# The channels that have a publisher today (a notice may name others; see text.frontmatter).
PUBLISHERS = (WEB,)


@dataclass
class PublishSummary:
    channel: str
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    went_live: list[str] = field(default_factory=list)  # "slug-id:lang" newly published


def publish_channel(
    session: Session, channel: str, public_dir: Path, actor: str, now: datetime | None = None
) -> PublishSummary:
    """Write one channel; approved document-languages whose release is now out become `published`."""
    now = now or utcnow()
    if channel != WEB:
        raise ValueError(f"unknown channel {channel!r}")
    result = publish_web(session, public_dir / WEB)
    live = set(result.published)
    summary = PublishSummary(channel, result.written, result.unchanged)
    approved = session.exec(select(DocLang).where(col(DocLang.state) == DocState.APPROVED)).all()
    for dl in approved:
        if (dl.document_id, dl.lang) in live:
            dl.state, dl.updated_at = DocState.PUBLISHED, now
            summary.went_live.append(f"{dl.document_id}:{dl.lang}")
            record(
                session,
                actor,
                "publish",
                document_id=dl.document_id,
                lang=dl.lang,
                channel=channel,
                release=dl.release_id,
            )
    return summary
