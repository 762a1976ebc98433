"""The web channel: a static trilingual site rendered from Jinja2 templates (autoescaped).

Per language: a home page (latest notices with date, category and summary; the gates' opening hours),
category pages, article pages (in their own folder, `<lang>/n/<slug>.html`, so that no slug can take a
generated page's name), an Atom feed; for the site: a root page, `404.html` and, with a base URL,
`sitemap.xml` (every page, absolute addresses, hreflang alternates with x-default). An article published
at its old address (`<lang>/<slug>.html`) keeps a redirect page there for as long as it is live. The interface strings come from gettext catalogs (channels.ui), the office's
name, contacts and gates from the site settings (trilingo.site).

A translation whose Vietnamese original changed after it was approved is *out of date*: its page says
so, in its own language, with the dates and a link to the original. In a critical category (opening
hours, fees, entry rules) it is withdrawn instead: the page explains why and links to the original, and
the lists and feed leave it out, until the new version is approved.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session

from trilingo.channels import FileChannel, PublishSummary, Target
from trilingo.channels import pages as pages_module
from trilingo.channels import site_view as site_view_module
from trilingo.channels.ledger import Ledger
from trilingo.channels.pages import (
    Page,
    article_path,
    bodies,
    by_document,
    date_text,
    is_article_path,
    legacy_article_path,
    live_pages,
    renderer_version,
    sitemap_chunk,
    summaries,
)
from trilingo.channels.site_view import ROOT, SiteView, category_path
from trilingo.i18n import N_
from trilingo.languages import ALL, SOURCE
from trilingo.outdated import Freshness, freshness
from trilingo.site import SiteSettings
from trilingo.site import example as example_site
from trilingo.store.hashing import sha256
from trilingo.store.models import utcnow

CHANNEL = "web"
LATEST = 20  # notices on each home page and in each feed


@dataclass
class WebSummary:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    published: list[tuple[int, str]] = field(default_factory=list)  # (document id, lang) now live
    withdrawn: list[tuple[int, str]] = field(default_factory=list)  # out of date in a critical category
    removed: list[str] = field(default_factory=list)  # files of pages no longer live


def publish_web(
    session: Session,
    out_dir: Path,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
) -> WebSummary:
    """Write the pages whose inputs changed: of every document, or of `documents` and the lists showing them.

    The lists are always checked; a page is rendered only when what it is made from changed, and
    written only when its text did."""
    site = site or example_site()
    now = utcnow()
    ledger = Ledger(session, CHANNEL, out_dir, documents, mode=site.file_mode)
    # The article folder is an input of every page that links to an article.
    base = sha256(
        renderer_version(__file__, site_view_module.__file__) + repr(site) + pages_module.ARTICLE_FOLDER
    )
    scope = _scope(session, ledger, documents, site, base, now)
    pages = scope.pages
    by_doc = by_document(pages)
    fresh = _freshness(pages, by_doc, site)
    in_scope = _articles_in_scope(ledger, pages, documents)
    todo = _stale_articles(ledger, in_scope, by_doc, fresh, base, now)
    texts = bodies(session, [page.release_id for page, _, _ in todo])
    site_view = SiteView(site, pages, scope.last_change)
    for page, key, entry in todo:
        ledger.put(
            _article_path(page),
            partial(site_view.article, page, by_doc[page.doc_id], texts[page.release_id], fresh, now),
            key=key,
            document_id=page.doc_id,
            lang=page.lang,
            version_id=page.version_id,
            list_key=entry,
        )
    _put_redirects(ledger, site_view, base, in_scope)
    by_lang = _by_language(pages)
    langs_live = scope.langs_live or sorted(by_lang, key=ALL.index)
    # A language none of whose entries changed keeps its lists as they were.
    rebuilt = [lang for lang in langs_live if scope.listed is None or lang in scope.listed]
    listed = {lang: _listed(by_lang[lang], fresh) for lang in rebuilt}
    found = {lang: site_view.categories(lang, listed[lang]) for lang in rebuilt}
    categories = {
        lang: list(found[lang]) if lang in found else _categories_kept(ledger, lang) for lang in langs_live
    }
    for lang in rebuilt:
        _put_lists(
            session, ledger, site_view, base, lang, listed[lang], found[lang], categories, langs_live, now
        )
    if langs_live:
        _put_site_files(ledger, site_view, base, by_doc, langs_live, categories, scope)
    ledger.prune(documents)  # pages no longer live (retracted): removed, so nothing links to them
    ledger.commit()
    live = [(p.doc_id, p.lang) for p in pages if documents is None or p.doc_id in documents]
    withdrawn = [k for k, v in fresh.items() if v.withdrawn]
    return WebSummary(ledger.written, ledger.unchanged, live, withdrawn, ledger.removed)


def _freshness(
    pages: list[Page], by_doc: dict[int, dict[str, Page]], site: SiteSettings
) -> dict[tuple[int, str], Freshness]:
    """(document id, lang) → its page's freshness: current with its Vietnamese original, out of date or
    withdrawn."""
    return {(p.doc_id, p.lang): freshness(p, by_doc[p.doc_id].get(SOURCE), site) for p in pages}


def _articles_in_scope(ledger: Ledger, pages: list[Page], documents: Collection[int] | None) -> list[Page]:
    """The articles this publish renders if their inputs changed: every page, or those of `documents`.

    Other documents' pages, read for the lists, are left alone, unless one is missing (a publish killed
    before its renames, a page deleted by hand): no list may link to a page that is not there. Their
    records are loaded into the ledger."""
    if documents is None:
        return pages
    missing = {p.doc_id for p in pages if p.doc_id not in documents and not ledger.on_disk(_article_path(p))}
    ledger.fetch(missing)
    return [p for p in pages if p.doc_id in documents or p.doc_id in missing]


def _stale_articles(
    ledger: Ledger,
    pages: list[Page],
    by_doc: dict[int, dict[str, Page]],
    fresh: dict[tuple[int, str], Freshness],
    base: str,
    now: datetime,
) -> list[tuple[Page, str, str]]:
    """Of `pages`, those whose article is not current, each with its key and list entry; the others are
    counted unchanged in the ledger."""
    todo: list[tuple[Page, str, str]] = []
    for page in pages:
        state = fresh[(page.doc_id, page.lang)]
        key = _article_key(base, page, by_doc[page.doc_id], state, now)
        entry = _list_entry(base, page, state, now)
        if ledger.is_current(_article_path(page), key, entry):
            ledger.unchanged += 1
        else:
            todo.append((page, key, entry))
    return todo


def _article_key(base: str, page: Page, versions: dict[str, Page], state: Freshness, now: datetime) -> str:
    """What an article page is made from, hashed: its release, the languages it links to, its
    original's approval and its freshness."""
    original = versions.get(SOURCE)
    return sha256(
        f"{base}|{page.content_hash}|{page.title}|{page.approved_at:%Y-%m-%d}|{page.category}|"
        f"{page.gates_json}|{','.join(sorted(versions))}|{state}|"
        f"{original.approved_at if original else ''}|{page.expired(now)}"
    )


