"""Storing notices: new documents or new versions, segments, carried-over translations, the released original.

Many notices are stored with one statement per table, whatever their number: a submit of 500 files
made ~8 round trips and 12 ORM objects per notice before. Rows are plain dicts, not SQLModel objects
(building 390,000 of those for a 130,000-line file took 110 of its 195 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy import text as sa_text
from sqlmodel import Session, SQLModel

from trilingo import channels
from trilingo.errors import Conflict, InputError
from trilingo.i18n import N_
from trilingo.languages import SOURCE, TARGETS
from trilingo.people import authorize
from trilingo.store.audit import record_rows
from trilingo.store.bulk import bulk_insert
from trilingo.store.chunks import chunked
from trilingo.store.counts import mark_versions
from trilingo.store.hashing import release_hash, sha256
from trilingo.store.hints import Hint
from trilingo.store.models import DocState, SegmentState, utcnow
from trilingo.text.frontmatter import Notice
from trilingo.text.segment import Piece, split

# A carried translation keeps its text and state only if a person or the memory made it usable.
_CARRY = {SegmentState.APPROVED, SegmentState.EDITED, SegmentState.NEEDS_REVIEW}


@dataclass(frozen=True)
class Submitted:
    id: int
    slug: str
    version: int
    created: bool  # False when the content equals the current version: nothing was stored
    segments: int
    changed: dict[str, int]  # target language → segments that need (re)translation


def content_hash(notice: Notice) -> str:
    parts = [
        notice.title,
        notice.category or "",
        "|".join(notice.gates),
        "|".join(notice.channels),
        notice.body,
    ]
    if notice.expires is not None:  # only then: hashes of notices without an expiry stay as they were
        parts.append(notice.expires.isoformat())
    if notice.screen is not None:
        parts.append("screen:" + notice.screen)
    return sha256("\x1f".join(parts))


def submit(
    session: Session,
    notice: Notice,
    actor: str,
    now: datetime | None = None,
    *,
    forced_language: str | None = None,
    update: bool = False,
) -> Submitted:
    """Store `notice` as a new document, or as a new version of the document with its slug.

    `forced_language`: the language the detector found, when the editor submitted it as Vietnamese anyway.
    `update`: as submit_many's."""
    forced = {notice.slug: forced_language} if forced_language else {}
    return submit_many(session, [notice], actor, now, forced_languages=forced, update=update)[0]


@dataclass
class _Doc:
    """One notice on its way in."""

    notice: Notice
    digest: str
    id: int = 0
    number: int = 0  # the version being made
    previous_version: int | None = None  # id of the version it replaces
    version_id: int = 0
    pieces: Sequence[Piece] = ()
    segments: list[tuple[int, str]] = field(default_factory=list)  # (segment id, source)
    changed: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Old:
    """A translation of the previous version, with its segment's source."""

    source: str
    id: int
    state: SegmentState
    target: str | None
    origin: str | None
    glossary_version: int | None
    detail: dict[str, Any]
    warnings: list[str]
    hints: list[Hint]
    updated_by: str | None


