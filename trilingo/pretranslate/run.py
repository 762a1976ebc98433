"""Drafting one batch of documents into one language, in three steps that hold no lock while an engine works.

1. Read (a read-only transaction): the segments to draft with their row versions, the glossary, the
   memory's exact hits and its fuzzy index, and the MT cache's answers.
2. Draft in memory, with no transaction open: an online engine may take minutes, and a reviewer
   must be able to save an edit meanwhile.
3. Write (one short transaction): lock the rows, leave alone any that a person changed since step 1,
   and write the rest in one statement per table.

A reviewer's edit is never overwritten: a row whose version moved since step 1 is kept as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine as Database
from sqlmodel import Session, col, select

from trilingo.errors import Conflict
from trilingo.glossary.match import Glossary
from trilingo.glossary.protect import Protected, protect, restore
from trilingo.glossary.store import load
from trilingo.i18n import N_
from trilingo.languages import SOURCE
from trilingo.mt import cache
from trilingo.mt.base import Engine, EngineResult, Failure, RemoteEngine
from trilingo.mt.runner import translate
from trilingo.mt.throttle import Limiter
from trilingo.pretranslate.select import REDRAFT
from trilingo.pretranslate.write import DraftRow, as_json, write_drafts
from trilingo.review import checks
from trilingo.store.audit import record
from trilingo.store.chunks import chunked
from trilingo.store.counts import mark_versions
from trilingo.store.db import session_scope
from trilingo.store.hints import Hint
from trilingo.store.models import (
    DocLang,
    DocState,
    DocumentVersion,
    Segment,
    SegmentState,
    Translation,
    utcnow,
)
from trilingo.tm.fuzzy import FuzzyIndex, load_index
from trilingo.tm.memory import lookup_exact
from trilingo.tm.models import TMEntry


@dataclass
class BatchSummary:
    lang: str
    engine: str
    documents: int = 0
    segments: int = 0
    tm: int = 0
    glossary: int = 0
    engine_drafts: int = 0
    untranslated: int = 0
    failed: int = 0
    warnings: int = 0
    kept: int = 0  # changed by a person while the batch was drafted: left as they were
    engine_calls: int = 0  # distinct texts sent to the engine (the MT cache answered the rest)
    cache_hits: int = 0  # engine drafts the MT cache answered
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    translation_id: int
    row_version: int
    n: int
    source: str
    previous: list[Hint]  # what the segment said before its source changed; kept across drafts
    version_id: int = 0  # the document version the segment belongs to
    kind: str = ""  # the segment's kind (the `screen:` summary is held to the screens' length limit)


@dataclass
class _Read:
    """Everything step 1 reads."""

    doclangs: list[tuple[int, int, int]]  # (doclang id, document id, version id)
    rows: list[_Row]
    glossary: Glossary
    tm_hits: dict[str, TMEntry]
    fuzzy: FuzzyIndex
    protected: dict[int, Protected] = field(default_factory=dict)  # row index → text for the engine
    cache_key: cache.CacheKey | None = None
    cached: dict[str, EngineResult] = field(default_factory=dict)  # protected text → cached answer
    sent: int = 0  # distinct texts the engine was asked for
    channels: dict[int, list[str]] = field(default_factory=dict)  # version → its channels (screen rows')


@dataclass
class _Draft:
    text: str | None
    origin: str
    state: SegmentState
    detail: dict[str, Any]
    warnings: list[str]
    hints: list[Hint] = field(default_factory=list)
    checks: list[dict[str, str]] = field(default_factory=list)


def pretranslate_batch(
    db: Database,
    doclang_ids: Sequence[int],
    lang: str,
    engine: Engine,
    *,
    actor: str,
    now: datetime | None = None,
    limiter: Limiter | None = None,
) -> BatchSummary:
    """Draft every untranslated or failed segment of these (document, lang) pairs."""
    now = now or utcnow()
    with session_scope(db, write=False) as session:
        read = _read(session, list(doclang_ids), lang, engine)
    drafts, fresh = _draft(read, lang, engine, now, limiter)
    with session_scope(db) as session:
        return _write(session, read, drafts, fresh, lang, engine, actor, now)


def _read(session: Session, doclang_ids: list[int], lang: str, engine: Engine) -> _Read:
    """Step 1: everything the drafts need, read in one read-only transaction."""
    doclangs = _doclangs(session, doclang_ids, lang)
    rows = _rows(session, [v for _, _, v in doclangs], lang)
    glossary = load(session)
    sources = [r.source for r in rows]
    read = _Read(
        doclangs,
        rows,
        glossary,
        lookup_exact(session, sources, lang),
        load_index(session, lang),
    )
    read.channels.update(_screen_channels(session, rows))
    if isinstance(engine, RemoteEngine):
        _for_engine(session, read, lang, engine)
    return read


def _doclangs(session: Session, doclang_ids: list[int], lang: str) -> list[tuple[int, int, int]]:
    """(doclang id, document id, version id) of those of these document-languages that are in `lang`."""
    doclangs: list[tuple[int, int, int]] = []
    for chunk in chunked(doclang_ids):
        doclangs += [
            (i, d, v)
            for i, d, v in session.exec(
                select(DocLang.id, DocLang.document_id, DocLang.version_id).where(
                    col(DocLang.id).in_(chunk), DocLang.lang == lang
                )
            ).all()
            if i is not None
        ]
    return doclangs


def _rows(session: Session, version_ids: list[int], lang: str) -> list[_Row]:
    """The translations in `lang` of these versions' segments that are waiting for a draft, in order."""
    rows: list[_Row] = []
    for chunk in chunked(version_ids):
        # SQLAlchemy's own select: sqlmodel's typed overloads stop at four columns.
        found = session.execute(
            sa_select(
                col(Translation.id),
                col(Translation.row_version),
                col(Segment.n),
                col(Segment.source),
                col(Translation.hints),
                col(Segment.version_id),
                col(Segment.kind),
            )
            .join(Segment, col(Segment.id) == col(Translation.segment_id))
            .where(
                col(Segment.version_id).in_(chunk),
                col(Translation.lang) == lang,
                col(Translation.state).in_(REDRAFT),
            )
            .order_by(col(Segment.version_id), col(Segment.n))
        ).all()
        rows += [
            _Row(tid, version, n, source, [h for h in hints if h["type"] == "previous"], vid, kind)
            for tid, version, n, source, hints, vid, kind in found
            if tid is not None
        ]
    return rows