def _by_language(pages: list[Page]) -> dict[str, list[Page]]:
    """lang → its live pages, in the order read."""
    by_lang: dict[str, list[Page]] = {}
    for page in pages:
        by_lang.setdefault(page.lang, []).append(page)
    return by_lang


def _put_lists(
    session: Session,
    ledger: Ledger,
    site_view: SiteView,
    base: str,
    lang: str,
    listed: list[Page],
    found: dict[str, tuple[str, str | None, list[Page]]],
    categories: dict[str, list[str]],
    langs_live: list[str],
    now: datetime,
) -> None:
    """Stage one language's lists: its home page and feed (the LATEST notices) and its category pages
    (`found`: slug → name, its language, items), each keyed on the entries it shows. `categories` holds
    every live language's category slugs (a category page's hreflang alternates)."""
    latest = listed[:LATEST]
    blurbs = summaries(session, latest)
    list_key = sha256(
        f"{base}|{','.join(langs_live)}|"
        + "|".join(
            f"{p.slug}\x1f{p.title}\x1f{p.approved_at}\x1f{p.category}\x1f{p.expired(now)}" for p in listed
        )
    )
    latest_key = sha256(list_key + "|".join(blurbs.get(p.release_id, "") for p in latest))
    ledger.put(
        f"{lang}/index.html",
        partial(site_view.home, lang, latest, listed, blurbs, langs_live),
        key=latest_key,
        lang=lang,
    )
    ledger.put(f"{lang}/feed.xml", partial(site_view.feed, lang, latest, blurbs), key=latest_key, lang=lang)
    for slug, (name, name_lang, items) in found.items():
        with_it = [c for c in langs_live if slug in categories[c]]
        ledger.put(
            category_path(
                lang, slug
            ),  # beside the home page: a slug cannot take its name (articles are in n/)
            partial(site_view.category_page, lang, slug, name, name_lang, items, langs_live, with_it),
            # Its own items only: a change in one category re-renders that category's page alone.
            key=sha256(
                f"{base}|{','.join(langs_live)}|{slug}|{name}|{','.join(sorted(with_it))}|"
                + "|".join(f"{p.slug}\x1f{p.title}\x1f{p.approved_at}\x1f{p.expired(now)}" for p in items)
            ),
            lang=lang,
        )


