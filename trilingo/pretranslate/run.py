"""Drafting one batch of documents into one language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from trilingo.glossary.protect import check, protect, restore
from trilingo.languages import SOURCE
from trilingo.mt.base import Engine, EngineResult, Failure, RemoteEngine
from trilingo.mt.limits import Limiter
from trilingo.mt.runner import translate
from trilingo.pretranslate.select import REDRAFT
from trilingo.store.audit import record
from trilingo.store.hints import Hint
from trilingo.store.models import DocLang, DocState, Segment, SegmentState, Translation, utcnow
from trilingo.text.checks import all_warnings
from trilingo.tm.fuzzy import suggest
from trilingo.tm.memory import lookup_exact

if TYPE_CHECKING:
    from trilingo.glossary.match import Glossary


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
    failures: list[str] = field(default_factory=list)


@dataclass
class _Draft:
    text: str | None
    origin: str
    state: SegmentState
    detail: dict[str, Any]
    warnings: list[str]


def pretranslate_batch(
    session: Session,
    doclang_ids: list[int],
    lang: str,
    engine: Engine,
    glossary: Glossary,
    *,
    actor: str,
    now: datetime | None = None,
    limiter: Limiter | None = None,
) -> BatchSummary:
    """Draft every untranslated or failed segment of these (document, lang) pairs; one transaction."""
    now = now or utcnow()
    summary = BatchSummary(lang=lang, engine=engine.name)
    doclangs = session.exec(
        select(DocLang).where(col(DocLang.id).in_(doclang_ids), DocLang.lang == lang)
    ).all()
    version_ids = [d.version_id for d in doclangs]
    rows = session.exec(
        select(Segment, Translation)
        .join(Translation, col(Translation.segment_id) == col(Segment.id))
        .where(
            col(Segment.version_id).in_(version_ids),
            Translation.lang == lang,
            col(Translation.state).in_(REDRAFT),
        )
        .order_by(col(Segment.version_id), col(Segment.n))
    ).all()
    drafts = _draft(session, [seg.source for seg, _ in rows], lang, engine, glossary, now, limiter)
    for (seg, tr), draft in zip(rows, drafts, strict=True):
        _apply(tr, seg, draft, glossary, now, summary)
        if draft.text is None:  # nothing usable: show the closest approved sentences, never use them
            tr.hints = tr.hints + [s.as_hint() for s in suggest(session, seg.source, lang)]
    for doclang in doclangs:
        if doclang.state == DocState.SUBMITTED:
            doclang.state = DocState.PRETRANSLATED
            doclang.updated_at = now
        record(
            session,
            actor,
            "pretranslate",
            document_id=doclang.document_id,
            lang=lang,
            engine=engine.name,
            glossary_version=glossary.version,
        )
    summary.documents = len(doclangs)
    summary.segments = len(rows)
    return summary


def _draft(
    session: Session,
    sources: list[str],
    lang: str,
    engine: Engine,
    glossary: Glossary,
    now: datetime,
    limiter: Limiter | None,
) -> list[_Draft]:
    at = now.isoformat()
    out: list[_Draft | None] = [None] * len(sources)
    hits = lookup_exact(session, sources, lang)
    pending: list[int] = []
    for i, source in enumerate(sources):
        if source in hits:
            entry = hits[source]
            out[i] = _Draft(
                entry.target,
                "tm",
                SegmentState.NEEDS_REVIEW,
                {
                    "tm_id": entry.id,
                    "tm_origin": entry.origin,
                    "at": at,
                    "needs_native_review": entry.needs_native_review,
                },
                [],
            )
        elif (whole := glossary.whole_translation(source, SOURCE, lang)) is not None:
            out[i] = _Draft(whole, "glossary", SegmentState.NEEDS_REVIEW, {"at": at}, [])
        else:
            pending.append(i)
    if pending:
        results = _run_engine(session, [sources[i] for i in pending], lang, engine, glossary, limiter)
        for i, (result, warnings) in zip(pending, results, strict=True):
            detail = {
                "engine": engine.name,
                "at": at,
                "cached": result.cached,
                "elapsed_ms": round(result.elapsed_ms, 1),
                **result.detail,
            }
            if result.ok:
                out[i] = _Draft(result.text, engine.name, SegmentState.NEEDS_REVIEW, detail, warnings)
            elif result.failure == Failure.UNTRANSLATED:
                out[i] = _Draft(
                    None, engine.name, SegmentState.UNTRANSLATED, {**detail, "reason": result.reason}, []
                )
            else:
                detail.update(
                    mt_error=str(result.failure), reason=result.reason, retry_after=result.retry_after
                )
                out[i] = _Draft(None, engine.name, SegmentState.MT_FAILED, detail, warnings)
    assert all(d is not None for d in out)
    return [d for d in out if d is not None]


def _run_engine(
    session: Session,
    sources: list[str],
    lang: str,
    engine: Engine,
    glossary: Glossary,
    limiter: Limiter | None,
) -> list[tuple[EngineResult, list[str]]]:
    if not isinstance(engine, RemoteEngine):  # a local engine: nothing leaves, nothing to protect
        return [(r, []) for r in engine.translate_batch(sources, SOURCE, lang)]
    protected = [protect(s, SOURCE, lang, glossary) for s in sources]
    mode = protected[0].mode
    results = translate(
        engine,
        [p.text for p in protected],
        SOURCE,
        lang,
        session=session,
        glossary_version=glossary.version,
        mode=mode,
        limiter=limiter,
    )
    out: list[tuple[EngineResult, list[str]]] = []
    for p, result in zip(protected, results, strict=True):
        if not result.ok:
            out.append((result, []))
            continue
        restored = restore(p, result.text or "")
        result.text = restored.text
        out.append((result, list(restored.warnings)))
    return out


def _apply(
    tr: Translation, seg: Segment, draft: _Draft, glossary: Glossary, now: datetime, summary: BatchSummary
) -> None:
    warnings = list(draft.warnings)
    if draft.text:
        warnings += [w for w in check(draft.text, seg.source, SOURCE, tr.lang, glossary) if w not in warnings]
        warnings += all_warnings(seg.source, draft.text, tr.lang)
    tr.target = draft.text
    tr.state = draft.state
    tr.origin = draft.origin
    tr.detail = draft.detail
    tr.warnings = warnings
    kept: list[Hint] = [
        h for h in tr.hints if h["type"] == "previous"
    ]  # what the segment said before an edit
    tr.hints = kept + glossary.hints(seg.source, SOURCE, tr.lang)
    tr.glossary_version = glossary.version
    tr.updated_at = now
    tr.updated_by = None
    summary.warnings += bool(warnings)
    if draft.state == SegmentState.MT_FAILED:
        summary.failed += 1
        summary.failures.append(
            f"segment {seg.n}: {draft.detail.get('mt_error')}: {draft.detail.get('reason')}"
        )
    elif draft.state == SegmentState.UNTRANSLATED:
        summary.untranslated += 1
    elif draft.origin == "tm":
        summary.tm += 1
    elif draft.origin == "glossary":
        summary.glossary += 1
    else:
        summary.engine_drafts += 1
