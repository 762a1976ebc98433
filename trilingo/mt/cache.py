"""Looking up and storing engine answers in the MT cache (mt.models.MTCacheEntry)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from trilingo.mt.base import EngineResult
from trilingo.mt.models import MTCacheEntry
from trilingo.store.chunks import chunked
from trilingo.store.models import utcnow
from trilingo.text.clean import clean_line


def normalize(text: str) -> str:
    """The form that decides cache identity: stored text is already clean, this makes sure."""
    return clean_line(text)


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheKey:
    """Everything but the text that decides whether a cached answer still applies."""

    engine: str
    src: str
    tgt: str
    glossary_version: int
    mode: str


def lookup(session: Session, key: CacheKey, texts: Iterable[str]) -> dict[str, EngineResult]:
    """Text → cached result (cached=True) for each text the cache holds."""
    by_hash: dict[str, list[str]] = {}
    for text in texts:
        by_hash.setdefault(text_hash(text), []).append(text)
    hashes = list(by_hash)
    found: dict[str, EngineResult] = {}
    for chunk in chunked(hashes):
        rows = session.exec(
            select(MTCacheEntry).where(
                MTCacheEntry.engine == key.engine,
                MTCacheEntry.src_lang == key.src,
                MTCacheEntry.tgt_lang == key.tgt,
                MTCacheEntry.glossary_version == key.glossary_version,
                MTCacheEntry.mode == key.mode,
                col(MTCacheEntry.text_hash).in_(chunk),
            )
        ).all()
        for row in rows:
            for text in by_hash[row.text_hash]:
                detail = {
                    **row.detail,
                    "cached": True,
                    "cached_at": row.created_at.isoformat(timespec="seconds"),
                }
                found[text] = EngineResult(row.target, cached=True, elapsed_ms=0.0, detail=detail)
    return found


def store(session: Session, key: CacheKey, text: str, result: EngineResult) -> None:
    """Keep a usable result; a concurrent writer's row for the same key wins quietly."""
    if not result.ok:
        return
    values = {
        "engine": key.engine,
        "src_lang": key.src,
        "tgt_lang": key.tgt,
        "glossary_version": key.glossary_version,
        "mode": key.mode,
        "text_hash": text_hash(text),
        "source": normalize(text),
        "target": result.text,
        "elapsed_ms": result.elapsed_ms,
        "detail": result.detail,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # ON CONFLICT DO NOTHING rather than a savepoint per row: two workers may translate the same
    # new segment at once, and neither should fail the caller's transaction over it.
    session.execute(insert(MTCacheEntry).values(**values).on_conflict_do_nothing())