def _listed(pages: list[Page], fresh: dict[tuple[int, str], Freshness]) -> list[Page]:
    """What one language's lists show: its pages but the withdrawn ones, newest first."""
    return sorted(
        (p for p in pages if not fresh[(p.doc_id, p.lang)].withdrawn),
        key=lambda p: (p.approved_at, p.doc_id),
        reverse=True,
    )


def _categories_kept(ledger: Ledger, lang: str) -> list[str]:
    """The category slugs of a language whose lists this publish keeps: its category pages on record."""
    prefix, suffix = category_path(lang, "\x00").split("\x00")
    return sorted(
        rel.removeprefix(prefix).removesuffix(suffix)
        for rel in ledger.records()
        if rel.startswith(prefix) and rel.endswith(suffix) and "/" not in rel.removeprefix(prefix)
    )


def _put_site_files(
    ledger: Ledger,
    site_view: SiteView,
    base: str,
    by_doc: dict[int, dict[str, Page]],
    langs_live: list[str],
    categories: dict[str, list[str]],
    scope: _Scope,
) -> None:
    """Stage the files of the whole site: the sitemaps (with a base URL: a sitemap's addresses are
    absolute), the root page (choose a language) and `404.html`."""
    if site_view.site.base_url:
        _sitemaps(ledger, site_view, base, by_doc, langs_live, categories, scope)
    ledger.put(ROOT, partial(site_view.root, langs_live), key=_root_key(base, langs_live))
    ledger.put("404.html", partial(site_view.not_found, langs_live), key=sha256(base + ",".join(langs_live)))


def _sitemaps(
    ledger: Ledger,
    site_view: SiteView,
    base: str,
    by_doc: dict[int, dict[str, Page]],
    langs_live: list[str],
    categories: dict[str, list[str]],
    scope: _Scope,
) -> None:
    """`sitemap.xml` is an index of `sitemap-home.xml` and one file per SITEMAP_DOCUMENTS documents (by
    id). Each file's date in the index is kept as its record's list_key, so a publish of a few
    documents rebuilds only their files and still writes the whole index."""
    chunks: dict[int, dict[int, dict[str, Page]]] = {}
    for doc_id, versions in by_doc.items():
        k = sitemap_chunk(doc_id)
        if scope.chunks is None or k in scope.chunks:
            chunks.setdefault(k, {})[doc_id] = versions
    ledger.put(
        "sitemap-home.xml",
        partial(site_view.sitemap, {}, langs_live, categories),
        key=sha256(base + ",".join(langs_live) + site_view.last_change + repr(sorted(categories.items()))),
        list_key=site_view.last_change,
    )
    dated = dict(scope.dates)  # the files this run does not rebuild, with their dates
    for k, docs in chunks.items():
        rel = f"sitemap-{k}.xml"
        entries = "|".join(
            f"{p.slug}\x1f{p.lang}\x1f{p.approved_at}" for v in docs.values() for p in v.values()
        )
        dated[rel] = date_text(max(p.approved_at for v in docs.values() for p in v.values()))
        ledger.put(rel, partial(site_view.sitemap, docs, []), key=sha256(base + entries), list_key=dated[rel])
    files = [("sitemap-home.xml", site_view.last_change)]
    files += [(rel, dated[rel]) for rel in sorted(dated, key=_chunk_of)]
    ledger.put(
        "sitemap.xml",
        partial(site_view.sitemap_index, files),
        key=sha256(base + "|".join(f"{rel}{at}" for rel, at in files)),
    )