def _screen_channels(session: Session, rows: list[_Row]) -> dict[int, list[str]]:
    """version id → its channels, for the versions with a `screen:` row (its length limit depends on them)."""
    channels: dict[int, list[str]] = {}
    screen_versions = sorted({r.version_id for r in rows if r.kind == checks.SCREEN_KIND})
    for chunk in chunked(screen_versions):
        channels.update(
            (v, list(c or []))
            for v, c in session.execute(
                sa_select(col(DocumentVersion.id), col(DocumentVersion.channels)).where(
                    col(DocumentVersion.id).in_(chunk)
                )
            ).all()
        )
    return channels


def _for_engine(session: Session, read: _Read, lang: str, engine: RemoteEngine) -> None:
    """The text to send a remote engine for each row neither the memory nor the glossary answers whole,
    with its terms protected; and the MT cache's answers for those texts, if the engine's may be cached."""
    for i, row in enumerate(read.rows):
        if (
            row.source not in read.tm_hits
            and read.glossary.whole_translation(row.source, SOURCE, lang) is None
        ):
            read.protected[i] = protect(row.source, SOURCE, lang, read.glossary)
    if not read.protected:
        return
    mode = next(iter(read.protected.values())).mode
    read.cache_key = cache.CacheKey(engine.name, SOURCE, lang, read.glossary.version, mode)
    if engine.cacheable:
        texts = [p.text for p in read.protected.values()]
        read.cached = {cache.normalize(t): r for t, r in cache.lookup(session, read.cache_key, texts).items()}


