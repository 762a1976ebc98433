"""The kiosk channel: publishing the kiosk bundle from the live releases (channels.kiosk_bundle builds,
searches and verifies the bundle itself)."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from trilingo.channels import FileChannel, PublishSummary, Target, ui
from trilingo.channels import kiosk_bundle as bundle
from trilingo.channels import kiosk_index as index
from trilingo.channels.ledger import Ledger
from trilingo.channels.pages import (
    Page,
    bodies,
    by_document,
    cut_at_word,
    date_text,
    environment,
    gates_of,
    live_pages,
    renderer_version,
)
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.outdated import freshness
from trilingo.site import SiteSettings
from trilingo.site import example as example_site
from trilingo.store.chunks import chunked
from trilingo.store.hashing import sha256
from trilingo.store.models import utcnow

CHANNEL = "kiosk"


@dataclass
class KioskSummary:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    documents: int = 0
    version: str = ""


def publish_kiosk(
    session: Session,
    out_dir: Path,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
) -> KioskSummary:
    """Bring the bundle up to date with the live releases, in place: the rows of changed releases only
    are made again (kiosk.sqlite is updated on a copy, then swapped in whole), and only the page's data
    files those rows touch are written. A full build happens for a new bundle, or when the renderer, the
    site settings or the number of index buckets changed. The manifest goes last."""
    del documents  # the index spans every document: changes are found by comparing each row's key
    site = site or example_site()
    pages = live_pages(session, CHANNEL)
    by_doc = by_document(pages)
    # A withdrawn (out-of-date, critical) translation is not offered; an out-of-date one is, as on the web.
    # Expired notices (`expires:`) leave the kiosk at the first publish after their time.
    now = utcnow()
    wanted = {
        (p.doc_id, p.lang): (p, _row_key(p))
        for p in pages
        if not freshness(p, by_doc[p.doc_id].get(SOURCE), site).withdrawn and not p.expired(now)
    }
    renderer = sha256(renderer_version(__file__, index.__file__, bundle.__file__) + repr(site))
    key = sha256(renderer + "|".join(sorted(f"{d}:{lang}:{k}" for (d, lang), (_, k) in wanted.items())))
    ledger = Ledger(session, CHANNEL, out_dir, mode=site.file_mode)
    result = KioskSummary(documents=len({d for d, _ in wanted}))
    if ledger.is_current(bundle.MANIFEST, key) and ledger.is_current(bundle.DATABASE, key):
        result.unchanged = len(ledger.records())
        return result
    buckets = index.bucket_count(result.documents)
    previous = _previous(out_dir, ledger, renderer, buckets)
    if previous is None and bundle.DATABASE in ledger.records():
        ledger.distrust()  # a whole build over a bundle we wrote: its files may be damaged, write them all
    try:
        data, files, state = _update(session, out_dir, wanted, site, renderer, buckets, previous)
    except (bundle.Stale, sqlite3.DatabaseError):
        if previous is None:
            raise
        previous = None  # a file the update needs is gone or damaged: build the bundle whole
        ledger.distrust()  # and write every file again: others may be damaged too
        data, files, state = _update(session, out_dir, wanted, site, renderer, buckets, previous)
    digests = dict(previous or {})
    digests.pop(bundle.PAGE, None)
    digests.pop(index.VERSION, None)
    for rel, content in files.items():
        if content is None:
            digests.pop(rel, None)
        else:
            digests[rel] = sha256(content)
    digests[bundle.DATABASE] = hashlib.sha256(data).hexdigest()
    build = sha256("".join(f"{k}{v}" for k, v in sorted(digests.items())))[:12]
    # The page asks for this file when it has been idle: a new build means a new bundle, so it reloads.
    version_js = index.script("version", build)
    digests[index.VERSION] = sha256(version_js)
    page = page_html(state, site, build, buckets)
    digests[bundle.PAGE] = sha256(page)
    version = bundle.bundle_version(state.newest, sha256("".join(sorted(digests.values()))))
    result.version = version
    # The data files first, then the database and the page, the manifest last: a device that sees a new
    # manifest finds the files it names already there. Files whose bytes did not change are not written.
    for rel in digests:
        if rel not in files:
            ledger.keep(rel)  # not touched by this change
    for rel, content in files.items():
        if content is not None:
            ledger.put(rel, functools.partial(str, content), key=sha256(content))
    ledger.put(index.VERSION, lambda: version_js, key=sha256(version_js))
    ledger.put(bundle.DATABASE, lambda: data, key=key)
    ledger.put(bundle.PAGE, lambda: page, key=key)
    ledger.put(bundle.MANIFEST, lambda: bundle.manifest(digests, version), key=key)
    ledger.prune()  # the files of documents no longer shown, and of groups no longer used
    ledger.commit()
    result.written, result.unchanged = ledger.written, ledger.unchanged
    return result


def _update(
    session: Session,
    out_dir: Path,
    wanted: dict[tuple[int, str], tuple[Page, str]],
    site: SiteSettings,
    renderer: str,
    buckets: int,
    previous: dict[str, str] | None,
) -> tuple[bytes, dict[str, str | None], PageState]:
    """The new kiosk.sqlite (made on a copy of the published one, or from nothing), the data files the
    change touches, and what the page shows."""
    with tempfile.TemporaryDirectory(prefix="trilingo-kiosk-") as tmp:
        state = Path(tmp) / bundle.DATABASE
        if previous is not None:
            shutil.copyfile(out_dir / bundle.DATABASE, state)
        conn = sqlite3.connect(state)
        try:
            conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
            if previous is None:
                bundle.create(conn)
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)", [("renderer", renderer), ("buckets", str(buckets))]
                )
            change = _apply(conn, session, wanted, full=previous is None)
            bundle.finish(conn, optimize=previous is None)
            files = _data_files(conn, out_dir, change, site, buckets)
            page_state = _page_state(conn)
        finally:
            conn.close()
        return state.read_bytes(), files, page_state


def _row_key(p: Page) -> str:
    """A release is frozen (its title, body, category and gates are those of one version, approved
    once): its id and content hash say whether a row is still the one made from it."""
    return f"{p.release_id}:{p.content_hash}"


def _previous(out_dir: Path, ledger: Ledger, renderer: str, buckets: int) -> dict[str, str] | None:
    """The published bundle's manifest (file → SHA-256), if the bundle can be updated in place: it is
    this Trilingo's (the ledger wrote it), of this schema, renderer, site settings and bucket count."""
    path = out_dir / bundle.DATABASE
    records = ledger.records()
    if bundle.DATABASE not in records or bundle.MANIFEST not in records or not path.is_file():
        return None
    if records[bundle.MANIFEST].input_key is None:  # `publish --full` forgot the keys: build it whole
        return None
    try:
        files = json.loads((out_dir / bundle.MANIFEST).read_text(encoding="utf-8"))["files"]
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except (OSError, ValueError, KeyError, TypeError, sqlite3.DatabaseError):
        return None
    if meta.get("schema") != str(bundle.SCHEMA) or meta.get("renderer") != renderer:
        return None
    if meta.get("buckets") != str(buckets) or not isinstance(files, dict):
        return None
    return {str(k): str(v) for k, v in files.items()}