def _root_key(base: str, langs_live: list[str]) -> str:
    """The root page's input key: a publish of a few documents compares it to know the renderer and the
    site settings are those of the previous publish."""
    return sha256(base + ",".join(langs_live))


def _chunk_of(rel: str) -> int:
    """sitemap-12.xml → 12."""
    return int(rel.removeprefix("sitemap-").removesuffix(".xml"))


def _list_entry(base: str, page: Page, state: Freshness, now: datetime) -> str:
    """What a page shows in its language's lists (home, feed, categories), hashed: kept in its record."""
    return sha256(
        f"{base}|{page.release_id}|{page.slug}|{page.title}|{page.approved_at}|{page.category}|"
        f"{page.expired(now)}|{state.withdrawn}"
    )


MAX_SCOPED_CHUNKS = 8  # a publish of documents spread wider than this reads every page, as a full one


@dataclass
class _Scope:
    """The live pages a publish reads, and which lists it rebuilds from them.

    A full publish reads every page and rebuilds every list. A publish of a few documents reads the
    pages of their sitemap files; when only Vietnamese entries of the lists changed (a notice changed:
    its translations' entries stay, unless withdrawn), every Vietnamese page too, to rebuild the
    Vietnamese lists; when nothing listed changed, nothing more. A translation's entry changing
    (approved, withdrawn, expired) needs every original's freshness: then it reads everything."""

    pages: list[Page]
    listed: set[str] | None = None  # languages whose lists are rebuilt; None: all
    chunks: set[int] | None = None  # sitemap files rebuilt; None: all
    langs_live: list[str] | None = None  # None: from the pages read
    last_change: str | None = None  # None: from the pages read
    dates: dict[str, str] = field(default_factory=dict)  # sitemap files not rebuilt → their dates


@dataclass
class _Previous:
    """What the previous publish left in the ledger that a publish of a few documents can keep."""

    home_date: str  # sitemap-home.xml's date: the site's last change
    dates: dict[str, str]  # sitemap-N.xml → its date
    langs: list[str]  # the languages with a home page, in registry order


def _previous(ledger: Ledger, base: str) -> _Previous | None:
    """The sitemaps' dates and the languages live, as the previous publish left them; None when it
    was made before the ledger kept list keys (or by a registry with other languages), or by another
    renderer or with other site settings (`base` differs: every list is made again)."""
    records = ledger.records()
    home = records.get("sitemap-home.xml")
    home_date = home.list_key if home is not None else None
    files = {rel: r for rel, r in records.items() if re.fullmatch(r"sitemap-\d+\.xml", rel)}
    langs = {rel.split("/")[0] for rel in records if re.fullmatch(r"[a-z]+/index\.html", rel)}
    known = all(r.list_key for r in files.values()) and langs <= set(ALL)
    if not home_date or not known:
        return None
    ordered = sorted(langs, key=ALL.index)
    root = records.get(ROOT)
    if root is None or root.input_key != _root_key(base, ordered):
        return None
    dates = {rel: r.list_key or "" for rel, r in files.items()}
    return _Previous(home_date, dates, ordered)


