"""The MT cache table: one engine answer per (engine, pair, glossary version, protection mode, text)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from trilingo.store.models import utcnow


class MTCacheEntry(SQLModel, table=True):
    """A usable engine translation, kept so the same segment is never sent to an engine twice."""

    __tablename__ = "mtcache"
    __table_args__ = (
        UniqueConstraint("engine", "src_lang", "tgt_lang", "glossary_version", "mode", "text_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    engine: str
    src_lang: str
    tgt_lang: str
    glossary_version: int
    mode: str  # the glossary protection mode the text was sent with
    text_hash: str = Field(index=True)  # sha256 of the normalized text sent
    source: str
    target: str
    elapsed_ms: float = 0.0
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
