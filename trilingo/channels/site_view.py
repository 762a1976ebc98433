"""The web channel's pages as a reader sees them: what each template gets (the article, the home and
category lists, the feed, the root page, 404, the sitemaps), in its own language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from trilingo.channels import ui
from trilingo.channels.markdown import markdown_to_html
from trilingo.channels.pages import Page, date_text, environment, gates_of
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.outdated import Freshness
from trilingo.site import SiteSettings, category_slug
from trilingo.store.models import utcnow


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
            published=date_text(page.first_published),
            updated=date_text(page.approved_at),
            category=category if page.category else "",
            category_href=f"category-{category_slug_}.html",
            gates=self._gates(lang, gates_of(page)),
            missing=[
                {"hreflang": LANGUAGES[c].html, "name": LANGUAGES[c].native} for c in ALL if c not in versions
            ],
            outdated=state.outdated,
            withdrawn=state.withdrawn,
            **stale_dates(original.approved_at if original else None, page.version_created),
            original_href=f"../{SOURCE}/{href}",
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
            "date": date_text(page.approved_at),
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
        context = self._common(SOURCE, self._switcher("", langs_live, "index.html"), [])
        # 404.html is served from any folder: its links are absolute from the site's root.
        for item in context["switcher"]:
            item["href"] = "/" + item["href"].removeprefix("../")
        context["home"], context["feed"] = "/index.html", ""
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
                        "lastmod": date_text(page.approved_at),
                        "alternates": alternates,
                    }
                )
        return self._render(SOURCE, "sitemap.xml", urls=urls)
