"""The web channel's pages as a reader sees them: what each template gets (the article, the home and
category lists, the feed, the root page, 404, the sitemaps), in its own language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from trilingo.channels import ui
from trilingo.channels.markdown import markdown_to_html
from trilingo.channels.pages import (
    Page,
    article_path,
    date_text,
    environment,
    gates_of,
    legacy_article_path,
    relative_link,
)
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.outdated import Freshness
from trilingo.site import SiteSettings, category_slug
from trilingo.store.models import utcnow

ROOT = "index.html"  # the root page: choose a language


def category_path(lang: str, slug: str) -> str:
    """A category's page, from the site's root."""
    return f"{lang}/category-{slug}.html"


def stale_dates(updated: datetime | None, translated: datetime) -> dict[str, str]:
    """The two dates of an out-of-date notice; with the time (UTC) when they fall on the same day."""
    if updated is not None and date_text(updated) == date_text(translated):
        return {
            "updated_original": f"{updated:%Y-%m-%d %H:%M} UTC",
            "translated_version": f"{translated:%Y-%m-%d %H:%M} UTC",
        }
    return {"updated_original": date_text(updated), "translated_version": date_text(translated)}


class SiteView:
    """Builds the template context of every page from the site settings and the live pages."""

    def __init__(self, site: SiteSettings, pages: list[Page], last_change: str | None = None) -> None:
        self.site = site
        self.last_change = last_change or date_text(max((p.approved_at for p in pages), default=None))
        self.now = utcnow()

    def _common(
        self, lang: str, here: str, switcher: list[dict[str, Any]], alternates: list[dict[str, str]]
    ) -> dict[str, Any]:
        """What every page shows; `here` is the page's own path from the site's root (its links are
        relative to it)."""
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
            "home": relative_link(here, f"{lang}/index.html"),
            "feed": relative_link(here, f"{lang}/feed.xml"),
        }

    @staticmethod
    def _switcher(current: str, here: str, paths: dict[str, str]) -> list[dict[str, Any]]:
        """The language switcher: `paths` is language → the same page in that language (from the root)."""
        return [
            {
                "current": code == current,
                "href": relative_link(here, rel),
                "hreflang": LANGUAGES[code].html,
                "name": LANGUAGES[code].native,
            }
            for code, rel in paths.items()
        ]

    def url(self, here: str, rel: str) -> str:
        """The address of `rel` (from the site's root) as a link from `here`: absolute with the site's
        base URL (hreflang alternates and sitemaps want them so), else relative."""
        return f"{self.site.base_url}{rel}" if self.site.base_url else relative_link(here, rel)

    def alternates(self, here: str, paths: dict[str, str], default: str) -> list[dict[str, str]]:
        """The hreflang alternates of a page: each language's version (`paths`: language → path from the
        root) and `x-default` (`default`, see x_default)."""
        links = [{"hreflang": LANGUAGES[c].html, "href": self.url(here, rel)} for c, rel in paths.items()]
        return [*links, {"hreflang": "x-default", "href": self.url(here, default)}]

    @staticmethod
    def x_default(paths: dict[str, str]) -> str:
        """The `x-default` of a page that exists in several languages (an article, a category): its
        Vietnamese original when there is one, else its first language in the registry's order. The
        home pages' `x-default` is the root page, where a visitor chooses a language (ROOT)."""
        return paths.get(SOURCE) or paths[min(paths, key=ALL.index)]

    @staticmethod
    def home_paths(langs_live: list[str]) -> dict[str, str]:
        return {c: f"{c}/index.html" for c in langs_live}

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
        return environment(lang).get_template(template).render(**context)

    def article(
        self,
        page: Page,
        versions: dict[str, Page],
        markdown: str,
        fresh: dict[tuple[int, str], Freshness],
        now: datetime,
    ) -> str:
        lang = page.lang
        here = article_path(lang, page.slug)
        paths = {code: article_path(code, versions[code].slug) for code in ALL if code in versions}
        state = fresh[(page.doc_id, lang)]
        category, _category_lang, category_slug_ = self._category(lang, page.category)
        original = versions.get(SOURCE)
        return self._render(
            lang,
            "article.html",
            **self._common(
                lang,
                here,
                self._switcher(lang, here, paths),
                self.alternates(here, paths, self.x_default(paths)),
            ),
            title=page.title,
            body=Markup(markdown_to_html(markdown)),  # sanitized by nh3 in markdown_to_html
            published=date_text(page.first_published),
            updated=date_text(page.approved_at),
            category=category if page.category else "",
            category_href=relative_link(here, f"{lang}/category-{category_slug_}.html"),
            gates=self._gates(lang, gates_of(page)),
            missing=[
                {"hreflang": LANGUAGES[c].html, "name": LANGUAGES[c].native} for c in ALL if c not in versions
            ],
            outdated=state.outdated,
            withdrawn=state.withdrawn,
            **stale_dates(original.approved_at if original else None, page.version_created),
            original_href=relative_link(here, article_path(SOURCE, page.slug)),
            original_title=original.title if original else page.title,
            expired=date_text(page.expires) if page.expired(now) else "",
        )

    def home(
        self,
        lang: str,
        latest: list[Page],
        listed: list[Page],
        summaries: dict[int, str],
        langs_live: list[str],
    ) -> str:
        here = f"{lang}/index.html"
        homes = self.home_paths(langs_live)
        return self._render(
            lang,
            "home.html",
            **self._common(lang, here, self._switcher(lang, here, homes), self.alternates(here, homes, ROOT)),
            items=[self._item(lang, here, p, summaries.get(p.release_id, "")) for p in latest],
            categories=[
                {
                    "href": relative_link(here, f"{lang}/category-{slug}.html"),
                    "name": name,
                    "count": len(items),
                }
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

    def _item(self, lang: str, here: str, page: Page, text: str = "") -> dict[str, Any]:
        name, _name_lang, slug = self._category(lang, page.category)
        return {
            "href": relative_link(here, article_path(lang, page.slug)),
            "title": page.title,
            "date": date_text(page.approved_at),
            "category": name if page.category else "",
            "category_href": relative_link(here, f"{lang}/category-{slug}.html"),
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
        self,
        lang: str,
        slug: str,
        name: str,
        _name_lang: str | None,
        items: list[Page],
        langs_live: list[str],
        langs_with_it: list[str],
    ) -> str:
        """A category's list in `lang`; its switcher leads to the other languages' home pages, its hreflang
        alternates to the same category in `langs_with_it` (the languages that list it)."""
        here = category_path(lang, slug)
        paths = {c: category_path(c, slug) for c in ALL if c in langs_with_it}
        return self._render(
            lang,
            "category.html",
            **self._common(
                lang,
                here,
                self._switcher(lang, here, self.home_paths(langs_live)),
                self.alternates(here, paths, self.x_default(paths)),
            ),
            name=name,
            items=[self._item(lang, here, p) for p in items],
        )

    def feed(self, lang: str, latest: list[Page], summaries: dict[int, str]) -> str:
        base = self.site.base_url
        return self._render(
            lang,
            "atom.xml",
            **self._common(lang, f"{lang}/feed.xml", [], []),
            feed_id=f"{base}{lang}/feed.xml" if base else f"urn:trilingo:{lang}:feed",
            updated=max((p.approved_at for p in latest), default=datetime(2000, 1, 1)).isoformat(),
            self_href=f"{base}{lang}/feed.xml",
            home_href=f"{base}{lang}/index.html",
            entries=[
                {
                    "title": p.title,
                    # An entry's id never changes (RFC 4287 §4.2.6): the address it was first published at.
                    "id": f"{base}{legacy_article_path(lang, p.slug)}"
                    if base
                    else f"urn:trilingo:{lang}:{p.slug}",
                    "updated": p.approved_at.isoformat(),
                    "href": f"{base}{article_path(lang, p.slug)}",
                    "summary": summaries.get(p.release_id, ""),
                }
                for p in latest
            ],
        )

    def root(self, langs_live: list[str]) -> str:
        homes = self.home_paths(langs_live)
        context = self._common(SOURCE, ROOT, [], self.alternates(ROOT, homes, ROOT))
        context["home"] = ROOT
        context["feed"] = ""
        return self._render(
            SOURCE,
            "root.html",
            **context,
            offices=[
                {"hreflang": LANGUAGES[c].html, "name": self.site.office.get(c) or self.site.office[SOURCE]}
                for c in langs_live
                if c == SOURCE or self.site.office.get(c)
            ],
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
        context = self._common(
            SOURCE, "404.html", self._switcher("", "404.html", self.home_paths(langs_live)), []
        )
        # 404.html is served from any folder: its links are absolute from the site's root.
        for item in context["switcher"]:
            item["href"] = "/" + item["href"]
        context["home"], context["feed"] = f"/{ROOT}", ""
        # A visitor who lands here may read any of the languages: the page speaks each one.
        messages = []
        for item in context["switcher"]:
            code = next(c for c in langs_live if LANGUAGES[c].html == item["hreflang"])
            gettext = ui.translations(code).gettext
            messages.append(
                {
                    "hreflang": item["hreflang"],
                    "title": gettext("Page not found"),
                    "text": gettext("This page does not exist or has moved."),
                    "home": gettext("Home"),
                    "href": item["href"],
                    "name": item["name"],
                }
            )
        return self._render(SOURCE, "notfound.html", **context, messages=messages)

    def sitemap_index(self, files: list[tuple[str, str]]) -> str:
        base = self.site.base_url
        return self._render(
            SOURCE, "sitemapindex.xml", sitemaps=[{"loc": f"{base}{rel}", "lastmod": at} for rel, at in files]
        )

    def moved(self, page: Page) -> str:
        """The page left at an article's old address (`<lang>/<slug>.html`, before articles had a folder of
        their own): it sends the reader on at once, tells search engines where the page is now, and
        shows the link, in the article's language."""
        here = legacy_article_path(page.lang, page.slug)
        target = article_path(page.lang, page.slug)
        return self._render(
            page.lang,
            "moved.html",
            **self._common(page.lang, here, [], []),
            title=page.title,
            href=relative_link(here, target),
            canonical=self.url(here, target),
        )

    def sitemap(
        self,
        by_doc: dict[int, dict[str, Page]],
        langs_live: list[str],
        categories: dict[str, list[str]] | None = None,
    ) -> str:
        """A sitemap file: of the documents in `by_doc` (their articles), and with `langs_live`, of the site's
        own pages: the root page, each language's home page and its `categories` (language → slugs).
        Every address is absolute, and each page lists its group's hreflang alternates and x-default."""
        base = self.site.base_url
        urls: list[dict[str, Any]] = []

        def group(paths: dict[str, str], default: str, lastmod: str, extra: tuple[str, ...] = ()) -> None:
            alternates = self.alternates("", paths, default)
            for rel in (*extra, *paths.values()):
                urls.append({"loc": f"{base}{rel}", "lastmod": lastmod, "alternates": alternates})

        if langs_live:
            group(self.home_paths(langs_live), ROOT, self.last_change, extra=(ROOT,))
            slugs = sorted({slug for found in (categories or {}).values() for slug in found})
            for slug in slugs:
                paths = {c: category_path(c, slug) for c in ALL if slug in (categories or {}).get(c, ())}
                group(paths, self.x_default(paths), self.last_change)
        for versions in by_doc.values():
            paths = {c: article_path(c, versions[c].slug) for c in ALL if c in versions}
            alternates = self.alternates("", paths, self.x_default(paths))
            for c, rel in paths.items():
                urls.append(
                    {
                        "loc": f"{base}{rel}",
                        "lastmod": date_text(versions[c].approved_at),
                        "alternates": alternates,
                    }
                )
        return self._render(SOURCE, "sitemap.xml", urls=urls)