def _draft(
    read: _Read, lang: str, engine: Engine, now: datetime, limiter: Limiter | None
) -> tuple[list[_Draft], dict[str, EngineResult]]:
    """One draft per row, in memory; and the fresh engine answers to keep in the cache."""
    at = now.isoformat()
    glossary = read.glossary
    out: list[_Draft | None] = [None] * len(read.rows)
    pending: list[int] = []
    for i, row in enumerate(read.rows):
        if (entry := read.tm_hits.get(row.source)) is not None:
            detail = {
                "tm_id": entry.id,
                "tm_origin": entry.origin,
                "at": at,
                "needs_native_review": entry.needs_native_review,
            }
            out[i] = _Draft(entry.target, "tm", SegmentState.NEEDS_REVIEW, detail, [])
        elif (whole := glossary.whole_translation(row.source, SOURCE, lang)) is not None:
            out[i] = _Draft(whole, "glossary", SegmentState.NEEDS_REVIEW, {"at": at}, [])
        else:
            pending.append(i)
    fresh: dict[str, EngineResult] = {}
    if pending:
        results = _run_engine(read, pending, lang, engine, limiter, fresh)
        for i, (result, warnings) in zip(pending, results, strict=True):
            out[i] = _engine_draft(result, warnings, engine.name, at)
    drafts = [d for d in out if d is not None]
    assert len(drafts) == len(read.rows)
    for row, d in zip(read.rows, drafts, strict=True):
        if d.text:
            found = checks.for_segment(
                row.source,
                d.text,
                lang,
                glossary,
                kind=row.kind,
                channels=read.channels.get(row.version_id, []),
                detail=d.detail,
            )
            d.checks = checks.as_stored(found)
            d.warnings += [w for w in checks.messages(found) if w not in d.warnings]
        d.hints = [*row.previous, *glossary.hints(row.source, SOURCE, lang)]
        if d.text is None:  # nothing usable: show the closest approved sentences, never use them
            d.hints += [s.as_hint() for s in read.fuzzy.suggest(row.source)]
    return drafts, fresh


def _engine_draft(result: EngineResult, warnings: list[str], engine: str, at: str) -> _Draft:
    detail = {"engine": engine, "at": at, "cached": result.cached, "elapsed_ms": round(result.elapsed_ms, 1)}
    detail.update(result.detail)
    if result.ok:
        return _Draft(result.text, engine, SegmentState.NEEDS_REVIEW, detail, warnings)
    if result.failure == Failure.UNTRANSLATED:
        return _Draft(None, engine, SegmentState.UNTRANSLATED, {**detail, "reason": result.reason}, [])
    detail.update(mt_error=str(result.failure), reason=result.reason, retry_after=result.retry_after)
    return _Draft(None, engine, SegmentState.MT_FAILED, detail, warnings)


def _run_engine(
    read: _Read,
    pending: list[int],
    lang: str,
    engine: Engine,
    limiter: Limiter | None,
    fresh: dict[str, EngineResult],
) -> list[tuple[EngineResult, list[str]]]:
    if not isinstance(engine, RemoteEngine):  # a local engine: nothing leaves, nothing to protect
        return [(r, []) for r in engine.translate_batch([read.rows[i].source for i in pending], SOURCE, lang)]
    assert read.cache_key is not None
    texts = [read.protected[i].text for i in pending]
    todo = list(dict.fromkeys(t for t in texts if cache.normalize(t) not in read.cached))
    answers = dict(read.cached)
    read.sent += len(todo)
    if todo:
        key = read.cache_key
        results = translate(
            engine,
            todo,
            SOURCE,
            lang,
            session=None,
            glossary_version=key.glossary_version,
            mode=key.mode,
            limiter=limiter,
        )
        for text, result in zip(todo, results, strict=True):
            answers[cache.normalize(text)] = result
            if result.ok:
                fresh[text] = result
    out: list[tuple[EngineResult, list[str]]] = []
    for i, text in zip(pending, texts, strict=True):
        result = _copy(answers[cache.normalize(text)])
        if not result.ok:
            out.append((result, []))
            continue
        restored = restore(read.protected[i], result.text or "")
        result.text = restored.text
        out.append((result, list(restored.warnings)))
    return out


