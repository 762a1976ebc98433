"""Exact translation memory: approved pairs keyed by the source's match key."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from io import StringIO

from sqlmodel import Session, col, select

from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.languages import SOURCE, TARGETS
from trilingo.store.chunks import chunked
from trilingo.store.models import utcnow
from trilingo.text.keys import match_key
from trilingo.tm.models import TMEntry

STARTER_FILE = "starter-tm.csv"


@lru_cache(maxsize=8192)
def tm_key(text: str, lang: str = SOURCE) -> str:
    """Tone-mark, case and space variants of one sentence share a key. Kept for the next asking: a
    pretranslate batch keys each segment for the exact lookup and again for the fuzzy one."""
    return match_key(text, lang)


def lookup_exact(session: Session, texts: Iterable[str], tgt: str, src: str = SOURCE) -> dict[str, TMEntry]:
    """Source text → TM entry for every text that has an exact (match-key) hit."""
    keyed: dict[str, list[str]] = {}
    for text in texts:
        keyed.setdefault(tm_key(text, src), []).append(text)
    hits: dict[str, TMEntry] = {}
    keys = list(keyed)
    for chunk in chunked(keys):
        rows = session.exec(
            select(TMEntry).where(
                TMEntry.src_lang == src, TMEntry.tgt_lang == tgt, col(TMEntry.key).in_(chunk)
            )
        ).all()
        for row in rows:
            for text in keyed[row.key]:
                hits[text] = row
    return hits


def add(
    session: Session,
    source: str,
    target: str,
    tgt: str,
    *,
    origin: str = "approved",
    actor: str | None = None,
    document_id: int | None = None,
    needs_native_review: bool = False,
    src: str = SOURCE,
) -> TMEntry:
    """Insert or update the pair for this source; the newest approval wins."""
    key = tm_key(source, src)
    entry = session.exec(
        select(TMEntry).where(TMEntry.src_lang == src, TMEntry.tgt_lang == tgt, TMEntry.key == key)
    ).first()
    if entry is None:
        entry = TMEntry(
            src_lang=src,
            tgt_lang=tgt,
            key=key,
            source=source,
            target=target,
            origin=origin,
            needs_native_review=needs_native_review,
            document_id=document_id,
            created_by=actor,
        )
        session.add(entry)
    else:
        entry.source, entry.target, entry.origin = source, target, origin
        entry.needs_native_review = needs_native_review
        entry.document_id, entry.created_by, entry.updated_at = document_id, actor, utcnow()
    return entry


@dataclass(frozen=True)
class StarterPair:
    source: str
    lang: str
    target: str


def starter_pairs() -> list[StarterPair]:
    """The shipped starter memory: common gate phrases, written by the team, pending native review.

    Its columns are language codes (the source's, then the targets'). A target with no column (a
    language added to the registry after the file was written) has no starter pairs."""
    text = resources.files("trilingo.data").joinpath(STARTER_FILE).read_text(encoding="utf-8")
    pairs = []
    reader = csv.DictReader(StringIO(text))
    langs = [lang for lang in TARGETS if lang in (reader.fieldnames or ())]
    for line_no, row in enumerate(reader, start=2):
        for lang in langs:
            if not row.get(SOURCE) or not row.get(lang):
                raise InputError(
                    N_("{file}: line {line}: missing {source} or {lang}").format(
                        file=STARTER_FILE, line=line_no, source=SOURCE, lang=lang
                    )
                )
            pairs.append(StarterPair(row[SOURCE], lang, row[lang]))
    return pairs


def load_starter(session: Session, actor: str) -> int:
    """Add the starter pairs that are not in the memory yet; approved pairs are never overwritten."""
    added = 0
    for pair in starter_pairs():
        if not lookup_exact(session, [pair.source], pair.lang):
            add(
                session,
                pair.source,
                pair.target,
                pair.lang,
                origin="starter",
                actor=actor,
                needs_native_review=True,
            )
            session.flush()
            added += 1
    return added