def _t(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def submit_many(
    session: Session,
    notices: Sequence[Notice],
    actor: str,
    now: datetime | None = None,
    *,
    forced_languages: dict[str, str] | None = None,
    update: bool = False,
) -> list[Submitted]:
    """Store each notice as a new document, or a new version of the document with its slug (in order).

    A notice equal to its document's current version stores nothing. Slugs must be distinct. An update
    is always meant: a changed notice whose slug was made from its title (no `slug:`) is refused as a new
    file that happens to share a stored notice's title, unless `update`."""
    now = now or utcnow()
    authorize(session, actor, "submit")
    _check_notices(notices)
    docs = [_Doc(n, content_hash(n)) for n in notices]
    results, new_docs = _match_existing(session, docs, update)
    _create_documents(session, new_docs, actor, now)
    work = [d for d in docs if d.notice.slug not in results]
    if not work:
        return [results[n.slug] for n in notices]
    _store_versions(session, work, actor, now)
    record_rows(session, [_submit_event(d, actor, now, forced_languages or {}) for d in work])
    results.update(
        (d.notice.slug, Submitted(d.id, d.notice.slug, d.number, True, len(d.segments), d.changed))
        for d in work
    )
    return [results[n.slug] for n in notices]


def _check_notices(notices: Sequence[Notice]) -> None:
    """Refuse a batch with a slug twice (a caller's mistake), or a notice asking for an unknown channel."""
    if len({n.slug for n in notices}) != len(notices):
        raise ValueError("submit_many: each slug once")
    for notice in notices:
        channels.check_all(notice.channels, notice.source or notice.slug)


def _match_existing(
    session: Session, docs: list[_Doc], update: bool = False
) -> tuple[dict[str, Submitted], list[_Doc]]:
    """Match each notice to the document with its slug: a notice equal to its document's current version
    is done (slug → what it is); a changed one gets the next version's number, if it gave its `slug:` or
    `update` says it is meant (else an InputError); the rest are new documents."""
    existing = _existing(session, [d.notice.slug for d in docs])
    done: dict[str, Submitted] = {}
    new_docs: list[_Doc] = []
    for d in docs:
        found = existing.get(d.notice.slug)
        if found is None:
            new_docs.append(d)
            continue
        d.id, current, d.previous_version, previous_hash, count = found
        if previous_hash == d.digest:
            done[d.notice.slug] = Submitted(
                d.id, d.notice.slug, current, False, count, dict.fromkeys(TARGETS, 0)
            )
        elif d.notice.derived_slug and not update:
            raise InputError(
                N_(
                    "{where}: a notice with this slug already exists: {slug}; to publish a new version give "
                    "`slug: {slug}` or `--update`; a new notice needs another title or `slug:`"
                ).format(where=d.notice.source or d.notice.slug, slug=d.notice.slug)
            )
        else:
            d.number = current + 1
    return done, new_docs


def _create_documents(session: Session, new_docs: list[_Doc], actor: str, now: datetime) -> None:
    """A document row for each new notice, which becomes its version 1."""
    if not new_docs:
        return
    rows = [
        {"slug": d.notice.slug, "current_version": 1, "created_at": now, "created_by": actor}
        for d in new_docs
    ]
    for d, i in zip(new_docs, _insert_returning(session, _t("document"), rows), strict=True):
        d.id, d.number = i, 1


def _store_versions(session: Session, work: list[_Doc], actor: str, now: datetime) -> None:
    """The new versions with their segments, carried translations and released original."""
    _bump_versions(session, [d for d in work if d.previous_version is not None])
    _insert_versions(session, work, actor, now)
    _insert_segments(session, work)
    old = _previous_rows(session, [d.previous_version for d in work if d.previous_version is not None])
    _carry_translations(session, work, old, now)
    _release_sources(session, work, actor, now)


def _submit_event(d: _Doc, actor: str, now: datetime, forced_languages: dict[str, str]) -> dict[str, Any]:
    """The audit row of one stored version."""
    detail: dict[str, Any] = {
        "version": d.number,
        "slug": d.notice.slug,
        "segments": len(d.segments),
        "changed": d.changed,
    }
    if d.notice.slug in forced_languages:  # submitted as Vietnamese although the detector said otherwise
        detail["forced_language"] = forced_languages[d.notice.slug]
    return {
        "at": now,
        "actor": actor,
        "action": "submit",
        "document_id": d.id,
        "new": d.notice.title,
        "detail": detail,
    }


def _insert_returning(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows with ids taken beforehand; the ids in the rows' order.

    No INSERT … RETURNING: with `sort_by_parameter_order` SQLite got one INSERT per row (5,900 statements
    for 500 notices), and PostgreSQL's multi-row form is a new 7,000-placeholder statement per page that
    psycopg parses in Python each time (a third of a submit there). Plain rows go through the driver's
    executemany instead: one short statement, prepared once."""
    ids = allocate_ids(session, table, len(rows))
    bulk_insert(session, table, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def allocate_ids(session: Session, table: Table, n: int) -> list[int]:
    """`n` new ids for `table`, not taken by anyone else: from the id sequence on PostgreSQL; above the
    highest id on SQLite, where a writer's transaction holds the write lock from its start (BEGIN
    IMMEDIATE), so no other writer can insert in between."""
    if n == 0:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        found = connection.execute(
            sa_text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": n},
        )
        return [int(i) for i in found.scalars()]
    top = connection.execute(sa_select(func.max(table.c.id))).scalar() or 0
    return list(range(top + 1, top + 1 + n))


def _existing(session: Session, slugs: list[str]) -> dict[str, tuple[int, int, int, str, int]]:
    """slug → (document id, current version number, its version id, its content hash, its segment count)."""
    doc, ver, seg = _t("document"), _t("documentversion"), _t("segment")
    out: dict[str, tuple[int, int, int, str, int]] = {}
    for chunk in chunked(slugs):
        rows = session.execute(
            sa_select(doc.c.slug, doc.c.id, doc.c.current_version, ver.c.id, ver.c.content_hash)
            .join(ver, (ver.c.document_id == doc.c.id) & (ver.c.number == doc.c.current_version))
            .where(doc.c.slug.in_(chunk))
        ).all()
        for slug, doc_id, current, version_id, digest in rows:
            out[slug] = (doc_id, current, version_id, digest, 0)
    unchanged_versions = [v[2] for v in out.values()]
    counts: dict[int, int] = {}
    for versions in chunked(unchanged_versions):
        counts.update(
            session.execute(
                sa_select(seg.c.version_id, func.count(seg.c.id))
                .where(seg.c.version_id.in_(versions))
                .group_by(seg.c.version_id)
            ).all()
        )
    return {slug: (*v[:4], counts.get(v[2], 0)) for slug, v in out.items()}


def _bump_versions(session: Session, docs: list[_Doc]) -> None:
    if docs:
        table = _t("document")
        statement = (
            update(table).where(table.c.id == bindparam("b_id")).values(current_version=bindparam("b_number"))
        )
        session.connection().execute(statement, [{"b_id": d.id, "b_number": d.number} for d in docs])


def _insert_versions(session: Session, docs: list[_Doc], actor: str, now: datetime) -> None:
    rows = [
        {
            "document_id": d.id,
            "number": d.number,
            "title": d.notice.title,
            "category": d.notice.category,
            "gates": d.notice.gates,
            "channels": d.notice.channels,
            "body": d.notice.body,
            "content_hash": d.digest,
            "expires": d.notice.expires,
            "created_at": now,
            "created_by": actor,
        }
        for d in docs
    ]
    for d, i in zip(docs, _insert_returning(session, _t("documentversion"), rows), strict=True):
        d.version_id = i


def _insert_segments(session: Session, docs: list[_Doc]) -> None:
    rows = []
    for d in docs:
        d.pieces = d.notice.pieces or tuple(split(d.notice.title, d.notice.body, screen=d.notice.screen))
        rows += [
            {
                "version_id": d.version_id,
                "n": p.n,
                "block": p.block,
                "kind": p.kind,
                "prefix": p.prefix,
                "source": p.text,
                "source_hash": sha256(p.text),
            }
            for p in d.pieces
        ]
    ids = iter(_insert_returning(session, _t("segment"), rows))
    for d in docs:
        d.segments = [(next(ids), p.text) for p in d.pieces]


def _previous_rows(session: Session, version_ids: list[int]) -> dict[tuple[int, str], list[_Old]]:
    """(version id, language) → that version's translations, in segment order."""
    tr, seg = _t("translation"), _t("segment")
    out: dict[tuple[int, str], list[_Old]] = {}
    for chunk in chunked(version_ids):
        query = (
            sa_select(
                seg.c.version_id, tr.c.lang, seg.c.source, tr.c.id, tr.c.state, tr.c.target, tr.c.origin,
                tr.c.glossary_version, tr.c.detail, tr.c.warnings, tr.c.hints, tr.c.updated_by,
            )
            .join(seg, seg.c.id == tr.c.segment_id)
            .where(seg.c.version_id.in_(chunk))
            .order_by(seg.c.version_id, seg.c.n)
        )  # fmt: skip
        for version_id, lang, *fields in session.execute(query).all():
            out.setdefault((version_id, lang), []).append(_Old(*fields))
    return out


def _carry_translations(
    session: Session, docs: list[_Doc], old: dict[tuple[int, str], list[_Old]], now: datetime
) -> None:
    """Give each new segment a translation row per target language; unchanged segments keep theirs."""
    rows = []
    states: dict[tuple[int, str], DocState] = {}
    for d in docs:
        for lang in TARGETS:
            previous = old.get((d.previous_version, lang), []) if d.previous_version is not None else []
            carried = {o.source: o for o in previous if o.state in _CARRY}
            earlier = _previous_of_changed(previous, d.segments) if previous else {}
            changed = 0
            all_approved = True
            for i, (segment_id, source) in enumerate(d.segments):
                row: dict[str, Any] = {
                    "segment_id": segment_id,
                    "lang": lang,
                    "state": SegmentState.UNTRANSLATED,
                    "target": None,
                    "origin": None,
                    "glossary_version": None,
                    "detail": {},
                    "warnings": [],
                    "hints": [],
                    "updated_at": now,
                    "updated_by": None,
                    "row_version": 1,
                }
                prior = carried.get(source)
                if prior is None:
                    changed += 1
                    all_approved = False
                    was = earlier.get(i)
                    if was is not None and was.target:
                        # A changed sentence starts from nothing, but the reviewer sees what it used to say.
                        row["hints"] = [
                            {
                                "type": "previous",
                                "source": was.source,
                                "target": was.target,
                                "state": was.state,
                            }
                        ]
                else:
                    all_approved &= prior.state == SegmentState.APPROVED
                    row.update(
                        state=prior.state,
                        target=prior.target,
                        origin=prior.origin,
                        glossary_version=prior.glossary_version,
                        detail={**prior.detail, "carried_from": prior.id},
                        warnings=list(prior.warnings),
                        hints=list(prior.hints),
                        updated_by=prior.updated_by,
                    )
                rows.append(row)
            d.changed[lang] = changed
            # What is live stays live (release_id is untouched) until the new version is approved.
            states[(d.id, lang)] = DocState.PRETRANSLATED if all_approved else DocState.SUBMITTED
    if rows:
        bulk_insert(session, _t("translation"), rows)
    mark_versions(session, [d.version_id for d in docs])
    _set_doclangs(session, docs, states, {}, now)


def _set_doclangs(
    session: Session,
    docs: list[_Doc],
    states: dict[tuple[int, str], DocState],
    releases: dict[int, int],
    now: datetime,
) -> None:
    """Point each (document, language) in `states` at the new version: update the rows that exist
    (compare-and-set, as every change of a document-language), insert the others."""
    table = _t("doclang")
    by_doc = {d.id: d for d in docs}
    existing: dict[tuple[int, str], tuple[int, int]] = {}
    for chunk in chunked(list(by_doc)):
        for i, doc_id, lang, version in session.execute(
            sa_select(table.c.id, table.c.document_id, table.c.lang, table.c.row_version).where(
                table.c.document_id.in_(chunk)
            )
        ).all():
            existing[(doc_id, lang)] = (i, version)
    updates, inserts = [], []
    for (doc_id, lang), state in states.items():
        values = {
            "version_id": by_doc[doc_id].version_id,
            "state": state,
            "reason": None,
            "waiting_since": now,
            "updated_at": now,
        }
        if lang == SOURCE:
            values["release_id"] = releases[doc_id]
        if (doc_id, lang) in existing:
            i, version = existing[(doc_id, lang)]
            updates.append({"b_id": i, "b_version": version, **{f"p_{k}": v for k, v in values.items()}})
        else:
            inserts.append(
                {"document_id": doc_id, "lang": lang, "row_version": 1, "release_id": None, **values}
            )
    if inserts:
        bulk_insert(session, table, inserts)
    for with_release in (True, False):
        group = [u for u in updates if ("p_release_id" in u) == with_release]
        if not group:
            continue
        names = [k[2:] for k in group[0] if k.startswith("p_")]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.row_version == bindparam("b_version"))
            .values({**{n: bindparam(f"p_{n}") for n in names}, "row_version": table.c.row_version + 1})
        )
        changed = session.connection().execute(statement, group).rowcount
        if changed != len(group):
            raise Conflict(
                N_("{conflict} (a document-language changed while the notice was stored)").format(
                    conflict=Conflict.__doc__
                )
            )


