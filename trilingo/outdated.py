"""The out-of-date rule, in one place: a live translation is out of date when the Vietnamese original
it was made from is no longer the live one. Its page then says so; in a critical category (opening
hours, fees, entry rules) it is withdrawn until the new version is approved.

Two forms of the one rule: `freshness` in Python, for a page being rendered, and `outdated` in SQL,
for the queue and `status` (a test holds them against each other on both databases).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select as sa_select

from trilingo.languages import SOURCE
from trilingo.store.tables import doclang, release
from trilingo.store.values import DocState, aware

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from trilingo.site import SiteSettings

    Reader = Connection | Session


@dataclass(frozen=True)
class Freshness:
    """How a translation stands against the current Vietnamese original."""

    outdated: bool = False
    withdrawn: bool = False


class Release(Protocol):
    """What the rule reads of a live release (channels.pages.Page has it)."""

    @property
    def lang(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def source_hash(self) -> str | None: ...  # the Vietnamese release it was made from (None for vi)
    @property
    def category(self) -> str | None: ...


CURRENT = Freshness()  # shared: a frozen dataclass per page cost 0.1 s of every publish at 10,000 notices


def freshness(page: Release, original: Release | None, site: SiteSettings) -> Freshness:
    if page.lang == SOURCE or original is None or page.source_hash == original.content_hash:
        return CURRENT
    return Freshness(True, site.is_critical(original.category))


def outdated(
    conn: Reader, lang: str | None = None, states: tuple[DocState, ...] | None = None
) -> dict[tuple[int, str], datetime]:
    """(document, language) → since when its live translation is of an older Vietnamese text than the
    live original. One query; it only looks at document-languages that have a release."""
    live = release.alias("live")
    source_then = release.alias("source_then")
    source_doclang = doclang.alias("source_doclang")
    source_now = release.alias("source_now")
    query = (
        sa_select(doclang.c.document_id, doclang.c.lang, source_now.c.approved_at)
        .select_from(doclang)
        .join(live, live.c.id == doclang.c.release_id)
        .join(
            source_then,
            (source_then.c.document_id == doclang.c.document_id)
            & (source_then.c.lang == SOURCE)
            & (source_then.c.version_id == live.c.version_id),
        )
        .join(
            source_doclang,
            (source_doclang.c.document_id == doclang.c.document_id) & (source_doclang.c.lang == SOURCE),
        )
        .join(source_now, source_now.c.id == source_doclang.c.release_id)
        .where(doclang.c.lang != SOURCE, source_then.c.content_hash != source_now.c.content_hash)
    )
    if lang:
        query = query.where(doclang.c.lang == lang)
    if states:
        query = query.where(doclang.c.state.in_([str(s) for s in states]))
    return {(doc, item_lang): aware(since) for doc, item_lang, since in conn.execute(query).all()}
