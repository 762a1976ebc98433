"""The web channel: a static trilingual site rendered from Jinja2 templates (autoescaped).

Per language: a home page (latest notices with date, category and summary; the gates' opening hours),
category pages, article pages, an Atom feed; for the site: a root page, `sitemap.xml` with hreflang
alternates and `404.html`. The interface strings come from gettext catalogs (channels.ui), the office's
name, contacts and gates from the site settings (trilingo.site).

A translation whose Vietnamese original changed after it was approved is *out of date*: its page says
so, in its own language, with the dates and a link to the original. In a critical category (opening
hours, fees, entry rules) it is withdrawn instead: the page explains why and links to the original, and
the lists and feed leave it out, until the new version is approved.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import nh3
from markupsafe import Markup
from sqlalchemy import String, and_, cast, false, or_, type_coerce
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType
from sqlmodel import Session, col

from trilingo.channels import render, ui
from trilingo.channels.files import Ledger
from trilingo.channels.render import markdown_to_html
from trilingo.channels.retract import retracted_releases
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.site import SiteSettings, category_slug
from trilingo.site import example as example_site
from trilingo.store.hashing import sha256
from trilingo.store.models import DocLang, Document, DocumentVersion, Release, aware, raw_time, utcnow

CHANNEL = "web"
LATEST = 20  # notices on each home page and in each feed


@dataclass
class WebSummary:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    published: list[tuple[int, str]] = field(default_factory=list)  # (document id, lang) now live
    withdrawn: list[tuple[int, str]] = field(default_factory=list)  # out of date in a critical category
    removed: list[str] = field(default_factory=list)  # files of pages no longer live


class Page(NamedTuple):
    """What a page is made from (the release's body is loaded only for pages that are rendered).

    A named tuple, immutable like the frozen dataclass it was and built in a sixth of the time: a
    publish makes one per live page (30,000 at 10,000 notices), 0.07 s of every `submit`."""

    doc_id: int
    slug: str
    lang: str
    release_id: int
    version_id: int
    version_created: datetime  # when the version this release translates was submitted
    title: str
    content_hash: str
    approved_at: datetime
    category: str | None
    gates_json: str  # the version's gates as stored; decoded only for pages that are rendered
    first_published: datetime  # the document's first submission
    source_hash: str | None  # the Vietnamese release of this release's version (None for vi itself)
    expires: datetime | None = None  # the version's `expires:`

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and aware(self.expires) <= now


def _gates_of(page: Page) -> tuple[str, ...]:
    return tuple(json.loads(page.gates_json or "[]"))


@dataclass(frozen=True)
class Freshness:
    """How a translation stands against the current Vietnamese original."""

    outdated: bool = False
    withdrawn: bool = False
    original_updated: datetime | None = None


CURRENT = Freshness()  # shared: a frozen dataclass per page cost 0.1 s of every publish at 10,000 notices


def freshness(page: Page, original: Page | None, site: SiteSettings) -> Freshness:
    if page.lang == SOURCE or original is None or page.source_hash == original.content_hash:
        return CURRENT
    return Freshness(True, site.is_critical(original.category), original.approved_at)


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
    base = sha256(_renderer_version() + repr(site))
    scope = _scope(session, ledger, documents, site, base, now)
    pages = scope.pages
    by_doc = by_document(pages)
    fresh = {(p.doc_id, p.lang): freshness(p, by_doc[p.doc_id].get(SOURCE), site) for p in pages}
    todo: list[tuple[Page, str, str]] = []
    # Other documents' pages, read for the lists, are left alone, unless one is missing (a publish killed
    # before its renames, a page deleted by hand): no list may link to a page that is not there.
    missing = set()
    if documents is not None:
        missing = {
            p.doc_id for p in pages if p.doc_id not in documents and not ledger.on_disk(_article_path(p))
        }
        ledger.fetch(missing)
    for page in pages:
        if documents is not None and page.doc_id not in documents and page.doc_id not in missing:
            continue
        state = fresh[(page.doc_id, page.lang)]
        original = by_doc[page.doc_id].get(SOURCE)
        key = sha256(
            f"{base}|{page.content_hash}|{page.title}|{page.approved_at:%Y-%m-%d}|{page.category}|"
            f"{page.gates_json}|{','.join(sorted(by_doc[page.doc_id]))}|{state}|"
            f"{original.approved_at if original else ''}|{page.expired(now)}"
        )
        entry = _list_entry(base, page, state, now)
        if ledger.is_current(_article_path(page), key, entry):
            ledger.unchanged += 1
        else:
            todo.append((page, key, entry))
    bodies = _bodies(session, [page.release_id for page, _, _ in todo])
    site_view = _SiteView(site, pages, scope.last_change)
    for page, key, entry in todo:
        ledger.put(
            _article_path(page),
            partial(site_view.article, page, by_doc[page.doc_id], bodies[page.release_id], fresh, now),
            key=key,
            document_id=page.doc_id,
            lang=page.lang,
            version_id=page.version_id,
            list_key=entry,
        )
    by_lang: dict[str, list[Page]] = {}
    for page in pages:
        by_lang.setdefault(page.lang, []).append(page)
    langs_live = scope.langs_live or sorted(by_lang, key=ALL.index)
    for lang in langs_live:
        if scope.listed is not None and lang not in scope.listed:
            continue  # none of its entries changed: its lists are as they were
        listed = sorted(
            (p for p in by_lang[lang] if not fresh[(p.doc_id, lang)].withdrawn),
            key=lambda p: (p.approved_at, p.doc_id),
            reverse=True,
        )
        latest = listed[:LATEST]
        summaries = _summaries(session, latest)
        list_key = sha256(
            f"{base}|{','.join(langs_live)}|"
            + "|".join(
                f"{p.slug}\x1f{p.title}\x1f{p.approved_at}\x1f{p.category}\x1f{p.expired(now)}"
                for p in listed
            )
        )
        latest_key = sha256(list_key + "|".join(summaries.get(p.release_id, "") for p in latest))
        ledger.put(
            f"{lang}/index.html",
            partial(site_view.home, lang, latest, listed, summaries, langs_live),
            key=latest_key,
            lang=lang,
        )
        ledger.put(
            f"{lang}/feed.xml", partial(site_view.feed, lang, latest, summaries), key=latest_key, lang=lang
        )
        for slug, (name, name_lang, items) in site_view.categories(lang, listed).items():
            ledger.put(
                f"{lang}/category-{slug}.html",  # beside the articles: every relative link works the same
                partial(site_view.category_page, lang, name, name_lang, items, langs_live),
                # Its own items only: a change in one category re-renders that category's page alone.
                key=sha256(
                    f"{base}|{','.join(langs_live)}|{slug}|{name}|"
                    + "|".join(f"{p.slug}\x1f{p.title}\x1f{p.approved_at}\x1f{p.expired(now)}" for p in items)
                ),
                lang=lang,
            )
    if langs_live:
        _sitemaps(ledger, site_view, base, by_doc, langs_live, scope)
        ledger.put("index.html", partial(site_view.root, langs_live), key=sha256(base + ",".join(langs_live)))
        ledger.put(
            "404.html", partial(site_view.not_found, langs_live), key=sha256(base + ",".join(langs_live))
        )
    ledger.prune(documents)  # pages no longer live (retracted): removed, so nothing links to them
    ledger.commit()
    live = [(p.doc_id, p.lang) for p in pages if documents is None or p.doc_id in documents]
    withdrawn = [k for k, v in fresh.items() if v.withdrawn]
    return WebSummary(ledger.written, ledger.unchanged, live, withdrawn, ledger.removed)


SITEMAP_DOCUMENTS = (
    250  # documents per sitemap file: a change re-renders 750 URLs, not all 30,000 (0.1 s a submit at 1,000)
)


def _sitemaps(
    ledger: Ledger,
    site_view: _SiteView,
    base: str,
    by_doc: dict[int, dict[str, Page]],
    langs_live: list[str],
    scope: _Scope,
) -> None:
    """`sitemap.xml` is an index of `sitemap-home.xml` and one file per SITEMAP_DOCUMENTS documents (by
    id). Each file's date in the index is kept as its record's list_key, so a publish of a few
    documents rebuilds only their files and still writes the whole index."""
    chunks: dict[int, dict[int, dict[str, Page]]] = {}
    for doc_id, versions in by_doc.items():
        k = doc_id // SITEMAP_DOCUMENTS
        if scope.chunks is None or k in scope.chunks:
            chunks.setdefault(k, {})[doc_id] = versions
    ledger.put(
        "sitemap-home.xml",
        partial(site_view.sitemap, {}, langs_live),
        key=sha256(base + ",".join(langs_live) + site_view.last_change),
        list_key=site_view.last_change,
    )
    dated = dict(scope.dates)  # the files this run does not rebuild, with their dates
    for k, docs in chunks.items():
        rel = f"sitemap-{k}.xml"
        entries = "|".join(
            f"{p.slug}\x1f{p.lang}\x1f{p.approved_at}" for v in docs.values() for p in v.values()
        )
        dated[rel] = _date(max(p.approved_at for v in docs.values() for p in v.values()))
        ledger.put(rel, partial(site_view.sitemap, docs, []), key=sha256(base + entries), list_key=dated[rel])
    files = [("sitemap-home.xml", site_view.last_change)]
    files += [(rel, dated[rel]) for rel in sorted(dated, key=_chunk_of)]
    ledger.put(
        "sitemap.xml",
        partial(site_view.sitemap_index, files),
        key=sha256(base + "|".join(f"{rel}{at}" for rel, at in files)),
    )


def by_document(pages: Iterable[Page]) -> dict[int, dict[str, Page]]:
    """document id → language → its live page."""
    out: dict[int, dict[str, Page]] = {}
    for page in pages:
        out.setdefault(page.doc_id, {})[page.lang] = page
    return out


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


def _scope(
    session: Session,
    ledger: Ledger,
    documents: Collection[int] | None,
    site: SiteSettings,
    base: str,
    now: datetime,
) -> _Scope:
    if documents is None:
        return _Scope(live_pages(session))
    chunks = {d // SITEMAP_DOCUMENTS for d in documents}
    records = ledger.records()
    home = records.get("sitemap-home.xml")
    home_date = home.list_key if home is not None else None
    files = {rel: r for rel, r in records.items() if re.fullmatch(r"sitemap-\d+\.xml", rel)}
    langs = {rel.split("/")[0] for rel in records if re.fullmatch(r"[a-z]+/index\.html", rel)}
    known = all(r.list_key for r in files.values()) and langs <= set(ALL)
    if len(chunks) > MAX_SCOPED_CHUNKS or not home_date or not known:
        return _Scope(live_pages(session))  # too wide, or published before the ledger kept list keys
    langs_before = sorted(langs, key=ALL.index)
    near = live_pages(session, chunks=chunks)
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
        if record.document_id in documents and rel not in shown:
            changed.add(record.lang or "")  # a page no longer live leaves its lists
    if not changed <= {SOURCE} or any(p.lang not in langs_before for p in near):
        return _Scope(live_pages(session))  # a translation's entry (or the set of languages) changed
    pages = near
    if changed:
        pages = near + [
            p for p in live_pages(session, lang=SOURCE) if p.doc_id // SITEMAP_DOCUMENTS not in chunks
        ]
        if not any(p.lang == SOURCE for p in pages):
            return _Scope(live_pages(session))  # Vietnamese is no longer live at all
    last = max(home_date, _date(max((p.approved_at for p in near), default=None)))
    dates = {rel: r.list_key or "" for rel, r in files.items() if _chunk_of(rel) not in chunks}
    return _Scope(pages, changed, chunks, langs_before, last, dates)


def _article_path(page: Page) -> str:
    return f"{page.lang}/{page.slug}.html"


@cache
def _renderer_version() -> str:
    """A hash of what renders pages (this code, the templates, the UI catalogs): a change to any of them
    re-renders everything, without anyone remembering to bump a number."""
    digest = hashlib.sha256()
    for path in [
        Path(sys.modules[__name__].__file__ or ""),
        Path(render.__file__ or ""),
        *sorted(ui.templates_dir().iterdir()),
        *(ui.po_path(lang) for lang in ALL),
    ]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def live_pages(
    session: Session,
    channel: str = CHANNEL,
    *,
    chunks: Collection[int] | None = None,
    lang: str | None = None,
) -> list[Page]:
    """Every live release of a document `channel` carries: one query, no ORM objects, no bodies.

    Or only those of the documents in these sitemap `chunks` (ids // SITEMAP_DOCUMENTS), or of one
    language."""
    source = aliased(Release)
    version = aliased(DocumentVersion)
    query = (
        sa_select(
            col(Document.id),
            col(Document.slug),
            col(DocLang.lang),
            col(Release.id),
            col(Release.version_id),
            type_coerce(col(version.created_at), NullType()).label("vc"),  # times untyped: raw_time below
            col(Release.title),
            col(Release.content_hash),
            type_coerce(col(Release.approved_at), NullType()).label("at"),
            col(version.category),
            cast(col(version.gates), String),  # JSON text: decoding 60,000 lists cost 0.3 s per publish
            type_coerce(col(Document.created_at), NullType()).label("fp"),
            col(source.content_hash),
            type_coerce(col(version.expires), NullType()).label("ex"),
            cast(col(version.channels), String),  # last: the filter below, not a Page field
        )
        .select_from(DocLang)
        .join(Document, col(Document.id) == col(DocLang.document_id))
        .join(Release, col(Release.id) == col(DocLang.release_id))
        .join(version, col(version.id) == col(Release.version_id))
        .outerjoin(
            source,
            and_(
                col(source.version_id) == col(Release.version_id),
                col(source.lang) == SOURCE,
                col(DocLang.lang) != SOURCE,
            ),
        )
        .order_by(col(Document.slug), col(DocLang.lang))
    )
    if chunks is not None:
        query = query.where(
            or_(
                false(),  # no chunks: no pages
                *(
                    col(DocLang.document_id).between(k * SITEMAP_DOCUMENTS, (k + 1) * SITEMAP_DOCUMENTS - 1)
                    for k in sorted(chunks)
                ),
            )
        )
    if lang is not None:
        query = query.where(col(DocLang.lang) == lang)
    rows = session.execute(query).all()
    gone = retracted_releases(session, channel)
    # The columns are in Page's field order, then the version's channels.
    t = raw_time
    return [
        Page(d, s, la, r, v, t(vc), ti, h, t(at), ca, ga, t(fp), sh, None if ex is None else t(ex))
        for d, s, la, r, v, vc, ti, h, at, ca, ga, fp, sh, ex, channels in rows
        if (not channels or channels == "[]" or f'"{channel}"' in channels) and (d, la, r) not in gone
    ]


def _bodies(session: Session, release_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(release_ids), 900):
        chunk = release_ids[start : start + 900]
        out.update(
            session.execute(
                sa_select(col(Release.id), col(Release.body)).where(col(Release.id).in_(chunk))
            ).all()
        )
    return out


def _summaries(session: Session, pages: list[Page]) -> dict[int, str]:
    return {rid: summary(body) for rid, body in _bodies(session, [p.release_id for p in pages]).items()}


def plain_text(markdown: str) -> str:
    """Markdown as one line of plain text (rendered, sanitized, tags dropped, spaces folded)."""
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(markdown_to_html(markdown), tags=set()))).strip()


def summary(markdown: str, limit: int = 160) -> str:
    """The first paragraph as plain text, cut at a word near `limit` characters."""
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block and not block.startswith("#"):
            text = plain_text(block)
            if len(text) <= limit:
                return text
            cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
            return cut.rstrip(",;:") + " …"
    return ""


@cache
def _environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ui.templates_dir()),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        # Compiled templates kept between processes (Jinja's own per-user temp folder, mode 0700): compiling
        # them took 0.08 s of every `submit`.
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )
    install = getattr(env, "install_gettext_translations")  # noqa: B009 - added by jinja2.ext.i18n
    install(ui.translations(lang), newstyle=True)
    return env


def _date(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d}" if at else ""


def _stale_dates(updated: datetime | None, translated: datetime) -> dict[str, str]:
    """The two dates of an out-of-date notice; with the time (UTC) when they fall on the same day."""
    if updated is not None and _date(updated) == _date(translated):
        return {
            "updated_original": f"{updated:%Y-%m-%d %H:%M} UTC",
            "translated_version": f"{translated:%Y-%m-%d %H:%M} UTC",
        }
    return {"updated_original": _date(updated), "translated_version": _date(translated)}


class _SiteView:
    """Builds the template context of every page from the site settings and the live pages."""

    def __init__(self, site: SiteSettings, pages: list[Page], last_change: str | None = None) -> None:
        self.site = site
        self.last_change = last_change or _date(max((p.approved_at for p in pages), default=None))
        self.now = utcnow()

    def _common(
        self, lang: str, switcher: list[dict[str, Any]], alternates: list[dict[str, str]]
    ) -> dict[str, Any]:
        site = self.site
        return {
            "html_lang": LANGUAGES[lang].html,
            "office": site.office.get(lang) or site.office[SOURCE],
            "address": site.address.get(lang, ""),
            "phone": site.phone,
            "email": site.email,
            "example": site.example,
            "last_change": self.last_change,
            "switcher": switcher,
            "alternates": alternates,
            "home": "index.html",
            "feed": "feed.xml",
        }

    @staticmethod
    def _switcher(current: str, available: list[str], href: str) -> list[dict[str, Any]]:
        return [
            {
                "current": code == current,
                "href": f"../{code}/{href}",
                "hreflang": LANGUAGES[code].html,
                "name": LANGUAGES[code].native,
            }
            for code in available
        ]

    @staticmethod
    def _alternates(available: list[str], href: str) -> list[dict[str, str]]:
        return [{"hreflang": LANGUAGES[c].html, "href": f"../{c}/{href}"} for c in available]

    def _named(self, names: dict[str, str], lang: str) -> tuple[str, str | None]:
        """A configured name in `lang`, or the Vietnamese one marked as Vietnamese."""
        if lang in names:
            return names[lang], None
        return names[SOURCE], LANGUAGES[SOURCE].html if lang != SOURCE else None

    def _category(self, lang: str, key: str | None) -> tuple[str, str | None, str]:
        found = self.site.category(key)
        if found is not None:
            name, name_lang = self._named(found.names, lang)
        else:
            name, name_lang = key or "", (LANGUAGES[SOURCE].html if lang != SOURCE else None)
        return name, name_lang, category_slug(self.site, key)

    def _gates(self, lang: str, ids: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for gate_id in ids:
            gate = self.site.gate(gate_id)
            name, name_lang = self._named(gate.names, lang) if gate else (gate_id, None)
            out.append({"name": name, "lang": name_lang})
        return out

    def _render(self, lang: str, template: str, **context: Any) -> str:
        return _environment(lang).get_template(template).render(**context)

    def article(
        self,
        page: Page,
        versions: dict[str, Page],
        markdown: str,
        fresh: dict[tuple[int, str], Freshness],
        now: datetime,
    ) -> str:
        lang = page.lang
        available = [code for code in ALL if code in versions]
        href = page.slug + ".html"
        state = fresh[(page.doc_id, lang)]
        category, _category_lang, category_slug_ = self._category(lang, page.category)
        original = versions.get(SOURCE)
        return self._render(
            lang,
            "article.html",
            **self._common(lang, self._switcher(lang, available, href), self._alternates(available, href)),
            title=page.title,
            body=Markup(markdown_to_html(markdown)),  # sanitized by nh3 in markdown_to_html
            published=_date(page.first_published),
            updated=_date(page.approved_at),
            category=category if page.category else "",
            category_href=f"category-{category_slug_}.html",
            gates=self._gates(lang, _gates_of(page)),
            missing=[
                {"hreflang": LANGUAGES[c].html, "name": LANGUAGES[c].native} for c in ALL if c not in versions
            ],
            outdated=state.outdated,
            withdrawn=state.withdrawn,
            **_stale_dates(original.approved_at if original else None, page.version_created),
            original_href=f"../{SOURCE}/{href}",
            original_title=original.title if original else page.title,
            expired=_date(page.expires) if page.expired(now) else "",
        )

    def home(
        self,
        lang: str,
        latest: list[Page],
        listed: list[Page],
        summaries: dict[int, str],
        langs_live: list[str],
    ) -> str:
        return self._render(
            lang,
            "home.html",
            **self._common(
                lang,
                self._switcher(lang, langs_live, "index.html"),
                self._alternates(langs_live, "index.html"),
            ),
            items=[self._item(lang, p, summaries.get(p.release_id, "")) for p in latest],
            categories=[
                {"href": f"category-{slug}.html", "name": name, "count": len(items)}
                for slug, (name, _l, items) in self.categories(lang, listed).items()
            ],
            gates=[
                {
                    "name": self._named(g.names, lang)[0],
                    "name_lang": self._named(g.names, lang)[1],
                    "hours": self._named(g.hours, lang)[0] if g.hours else "",
                    "hours_lang": self._named(g.hours, lang)[1] if g.hours else None,
                }
                for g in self.site.gates
            ],
        )

    def _item(self, lang: str, page: Page, text: str = "") -> dict[str, Any]:
        name, _name_lang, slug = self._category(lang, page.category)
        return {
            "href": f"{page.slug}.html",
            "title": page.title,
            "date": _date(page.approved_at),
            "category": name if page.category else "",
            "category_href": f"category-{slug}.html",
            "summary": text,
            "expired": page.expired(self.now),
        }

    def categories(self, lang: str, listed: list[Page]) -> dict[str, tuple[str, str | None, list[Page]]]:
        out: dict[str, tuple[str, str | None, list[Page]]] = {}
        for page in listed:
            if not page.category:
                continue  # listed on the home page and in the feed only
            name, name_lang, slug = self._category(lang, page.category)
            out.setdefault(slug, (name, name_lang, []))[2].append(page)
        return dict(sorted(out.items()))

    def category_page(
        self, lang: str, name: str, _name_lang: str | None, items: list[Page], langs_live: list[str]
    ) -> str:
        return self._render(
            lang,
            "category.html",
            **self._common(lang, self._switcher(lang, langs_live, "index.html"), []),
            name=name,
            items=[self._item(lang, p) for p in items],
        )

    def feed(self, lang: str, latest: list[Page], summaries: dict[int, str]) -> str:
        base = self.site.base_url
        return self._render(
            lang,
            "atom.xml",
            **self._common(lang, [], []),
            feed_id=f"{base}{lang}/feed.xml" if base else f"urn:trilingo:{lang}:feed",
            updated=max((p.approved_at for p in latest), default=datetime(2000, 1, 1)).isoformat(),
            self_href=f"{base}{lang}/feed.xml",
            home_href=f"{base}{lang}/index.html",
            entries=[
                {
                    "title": p.title,
                    "id": f"{base}{lang}/{p.slug}.html" if base else f"urn:trilingo:{lang}:{p.slug}",
                    "updated": p.approved_at.isoformat(),
                    "href": f"{base}{lang}/{p.slug}.html",
                    "summary": summaries.get(p.release_id, ""),
                }
                for p in latest
            ],
        )

    def root(self, langs_live: list[str]) -> str:
        context = self._common(SOURCE, [], [])
        context["home"] = "index.html"
        context["feed"] = ""
        return self._render(
            SOURCE,
            "root.html",
            **context,
            languages=[
                {
                    "href": f"{c}/index.html",
                    "hreflang": LANGUAGES[c].html,
                    "name": LANGUAGES[c].native,
                    "office": self.site.office.get(c) or self.site.office[SOURCE],
                }
                for c in langs_live
            ],
        )

    def not_found(self, langs_live: list[str]) -> str:
        context = self._common(SOURCE, self._switcher("", langs_live, "index.html"), [])
        # 404.html is served from any folder: its links are absolute from the site's root.
        for item in context["switcher"]:
            item["href"] = "/" + item["href"].removeprefix("../")
        context["home"], context["feed"] = "/index.html", ""
        return self._render(SOURCE, "notfound.html", **context)

    def sitemap_index(self, files: list[tuple[str, str]]) -> str:
        base = self.site.base_url
        return self._render(
            SOURCE, "sitemapindex.xml", sitemaps=[{"loc": f"{base}{rel}", "lastmod": at} for rel, at in files]
        )

    def sitemap(self, by_doc: dict[int, dict[str, Page]], langs_live: list[str]) -> str:
        base = self.site.base_url
        urls: list[dict[str, Any]] = [
            {"loc": f"{base}{c}/index.html", "lastmod": self.last_change, "alternates": []}
            for c in langs_live
        ]
        for versions in by_doc.values():
            available = [c for c in ALL if c in versions]
            alternates = [
                {"hreflang": LANGUAGES[c].html, "href": f"{base}{c}/{versions[c].slug}.html"}
                for c in available
            ]
            for c in available:
                page = versions[c]
                urls.append(
                    {
                        "loc": f"{base}{c}/{page.slug}.html",
                        "lastmod": _date(page.approved_at),
                        "alternates": alternates,
                    }
                )
        return self._render(SOURCE, "sitemap.xml", urls=urls)
