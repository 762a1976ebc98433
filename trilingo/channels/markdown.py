"""Markdown to safe HTML: markdown-it with raw HTML off, then an allow-list sanitizer (nh3)."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "em",
    "strong",
    "a",
    "code",
    "pre",
    "br",
    "hr",
}
ALLOWED_ATTRS = {"a": {"href", "title"}}


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def markdown_to_html(text: str, *, images: bool = False) -> str:
    """Raw HTML in the source is shown as text; whatever slips through is removed by the sanitizer.

    `images` keeps `<img>` with a relative `src` (the staff guides' screenshots); notices never have it."""
    rendered = _md().render(text)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS | {"img"} if images else ALLOWED_TAGS,
        attributes={**ALLOWED_ATTRS, "img": {"src", "alt"}} if images else ALLOWED_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def plain_text(markdown: str) -> str:
    """Markdown as one line of plain text (rendered, sanitized, tags dropped, spaces folded)."""
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(markdown_to_html(markdown), tags=set()))).strip()


def first_paragraph(markdown: str) -> str:
    """The first paragraph that is not a heading, as plain text ("" when there is none): what a release
    stores as its lead when it is approved, for the screens' excerpts and the lists' summaries."""
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block and not block.startswith("#"):
            return plain_text(block)
    return ""
