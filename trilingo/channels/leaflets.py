"""The print channel: an A4 leaflet per notice for the information counters, in Vietnamese, Lao and
Chinese one after another, as HTML with print CSS and as a PDF (WeasyPrint, Noto fonts).

A leaflet is made only when all three languages are approved and the translations are of the current
Vietnamese text; `publish` says which leaflets wait, and for what.

A leaflet fits one A4 page whenever its text allows: it is laid out with the roomiest of `FITS` first,
and while it takes more than one page with the next, tighter one (smaller type, tighter lines, narrower
margins, never below `MIN_FONT_PT`), then in two columns; only the last step may take a second page.
The HTML carries the step the PDF was made with. The PDF is PDF/UA-1 (tagged): its structure tree has
each language's section, office line and label marked with that language (/Lang), so a screen reader
reads the Lao and Chinese in their own voices.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache, partial
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
    """Stage a leaflet's HTML and its PDF, both named after its Vietnamese slug, both of one layout."""
    made = cache(partial(make_leaflet, pages, texts, site))
    slug = pages[0].slug
    ledger.put(f"{slug}.html", lambda: made().html, key=key, document_id=pages[0].doc_id)
    ledger.put(f"{slug}.pdf", lambda: made().pdf, key=key, document_id=pages[0].doc_id)


@dataclass(frozen=True)
class Fit:
    """One step of a leaflet's layout: the body text's size, each language's line height scaled by
    `line_scale`, the page margins, the space between the language sections, the space around the
    notice's paragraphs and headings (in em; 1 is the browsers' own), and the columns."""

    font_pt: float
    line_scale: float
    margin_mm: float
    gap_mm: float
    para_em: float
    columns: int = 1

    def css(self) -> Markup:
        """This step's rules, laid over the template's (after its per-language fonts and line heights)."""

        def n(x: float) -> str:
            return f"{round(x, 2):g}"

        size, gap, para = self.font_pt, self.gap_mm, self.para_em
        rules = [
            f"@page{{margin:{n(self.margin_mm)}mm {n(self.margin_mm)}mm {n(self.margin_mm + 2)}mm}}",
            f"body{{font-size:{n(size)}pt}}",
            f"h1{{font-size:{n(size * 16 / 11)}pt}}",
            f"main p,main ul,main ol{{margin-top:{n(para)}em;margin-bottom:{n(para)}em}}",
            f"main h2{{font-size:{n(1 + 0.5 * para)}em;margin:{n(0.83 * para)}em 0}}",
            f"header{{margin-bottom:{n(gap * 6 / 7)}mm}}",
            f"section{{margin-bottom:{n(gap)}mm}}",
            f"section + section{{padding-top:{n(gap * 5 / 7)}mm}}",
            # Each language's own line height (the registry's), scaled: Lao's tall marks keep their room.
            *(
                f":lang({lang.bcp47}){{line-height:{n(lang.line_height * self.line_scale)}}}"
                for lang in LANGUAGES.values()
            ),
        ]
        if self.columns > 1:
            rules += [
                f"main{{columns:{self.columns};column-gap:7mm;column-rule:0.5pt solid #999}}",
                "section + section{border-top:none;padding-top:0}",
            ]
        return Markup("\n".join(rules))


# The steps a leaflet is laid out with until it fits one page, roomiest first (the first is the layout
# leaflets always had). 9 pt with lines at 85 % of each language's line height is the smallest a counter
# leaflet is read at arm's length: the last step keeps it and goes to two columns.
MIN_FONT_PT = 9.0
FITS = (
    Fit(11, 1.0, 16, 7, 1.0),
    Fit(10.5, 0.95, 14, 5.5, 0.8),
    Fit(10, 0.92, 12, 4.5, 0.65),
    Fit(9.5, 0.88, 11, 3.5, 0.5),
    Fit(MIN_FONT_PT, 0.85, 10, 3, 0.4),
    Fit(MIN_FONT_PT, 0.85, 10, 3, 0.4, columns=2),
)


@dataclass(frozen=True)
class Leaflet:
    html: str
    pdf: bytes
    fit: Fit  # the step it was laid out with
    pages: int


def make_leaflet(pages: list[Page], bodies: dict[int, str], site: SiteSettings) -> Leaflet:
    """A leaflet laid out with the first step of `FITS` that fits one A4 page (the last one if none
    does): its HTML and its tagged PDF. The same pages always give the same bytes."""
    from weasyprint import HTML  # loading it takes ~0.5 s: only when a leaflet is made

    for fit in FITS:
        html = leaflet_html(pages, bodies, site, fit)
        document = HTML(string=html).render()
        if len(document.pages) == 1:
            break
    return Leaflet(html, _tagged_pdf(document), fit, len(document.pages))


def leaflet_html(pages: list[Page], bodies: dict[int, str], site: SiteSettings, fit: Fit = FITS[0]) -> str:
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
            fit_css=fit.css(),
        )
    )


def to_pdf(html: str) -> bytes:
    """A leaflet's HTML as a tagged PDF (PDF/UA-1), as laid out by its own CSS."""
    from weasyprint import HTML

    return _tagged_pdf(HTML(string=html).render())


# The PDF structure types of the HTML elements a leaflet marks with a language (WeasyPrint's mapping).
_LANG_TAGS = {"section": "/Sect", "div": "/Div", "span": "/Span"}


def _tagged_pdf(document: Any) -> bytes:
    """A rendered WeasyPrint document as PDF/UA-1, with /Lang on the structure elements of the
    elements that carry a `lang` (WeasyPrint sets the document's /Lang, not its elements')."""
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", finisher=_mark_languages)
    return pdf


def _mark_languages(document: Any, pdf: Any) -> None:
    """Give each structure element of a `section`, `div` or `span` with a `lang` attribute its /Lang.

    WeasyPrint builds the structure tree in one walk of each page's boxes, adding each element to the
    PDF's objects before its children: so the elements of one structure type, in the order of the PDF's
    objects, are the boxes of that element type in the same walk's order. The leaf /Span elements
    WeasyPrint makes for runs of text (their only kid a marked-content id) are not elements' boxes."""
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    def walk(box: Any) -> Any:
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if box.element is not None and not isinstance(box, (boxes.LineBox, boxes.TextBox)):
            yield box
        if isinstance(box, boxes.ParentBox):
            for child in box.children:
                yield from walk(child)

    found: dict[str, list[Any]] = {tag: [] for tag in _LANG_TAGS.values()}
    for page in document.pages:
        for box in walk(page._page_box):
            if box.element_tag in _LANG_TAGS:
                found[_LANG_TAGS[box.element_tag]].append(box)
    made: dict[str, list[Any]] = {tag: [] for tag in _LANG_TAGS.values()}
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" and obj.get("S") in made:
            kids = obj.get("K") or []
            if obj["S"] == "/Span" and len(kids) == 1 and isinstance(kids[0], int):
                continue  # a run of text
            made[obj["S"]].append(obj)
    for tag, elements in made.items():
        if len(elements) != len(found[tag]):  # WeasyPrint changed how it tags: a test says so
            raise RuntimeError(f"{tag}: {len(elements)} structure elements for {len(found[tag])} boxes")
        for element, box in zip(elements, found[tag], strict=True):
            if lang := box.element.get("lang"):
                element["Lang"] = pydyf.String(lang)


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
