"""What every channel publishes from: the live pages (one per live release of a document-language),
their bodies and summaries as text, and the Jinja environment the templates render in.

Public, so that the web, the leaflets, the kiosk bundle, the screens and the webhook share one reading
of what is live, and no channel reaches into another's private names.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Collection, Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

import jinja2
from markupsafe import Markup
from sqlalchemy import String, and_, bindparam, cast, false, or_, type_coerce, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType
from sqlmodel import Session, col

from trilingo.channels import ui
from trilingo.channels.markdown import first_paragraph
from trilingo.channels.retract import retracted_releases
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.store.chunks import chunked
from trilingo.store.models import DocLang, Document, DocumentVersion, Release, aware, raw_time
from trilingo.store.tables import release


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


def gates_of(page: Page) -> tuple[str, ...]:
    return tuple(json.loads(page.gates_json or "[]"))


SITEMAP_DOCUMENTS = (
    250  # documents per sitemap file: a change re-renders 750 URLs, not all 30,000 (0.1 s a submit at 1,000)
)


def sitemap_chunk(doc_id: int) -> int:
    """Which sitemap file lists a document (`live_pages(chunks=…)` reads one back)."""
    return doc_id // SITEMAP_DOCUMENTS


# The web channel's article URLs, shared by every channel that links to an article (the webhook's `url`).
# Articles have a folder of their own beside each language's generated pages (index.html, feed.xml,
# category-*.html), so no slug can ever take a generated page's name.
ARTICLE_FOLDER = "n"


def article_path(lang: str, slug: str) -> str:
    """Where the web channel publishes a document's page in `lang`, from the site's root: `<lang>/n/<slug>.html`."""
    return posixpath.join(lang, ARTICLE_FOLDER, f"{slug}.html")


def legacy_article_path(lang: str, slug: str) -> str:
    """Where articles were published before they had a folder of their own: `<lang>/<slug>.html`. A page
    published there keeps a small redirect page at it."""
    return f"{lang}/{slug}.html"


def is_article_path(rel: str) -> bool:
    """Whether `rel` (from the site's root) is an article's page, not a generated page or a redirect."""
    parts = rel.split("/")
    folder = [ARTICLE_FOLDER] if ARTICLE_FOLDER else []
    return len(parts) == 2 + len(folder) and parts[1:-1] == folder and parts[-1].endswith(".html")


def article_url(base_url: str, lang: str, slug: str) -> str | None:
    """An article's absolute URL on the site at `base_url` (None when the site has no base URL)."""
    return f"{base_url}{article_path(lang, slug)}" if base_url else None


def relative_link(from_rel: str, to_rel: str) -> str:
    """The relative href from the page at `from_rel` to the file at `to_rel` (both from the site's root).

    Clean paths (no empty, "." or ".." part: every path the channels make) are compared by their parts,
    a list page's 10,000 links in a fraction of posixpath.relpath's time; anything else goes to relpath."""
    base, target = from_rel.split("/")[:-1], to_rel.split("/")
    if not all(part not in ("", ".", "..") for part in (*base, *target)):
        return posixpath.relpath(to_rel, posixpath.dirname(from_rel) or ".")
    common = 0
    while common < len(base) and common < len(target) and base[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + target[common:]) or "."


def by_document(pages: Iterable[Page]) -> dict[int, dict[str, Page]]:
    """document id → language → its live page."""
    out: dict[int, dict[str, Page]] = {}
    for page in pages:
        out.setdefault(page.doc_id, {})[page.lang] = page
    return out


@cache
def renderer_version(*channel_modules: str) -> str:
    """A hash of what renders a channel's pages (this module, the channel's own, the templates, the UI
    catalogs, the language registry): a change to any of them re-renders that channel, without anyone remembering to bump a
    number. `channel_modules` are the `__file__` of the channel's own modules."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in [
        Path(__file__),
        here / "markdown.py",
        *(Path(m) for m in channel_modules),
        *sorted(ui.templates_dir().iterdir()),
        *(ui.po_path(lang) for lang in ALL if ui.po_path(lang).is_file()),
    ]:
        digest.update(path.read_bytes())
    digest.update(repr(LANGUAGES).encode())  # the registry: fonts, codes, names
    return digest.hexdigest()


def live_pages(
    session: Session,
    channel: str = "web",
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


def bodies(session: Session, release_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in chunked(release_ids):
        out.update(
            session.execute(
                sa_select(col(Release.id), col(Release.body)).where(col(Release.id).in_(chunk))
            ).all()
        )
    return out


def summaries(session: Session, pages: list[Page]) -> dict[int, str]:
    return {rid: cut_at_word(lead) for rid, lead in leads(session, [p.release_id for p in pages]).items()}


def leads(session: Session, release_ids: Collection[int]) -> dict[int, str]:
    """Each release's first paragraph as plain text (`first_paragraph`), as stored at its approval
    (release.lead). A release approved before Trilingo stored it (0015) has it rendered here once, and
    stored, in the caller's transaction: a publish never renders the same Markdown again."""
    out: dict[int, str] = {}
    missing: list[int] = []
    for chunk in chunked(list(release_ids)):
        for rid, lead in session.execute(
            sa_select(col(Release.id), col(Release.lead)).where(col(Release.id).in_(chunk))
        ).all():
            if lead is None:
                missing.append(rid)
            else:
                out[rid] = lead
    if missing:
        filled = {rid: first_paragraph(body) for rid, body in bodies(session, missing).items()}
        session.connection().execute(  # Core: an executemany, no ORM objects to keep in step
            update(release).where(release.c.id == bindparam("rid")).values(lead=bindparam("lead")),
            [{"rid": rid, "lead": lead} for rid, lead in filled.items()],
        )
        out.update(filled)
    return out


def cut_at_word(text: str, limit: int = 160) -> str:
    """`text`, or its start cut at a word near `limit` characters with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",;:") + " …"


def summary(markdown: str, limit: int = 160) -> str:
    """The first paragraph as plain text, cut at a word near `limit` characters."""
    return cut_at_word(first_paragraph(markdown), limit)


@cache
def environment(lang: str) -> jinja2.Environment:
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
    env.globals["source"] = LANGUAGES[SOURCE]
    env.globals["language_css"] = language_css()
    return env


def language_css() -> Markup:
    """Each language's font stack and line height, as CSS rules on its `lang` (from the registry)."""
    return Markup(
        "\n".join(
            f":lang({lang.bcp47}){{font-family:{lang.font};line-height:{lang.line_height}}}"
            for lang in LANGUAGES.values()
        )
    )


def date_text(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d}" if at else ""
