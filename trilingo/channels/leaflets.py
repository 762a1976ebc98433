"""The print channel: an A4 leaflet per notice for the information counters, in Vietnamese, Lao and
Chinese one after another, as HTML with print CSS and as a PDF (WeasyPrint, Noto fonts).

A leaflet is made only when all three languages are approved and the translations are of the current
Vietnamese text; `publish` says which leaflets wait, and for what.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from trilingo.channels import FileChannel, PublishSummary, Target, ui
from trilingo.channels.ledger import Ledger
from trilingo.channels.markdown import markdown_to_html
from trilingo.channels.pages import (
    Page,
    bodies,
    by_document,
    date_text,
    environment,
    gates_of,
    live_pages,
    renderer_version,
)
from trilingo.i18n import N_
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.outdated import freshness
from trilingo.site import SiteSettings
from trilingo.site import example as example_site
from trilingo.store.hashing import sha256

CHANNEL = "print"


@dataclass
class LeafletSummary:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    waiting: list[str] = field(default_factory=list)  # "slug: what it waits for"
    removed: list[str] = field(default_factory=list)


def publish_leaflets(
    session: Session,
    out_dir: Path,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
) -> LeafletSummary:
    """Write the leaflets whose pages changed: of every document, or of `documents`; say which wait."""
    site = site or example_site()
    by_doc = by_document(live_pages(session, CHANNEL))
    ledger = Ledger(session, CHANNEL, out_dir, mode=site.file_mode)
    ready, waiting = _leaflets(by_doc, documents, site)
    todo = [(pages, key) for pages, key in ready if not ledger.is_current(f"{pages[0].slug}.pdf", key)]
    for pages, _key in ready:
        ledger.keep(f"{pages[0].slug}.html")
    texts = bodies(session, [p.release_id for pages, _ in todo for p in pages])
    for pages, key in todo:
        _put_leaflet(ledger, pages, key, texts, site)
    ledger.prune(documents)  # a leaflet that waits again, or was retracted, is not left for the counter
    ledger.commit()
    unchanged = len(ready) - len(todo) + ledger.unchanged
    return LeafletSummary(ledger.written, unchanged, waiting, ledger.removed)


def _leaflets(
    by_doc: dict[int, dict[str, Page]], documents: Collection[int] | None, site: SiteSettings
) -> tuple[list[tuple[list[Page], str]], list[str]]:
    """The leaflets of `documents` (None: all) by their Vietnamese slug: those that can be made, each
    its pages in registry order and its key, and those that wait ("slug: what it waits for")."""
    ready: list[tuple[list[Page], str]] = []
    waiting: list[str] = []
    for doc_id, versions in sorted(by_doc.items(), key=lambda kv: _source_slug(kv[1])):
        original = versions.get(SOURCE)
        if original is None or (documents is not None and doc_id not in documents):
            continue
        why = _waits_for(versions, original, site)
        if why:
            waiting.append(f"{original.slug}: " + ", ".join(why))
            continue
        pages = [versions[lang] for lang in ALL]
        ready.append((pages, _leaflet_key(pages, site)))
    return ready, waiting


def _source_slug(versions: dict[str, Page]) -> str:
    """A document's Vietnamese slug ("" when Vietnamese is not live): the order leaflets are listed in."""
    return versions[SOURCE].slug if SOURCE in versions else ""


def _waits_for(versions: dict[str, Page], original: Page, site: SiteSettings) -> list[str]:
    """What a document's leaflet waits for: each language not approved yet, then each out of date
    with its Vietnamese original. Empty: it can be made."""
    missing = [lang for lang in ALL if lang not in versions]
    stale = [lang for lang in ALL if lang in versions and freshness(versions[lang], original, site).outdated]
    return [N_("{lang} not approved yet").format(lang=lang) for lang in missing] + [
        N_("{lang} out of date").format(lang=lang) for lang in stale
    ]


def _leaflet_key(pages: list[Page], site: SiteSettings) -> str:
    """What a leaflet is made from, hashed: the renderer, the site settings and each language's release."""
    return sha256(
        renderer_version(__file__) + repr(site) + "|".join(f"{p.content_hash}{p.approved_at}" for p in pages)
    )


def _put_leaflet(
    ledger: Ledger, pages: list[Page], key: str, texts: dict[int, str], site: SiteSettings
) -> None:
    """Stage a leaflet's HTML and its PDF, both named after its Vietnamese slug."""
    html = leaflet_html(pages, texts, site)
    slug = pages[0].slug
    ledger.put(f"{slug}.html", partial(str, html), key=key, document_id=pages[0].doc_id)
    ledger.put(f"{slug}.pdf", partial(to_pdf, html), key=key, document_id=pages[0].doc_id)


def leaflet_html(pages: list[Page], bodies: dict[int, str], site: SiteSettings) -> str:
    sections = []
    for page in pages:
        gettext = ui.translations(page.lang).gettext
        gates = [site.gate(g) for g in gates_of(page)]
        sections.append(
            {
                "hreflang": LANGUAGES[page.lang].html,
                "language": LANGUAGES[page.lang].native,
                "office": site.office.get(page.lang) or site.office[SOURCE],
                "kind": gettext("Information counter leaflet"),
                "title": page.title,
                "updated_label": gettext("Updated"),
                "updated": date_text(page.approved_at),
                "gates_label": gettext("Border gates"),
                "gates": ", ".join(
                    (g.names.get(page.lang) or g.names[SOURCE]) if g else "" for g in gates if g
                ),
                "body": Markup(markdown_to_html(bodies[page.release_id])),  # sanitized by nh3
                # The footer and the example note speak the language of the section they follow.
                "printed_label": gettext("Printed"),
                "example_note": gettext(
                    "The office details on this site are examples, not real contact information."
                ),
            }
        )
    return (
        environment(SOURCE)
        .get_template("leaflet.html")
        .render(
            title=pages[0].title,
            sections=sections,
            phone=site.phone,
            email=site.email,
            printed=date_text(max(p.approved_at for p in pages)),
            example=site.example,
        )
    )


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # loading it takes ~0.5 s: only when a leaflet is made

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


class Leaflets(FileChannel):
    """A4 leaflets for the information counters (HTML, and PDF where WeasyPrint is installed)."""

    name = CHANNEL

    def publish(self, session: Session, target: Target) -> PublishSummary:
        done = publish_leaflets(session, target.folder, target.documents, target.site)
        return PublishSummary(
            self.name, done.written, done.unchanged, waiting=done.waiting, removed=done.removed
        )

    def report(self, result: Mapping[str, Any], folder: Path) -> list[str]:
        lines = super().report(result, folder)
        if result["waiting"]:
            lines.append("  " + N_("{count} leaflet(s) wait:").format(count=len(result["waiting"])))
            lines += [f"    {line}" for line in result["waiting"][:20]]
            if len(result["waiting"]) > 20:
                lines.append(
                    "    "
                    + N_("… and {count} more (--json lists all)").format(count=len(result["waiting"]) - 20)
                )
        return lines


channel = Leaflets()
