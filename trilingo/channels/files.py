"""Atomic file writes and the publish ledger that makes re-publishing a no-op."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from trilingo.store.hashing import sha256
from trilingo.store.models import PublishRecord, utcnow
from trilingo.text.files import write_atomic


@dataclass
class Ledger:
    """Writes a file only when its content hash differs from what the ledger says is there."""

    session: Session
    channel: str
    root: Path
    written: list[str] = field(default_factory=list)
    unchanged: int = 0

    def put(
        self,
        rel: str,
        text: str,
        *,
        document_id: int | None = None,
        lang: str | None = None,
        version_id: int | None = None,
    ) -> bool:
        digest = sha256(text)
        path = self.root / rel
        row = self.session.exec(
            select(PublishRecord).where(PublishRecord.channel == self.channel, PublishRecord.path == rel)
        ).first()
        if row is not None and row.content_hash == digest and path.is_file():
            self.unchanged += 1
            return False
        write_atomic(path, text)
        if row is None:
            row = PublishRecord(channel=self.channel, path=rel, content_hash=digest)
            self.session.add(row)
        row.content_hash, row.document_id, row.lang, row.version_id = digest, document_id, lang, version_id
        row.published_at = utcnow()
        self.written.append(rel)
        return True