def _copy(result: EngineResult) -> EngineResult:
    """Rows that share a text share an answer; each gets its own copy to restore into."""
    return EngineResult(
        result.text,
        result.failure,
        result.reason,
        result.retry_after,
        result.cached,
        result.elapsed_ms,
        dict(result.detail),
    )


def _write(
    session: Session,
    read: _Read,
    drafts: list[_Draft],
    fresh: dict[str, EngineResult],
    lang: str,
    engine: Engine,
    actor: str,
    now: datetime,
) -> BatchSummary:
    summary = BatchSummary(
        lang=lang, engine=engine.name, documents=len(read.doclangs), engine_calls=read.sent
    )
    current: dict[int, tuple[int, str]] = {}
    for chunk in chunked([r.translation_id for r in read.rows]):
        locked = session.exec(
            select(Translation.id, Translation.row_version, Translation.state)
            .where(col(Translation.id).in_(chunk))
            .with_for_update()
        ).all()
        current.update({i: (v, s) for i, v, s in locked if i is not None})
    drafts_to_write: list[DraftRow] = []
    written: set[int] = set()  # versions with a row this batch wrote
    for row, d in zip(read.rows, drafts, strict=True):
        version, state = current.get(row.translation_id, (None, None))
        if version != row.row_version or state not in REDRAFT:
            summary.kept += 1  # a person (or another run) changed it since it was read
            continue
        draft = as_json(d.text, d.state, d.origin, d.detail, d.warnings, d.hints, d.checks)
        drafts_to_write.append((row.translation_id, row.row_version, draft))
        _count(summary, row, d)
        written.add(row.version_id)
    if drafts_to_write:
        mark_versions(session, written)
        changed = write_drafts(session, drafts_to_write, glossary_version=read.glossary.version, now=now)
        if changed != len(
            drafts_to_write
        ):  # cannot happen while the rows are locked; refuse to guess if it does
            raise Conflict(
                N_(
                    "Someone changed this at the same time; nothing was saved. Try again. ({count} segment(s) changed while being written)"
                ).format(count=len(drafts_to_write) - changed)
            )
    if read.cache_key is not None:
        for text, result in fresh.items():
            cache.store(session, read.cache_key, text, result)
    _advance(session, read, written, lang, engine, actor, now)
    return summary


def _count(summary: BatchSummary, row: _Row, d: _Draft) -> None:
    summary.segments += 1
    summary.warnings += bool(d.warnings)
    if d.state == SegmentState.MT_FAILED:
        summary.failed += 1
        summary.failures.append(
            N_("segment {n}: {error}: {reason}").format(
                n=row.n, error=d.detail.get("mt_error"), reason=d.detail.get("reason")
            )
        )
    elif d.state == SegmentState.UNTRANSLATED:
        summary.untranslated += 1
    elif d.origin == "tm":
        summary.tm += 1
    elif d.origin == "glossary":
        summary.glossary += 1
    else:
        summary.engine_drafts += 1
        summary.cache_hits += bool(d.detail.get("cached"))


def _advance(
    session: Session, read: _Read, written: set[int], lang: str, engine: Engine, actor: str, now: datetime
) -> None:
    """Submitted document-languages become pretranslated. Each that this batch moved on, or wrote a row
    of, gets its audit event: a second run that reached the same document at the same time (a sweep
    beside an event's run) wrote nothing and records nothing."""
    ids = [i for i, _, _ in read.doclangs]
    moved: set[int] = set()
    for chunk in chunked(ids):
        for doclang in session.exec(
            select(DocLang).where(col(DocLang.id).in_(chunk)).with_for_update()
        ).all():
            if doclang.state == DocState.SUBMITTED and doclang.id is not None:
                doclang.state = DocState.PRETRANSLATED
                doclang.updated_at = now
                moved.add(doclang.id)
    for doclang_id, document_id, version_id in read.doclangs:
        if doclang_id not in moved and version_id not in written:
            continue
        record(
            session,
            actor,
            "pretranslate",
            document_id=document_id,
            lang=lang,
            engine=engine.name,
            glossary_version=read.glossary.version,
        )