def _changed_lists(
    near: list[Page],
    ledger: Ledger,
    documents: Collection[int],
    site: SiteSettings,
    base: str,
    now: datetime,
) -> set[str]:
    """The languages whose lists show an entry of `documents` that changed: a page whose entry is not
    the one its record keeps, or a recorded page no longer live."""
    records = ledger.records()
    by_doc = by_document(near)
    changed: set[str] = set()
    shown: set[str] = set()
    for page in near:
        if page.doc_id not in documents:
            continue
        rel = _article_path(page)
        shown.add(rel)
        record = records.get(rel)
        entry = _list_entry(base, page, freshness(page, by_doc[page.doc_id].get(SOURCE), site), now)
        if record is None or record.list_key != entry:
            changed.add(page.lang)
    for rel, record in records.items():
        if record.document_id in documents and rel not in shown and is_article_path(rel):
            changed.add(record.lang or "")  # a page no longer live leaves its lists
    return changed


def _scope(
    session: Session,
    ledger: Ledger,
    documents: Collection[int] | None,
    site: SiteSettings,
    base: str,
    now: datetime,
) -> _Scope:
    """What a publish of `documents` (None: all) reads and rebuilds: see _Scope."""
    if documents is None:
        return _Scope(live_pages(session))
    chunks = {sitemap_chunk(d) for d in documents}
    previous = _previous(ledger, base)
    if len(chunks) > MAX_SCOPED_CHUNKS or previous is None:
        return _Scope(live_pages(session))  # too wide, or published before the ledger kept list keys
    near = live_pages(session, chunks=chunks)
    changed = _changed_lists(near, ledger, documents, site, base, now)
    if not changed <= {SOURCE} or any(p.lang not in previous.langs for p in near):
        return _Scope(live_pages(session))  # a translation's entry (or the set of languages) changed
    pages = near
    if changed:
        pages = near + [p for p in live_pages(session, lang=SOURCE) if sitemap_chunk(p.doc_id) not in chunks]
        if not any(p.lang == SOURCE for p in pages):
            return _Scope(live_pages(session))  # Vietnamese is no longer live at all
    last = max(previous.home_date, date_text(max((p.approved_at for p in near), default=None)))
    dates = {rel: at for rel, at in previous.dates.items() if _chunk_of(rel) not in chunks}
    return _Scope(pages, changed, chunks, previous.langs, last, dates)


def _article_path(page: Page) -> str:
    return article_path(page.lang, page.slug)


def _put_redirects(ledger: Ledger, site_view: SiteView, base: str, pages: list[Page]) -> None:
    """Keep a redirect page at the old address of each of `pages` that was published there (before
    articles had their folder): the ledger holds a file of that document at `<lang>/<slug>.html`, its
    article or, since, its redirect. Only there: an article published since never had the old address,
    which may be the name of a generated page (index.html, category-….html). A page no longer live loses
    its redirect with its article (Ledger.prune: neither is produced)."""
    records = ledger.records()
    for page in pages:
        old = legacy_article_path(page.lang, page.slug)
        record = records.get(old)
        if old == _article_path(page) or record is None or record.document_id != page.doc_id:
            continue
        ledger.put(
            old,
            partial(site_view.moved, page),
            key=sha256(f"{base}|moved|{page.title}"),
            document_id=page.doc_id,
            lang=page.lang,
        )


class Web(FileChannel):
    """The static site; its publish is what makes an approved translation `published`."""

    name = CHANNEL

    def publish(self, session: Session, target: Target) -> PublishSummary:
        result = publish_web(session, target.folder, target.documents, target.site)
        return PublishSummary(
            self.name,
            result.written,
            result.unchanged,
            withdrawn=[f"{d}:{lang}" for d, lang in result.withdrawn],
            removed=result.removed,
            live=result.published,
        )

    def report(self, result: Mapping[str, Any], folder: Path) -> list[str]:
        lines = super().report(result, folder)
        if result["withdrawn"]:
            lines.append(
                "  "
                + N_(
                    "{count} out-of-date translation(s) in critical categories withdrawn "
                    "until approved (see `trilingo review queue`)"
                ).format(count=len(result["withdrawn"]))
            )
        return lines


channel = Web()