def _previous_of_changed(previous: list[_Old], segments: list[tuple[int, str]]) -> dict[int, _Old]:
    """Index of a new segment → the old segment it replaced, pairing the replaced runs of an alignment.

    difflib's autojunk stays on: it ignores lines that fill more than 1 % of a long notice, which keeps a
    list of 100,000 near-identical lines from taking quadratic time; the pairing is only a hint."""
    matcher = SequenceMatcher(a=[o.source for o in previous], b=[source for _, source in segments])
    pairs: dict[int, _Old] = {}
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace":
            for k in range(min(i2 - i1, j2 - j1)):
                pairs[j1 + k] = previous[i1 + k]
    return pairs


def _release_sources(session: Session, docs: list[_Doc], actor: str, now: datetime) -> None:
    """The Vietnamese originals need no review: each is released on submit."""
    rows = [
        {
            "document_id": d.id,
            "lang": SOURCE,
            "version_id": d.version_id,
            "title": d.notice.title,
            "body": d.notice.body,
            "screen": d.notice.screen,
            "content_hash": release_hash(d.notice.title, d.notice.body, d.notice.screen),
            "approved_by": actor,
            "approved_at": now,
        }
        for d in docs
    ]
    ids = _insert_returning(session, _t("release"), rows)
    releases = {d.id: i for d, i in zip(docs, ids, strict=True)}
    _set_doclangs(session, docs, {(d.id, SOURCE): DocState.APPROVED for d in docs}, releases, now)
