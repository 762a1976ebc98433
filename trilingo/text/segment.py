"""Splitting a cleaned Markdown body into segments, and joining translated segments back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from trilingo.languages import LANGUAGES, SOURCE

MAX_SEGMENT = 1_800  # below every engine's length limit (Google's free endpoint breaks above ~1,800 CJK)
LONG_PARAGRAPH = 240  # paragraphs longer than this are split into sentences

_HEADING = re.compile(r"^(#{1,6} )(.*)$")
_ITEM = re.compile(r"^((?:[-*+]|\d{1,3}[.)]) )(.*)$")
_QUOTE = re.compile(r"^(> ?)(.*)$")
# A sentence of the source ends at one of its `sentence_ends` (. ! ? … and their full-width forms)
# followed by a space and a capital, digit or quote.
_SENTENCE_END = re.compile(
    f'(?<=[{re.escape(LANGUAGES[SOURCE].sentence_ends)}])\\s+(?=["“(\\[]?[A-ZÀ-ỸĐ0-9])'
)


@dataclass(frozen=True)
class Piece:
    n: int
    block: int
    kind: str
    prefix: str
    text: str


SCREEN = -1  # the block of the screen summary (`screen:`): translated and reviewed, not part of the body


def split(title: str, body: str, max_segment: int = MAX_SEGMENT, screen: str | None = None) -> list[Piece]:
    """The title is segment 1; then each block of the body, split into sentences where long; then the
    screen summary, if there is one, as one last segment."""
    pieces = [Piece(1, 0, "title", "", title)]
    for block_no, (kind, prefix, text) in enumerate(_blocks(body), start=1):
        for part in _sentences(text) if kind != "heading" else [text]:
            for chunk in _bounded(part, max_segment):
                pieces.append(Piece(len(pieces) + 1, block_no, kind, prefix, chunk))
    if screen:
        pieces.append(Piece(len(pieces) + 1, SCREEN, "screen", "", screen))
    return pieces


def screen_text(pieces: list[tuple[int, str, str, str]]) -> str | None:
    """The screen summary among (block, kind, prefix, text) rows, if there is one."""
    return next((text for block, _kind, _prefix, text in pieces if block == SCREEN), None)


def _blocks(body: str) -> list[tuple[str, str, str]]:
    blocks: list[tuple[str, str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(("paragraph", "", " ".join(para)))
            para.clear()

    for line in body.split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        for kind, pattern in (("heading", _HEADING), ("item", _ITEM), ("quote", _QUOTE)):
            m = pattern.match(stripped)
            if m and m.group(2).strip():
                flush()
                blocks.append((kind, m.group(1) if kind != "quote" else "> ", m.group(2).strip()))
                break
        else:
            para.append(stripped)
    flush()
    return blocks


def _sentences(text: str) -> list[str]:
    if len(text) <= LONG_PARAGRAPH:
        return [text]
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text)) if s]


def _bounded(text: str, limit: int) -> list[str]:
    """Cut text longer than `limit` at the last clause mark or space before it."""
    out = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind(mark) for mark in ("; ", ", ", "，", "；"))
        cut = cut + 1 if cut > limit // 2 else window.rfind(" ")
        if cut <= 0:
            cut = limit
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    out.append(text)
    return [t for t in out if t]


def sentence_joiner(lang: str) -> str:
    """What goes between two sentences of one paragraph (the registry's: Chinese runs them together;
    Vietnamese and Lao separate them with a space)."""
    return LANGUAGES[lang].sentence_joiner


def join(pieces: list[tuple[int, str, str, str]], lang: str) -> tuple[str, str]:
    """(block, kind, prefix, text) rows in order → (title, Markdown body)."""
    title = ""
    blocks: dict[int, tuple[str, str, list[str]]] = {}
    for block, kind, prefix, text in pieces:
        if block == 0:
            title = text
            continue
        if block == SCREEN:
            continue
        blocks.setdefault(block, (kind, prefix, []))[2].append(text)
    out: list[str] = []
    previous = ""
    for _block, (kind, prefix, texts) in sorted(blocks.items()):
        line = prefix + sentence_joiner(lang).join(texts)
        if out:
            out.append("\n" if kind == "item" and previous == "item" else "\n\n")
        out.append(line)
        previous = kind
    return title, "".join(out)