@dataclass
class Change:
    documents: set[int]  # whose rows changed, came or went
    old_keys: set[str]  # the index keys of the rows that went (their buckets lose those documents)
    full: bool


def _apply(
    conn: sqlite3.Connection, session: Session, wanted: dict[tuple[int, str], tuple[Page, str]], *, full: bool
) -> Change:
    """Make the bundle's rows those of `wanted`: rows whose key changed or that are no longer live go,
    new and changed releases come (their Markdown read and made into blocks, once)."""
    old = {(d, lang): (i, k) for i, d, lang, k in conn.execute("SELECT id, doc, lang, key FROM notice")}
    gone = [(i, d) for (d, lang), (i, k) in old.items() if wanted.get((d, lang), (None, ""))[1] != k]
    new = [p for (d, lang), (p, k) in wanted.items() if old.get((d, lang), (0, ""))[1] != k]
    old_keys: set[str] = set()
    if not full:
        for chunk in chunked([i for i, _ in gone]):
            marks = ",".join("?" * len(chunk))
            for title, body in conn.execute(f"SELECT title, body FROM notice WHERE id IN ({marks})", chunk):
                old_keys.update(index.tokens(title + "\n" + body))
    bundle.delete(conn, [i for i, _ in gone])
    texts = bodies(session, [p.release_id for p in new])
    entries = []
    for p in new:
        parts = index.blocks(texts[p.release_id])
        entries.append(
            bundle.Entry(
                slug=p.slug,
                lang=p.lang,
                title=p.title,
                summary=cut_at_word(next((text for kind, text in parts if kind != "h"), "")),
                body=" ".join(text for _, text in parts),
                category=p.category or "",
                gates=list(gates_of(p)),
                updated=date_text(p.approved_at),
                doc=p.doc_id,
                blocks=parts,
                key=wanted[(p.doc_id, p.lang)][1],
            )
        )
    bundle.insert(conn, entries)
    return Change({d for _, d in gone} | {p.doc_id for p in new}, old_keys, full)


