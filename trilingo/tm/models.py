"""The translation-memory table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from trilingo.languages import SOURCE
from trilingo.store.models import utcnow


class TMEntry(SQLModel, table=True):
    """One approved source → target pair. `key` is the source's match key (see tm.memory.tm_key)."""

    __table_args__ = (UniqueConstraint("src_lang", "tgt_lang", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    src_lang: str = SOURCE
    tgt_lang: str = Field(index=True)
    key: str = Field(index=True)
    source: str
    target: str
    origin: str = "approved"  # approved | starter | tmx
    needs_native_review: bool = False  # shipped or imported pairs nobody here has checked
    document_id: int | None = None
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