_COLUMNS = "doc, slug, lang, title, summary, body, category, gates, updated, blocks, key"


def _entries(
    conn: sqlite3.Connection, where: str = "", params: Sequence[object] = ()
) -> dict[int, dict[str, bundle.Entry]]:
    """The bundle's rows as document → language → entry, languages in the registry's order."""
    out: dict[int, dict[str, bundle.Entry]] = {}
    rows = conn.execute(f"SELECT {_COLUMNS} FROM notice {where}", params).fetchall()
    for doc, slug, lang, title, summ, body, category, gates, updated, parts, key in sorted(
        rows, key=lambda r: (r[0], ALL.index(r[2]) if r[2] in ALL else len(ALL))
    ):
        out.setdefault(doc, {})[lang] = bundle.Entry(
            slug, lang, title, summ, body, category, json.loads(gates), updated, doc, json.loads(parts), key
        )
    return out


def _text(e: bundle.Entry) -> str:
    return e.title + "\n" + e.body


def _data_files(
    conn: sqlite3.Connection, out_dir: Path, change: Change, site: SiteSettings, buckets: int
) -> dict[str, str | None]:
    """The page's data files this change touches, by path: new contents, or None for a file no longer
    needed (a group left empty)."""
    files: dict[str, str | None] = {}
    numbers = _category_number(site)
    if change.full:
        docs = _entries(conn)
    else:
        docs = {}
        for chunk in chunked(sorted(change.documents)):
            docs.update(_entries(conn, f"WHERE doc IN ({','.join('?' * len(chunk))})", chunk))
    found = index.Index()
    for doc, langs in docs.items():
        for e in langs.values():
            found.add(doc, _text(e))
    tables: dict[int, dict[str, dict[str, list[int]]]] = {}
    if change.full:
        tables = dict(enumerate(found.buckets(buckets)))
    else:
        touched = {index.bucket_of(t, buckets) for t in change.old_keys | set(found.exact)}
        for n in sorted(touched):
            table = index.read_bucket(out_dir / f"{index.INDEX_DIR}{n}.js")
            if table is None:
                raise bundle.Stale(f"{index.INDEX_DIR}{n}.js")
            tables[n] = index.merge(table, found, n, buckets, change.documents, change.old_keys)
    for n, table in tables.items() if isinstance(tables, dict) else enumerate(tables):
        files[f"{index.INDEX_DIR}{n}.js"] = index.script("idx", n, table)
    for size, folder, make in (
        (index.SUMMARY_GROUP, index.SUMMARY_DIR, _cards_file),
        (index.DOC_GROUP, index.DOC_DIR, _docs_file),
    ):
        groups = {d // size for d in change.documents} if not change.full else {d // size for d in docs}
        for g in sorted(groups):
            members = (
                {d: langs for d, langs in docs.items() if d // size == g}
                if change.full
                else _entries(conn, "WHERE doc BETWEEN ? AND ?", (g * size, g * size + size - 1))
            )
            files[f"{folder}{g}.js"] = make(g, members, numbers) if members else None
    in_category: dict[int, list[int]] = {}
    rows = conn.execute("SELECT doc, category, max(updated) FROM notice GROUP BY doc").fetchall()
    for doc, category, _ in sorted(rows, key=lambda r: (r[2], r[0]), reverse=True):
        if category in numbers:
            in_category.setdefault(numbers[category], []).append(doc)
    for n in range(len(site.categories)):
        files[f"{index.CATEGORY_DIR}{n}.js"] = (
            index.script("cat", n, in_category[n]) if n in in_category else None
        )
    return files


def _cards_file(group: int, docs: dict[int, dict[str, bundle.Entry]], numbers: dict[str, int]) -> str:
    del numbers
    return index.script(
        "sum", group, {d: {code: _card(e) for code, e in langs.items()} for d, langs in docs.items()}
    )


def _docs_file(group: int, docs: dict[int, dict[str, bundle.Entry]], numbers: dict[str, int]) -> str:
    return index.script("doc", group, {d: _whole(langs, numbers) for d, langs in docs.items()})


def _card(e: bundle.Entry) -> list[str]:
    """What a result list shows: title, summary, date."""
    return [e.title, e.summary, e.updated]


def _category_number(site: SiteSettings) -> dict[str, int]:
    return {c.key: n for n, c in enumerate(site.categories)}


def _whole(langs: dict[str, bundle.Entry], numbers: dict[str, int]) -> dict[str, object]:
    """A notice as the reader shows it, in every language it is published in."""
    first = next(iter(langs.values()))
    return {
        "slug": first.slug,
        "category": numbers.get(first.category),
        "gates": list(first.gates),
        "langs": {
            code: {"title": e.title, "updated": e.updated, "blocks": e.blocks} for code, e in langs.items()
        },
    }


@dataclass
class PageState:
    """What the page itself carries, read from the bundle's rows."""

    latest: dict[int, dict[str, bundle.Entry]]  # newest first
    counts: dict[str, int]  # category key → documents
    documents: int
    newest: str  # the newest row's date


def _page_state(conn: sqlite3.Connection) -> PageState:
    rows = conn.execute("SELECT doc, category, max(updated) FROM notice GROUP BY doc").fetchall()
    newest = sorted(rows, key=lambda r: (r[2], r[0]), reverse=True)
    counts: dict[str, int] = {}
    for _, category, _ in rows:
        counts[category] = counts.get(category, 0) + 1
    ids = [r[0] for r in newest[:LATEST]]
    found = _entries(conn, f"WHERE doc IN ({','.join('?' * len(ids))})", ids) if ids else {}
    return PageState({d: found[d] for d in ids}, counts, len(rows), newest[0][2] if newest else "")


LATEST = 8  # notices on the home screen


def page_html(state: PageState, site: SiteSettings, build: str, buckets: int) -> str:
    strings = {}
    for code in ALL:
        gettext = ui.translations(code).gettext
        strings[code] = {msgid: gettext(msgid) for msgid in ui.KIOSK}
        strings[code]["office"] = site.office.get(code) or site.office[SOURCE]
        strings[code]["address"] = site.address.get(code) or site.address.get(SOURCE, "")
    data = {
        "source": SOURCE,
        "order": list(ALL),  # the page's data is written with sorted keys: the languages' order is this
        "languages": {
            c: {"html": LANGUAGES[c].html, "name": LANGUAGES[c].native, "font": LANGUAGES[c].font}
            for c in ALL
        },
        "ui": strings,
        "phone": site.phone,
        "email": site.email,
        "example": site.example,
        "gates": [{"names": g.names, "hours": g.hours} for g in site.gates],
        "categories": [
            {"n": n, "names": c.names, "count": state.counts[c.key]}
            for n, c in enumerate(site.categories)
            if state.counts.get(c.key)
        ],
        "latest": [
            {"id": d, "langs": {code: _card(e) for code, e in langs.items()}}
            for d, langs in state.latest.items()
        ],
        "documents": state.documents,
        "buckets": buckets,
        "group": index.SUMMARY_GROUP,
        "docGroup": index.DOC_GROUP,
        "build": build,
        "built": utcnow().strftime("%Y-%m-%d"),
        "idle": site.kiosk_idle_seconds,
        "rules": index.rules(),
        "dirs": {
            "i": index.INDEX_DIR,
            "s": index.SUMMARY_DIR,
            "n": index.DOC_DIR,
            "c": index.CATEGORY_DIR,
            "version": index.VERSION,
        },
    }
    return (
        environment(SOURCE)
        .get_template("kiosk.html")
        .render(
            office=site.office[SOURCE],
            languages=[{"code": c, "hreflang": LANGUAGES[c].html, "name": LANGUAGES[c].native} for c in ALL],
            data=data,
        )
    )


class Kiosk(FileChannel):
    """The offline lookup bundle for the self-service kiosks."""

    name = CHANNEL

    def publish(self, session: Session, target: Target) -> PublishSummary:
        done = publish_kiosk(session, target.folder, target.documents, target.site)
        return PublishSummary(self.name, done.written, done.unchanged)


channel = Kiosk()
