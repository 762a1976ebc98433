"""The kiosk page's own search index: small script files the page loads on demand from the file system.

A kiosk opens `index.html` from its disk (`file://`, no server, no network). Browsers let such a page
load classic `<script src>` files beside it, but not read other files (no `fetch`, no XHR), so the index
is cut into script files, each calling back into the page (`KIOSK.idx(…)`, `KIOSK.sum(…)`, …):

- `data/i/<bucket>.js`: the inverted index, tokens → document ids, cut into buckets by a hash of the
  token's first letters. Two kinds of token:
  - *exact*: the text as the glossary keys it (NFC, lower case, old/new Vietnamese tone-mark style
    and Lao spelling variants folded), split into words; Lao, Chinese and other unspaced scripts as
    single characters and overlapping pairs (a query of one character is a token, and a longer one the
    pairs it is made of);
  - *loose*: the same Latin-script words with every diacritic removed ("cửa" → "cua", "đ" → "d"),
    so that a query without tone marks, or with the wrong ones, finds the notice too. A loose match
    ranks below an exact one. Only words whose loose form differs are listed again.
  Posting lists are document ids, ascending, delta-encoded. A token and its loose form share a
  bucket (the bucket of a Latin word is that of its loose first two letters), so a query word needs
  one file, and the last word of a query can be matched as a prefix while it is being typed.
- `data/s/<group>.js`: each document's title, summary and date in each language (128 documents a file),
  what a result list shows.
- `data/n/<group>.js`: documents whole (16 a file), in every language each is published in, as blocks
  of text (headings, paragraphs, list items): what the reader shows.
- `data/c/<n>.js`: the documents of category n, newest first.

Documents are their database ids: stable from one publish to the next, so a page that loaded the old
`index.html` still reads the new files, and a publish rewrites only the files whose contents changed.
The page folds and tokenizes a query with the same rules (`rules()` hands it the patterns).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from trilingo.languages import LANGUAGES
from trilingo.text.keys import _TONE_FOLD, _fold_tones, _lao_fold

DATA_DIR = "data/"
INDEX_DIR, SUMMARY_DIR, DOC_DIR, CATEGORY_DIR = (DATA_DIR + d for d in ("i/", "s/", "n/", "c/"))
VERSION = DATA_DIR + "version.js"  # the build the files belong to
SUMMARY_GROUP = 128  # documents per file of cards (a result list of 30 reads a few)
DOC_GROUP = 16  # documents per file of whole notices (a file each would be 10,000 files to write and fsync)
DOCS_PER_BUCKET = 10  # documents per index file, about (the bucket count is a power of two)
MAX_BUCKETS = 1_024
# Letters of scripts whose languages do not space their words (Lao, Han, Khmer …), and CJK symbols and
# full-width forms: indexed as characters and pairs.
DENSE_CLASS = (
    "["
    + "".join(lang.script.pattern for lang in LANGUAGES.values() if not lang.word_spaces)
    + "\u2e80-\u33ff\uff00-\uffef]"
)
DENSE = re.compile(DENSE_CLASS + "+")
WORD = re.compile(r"[^\W_]+")  # a run of letters and digits


def normalize(text: str) -> str:
    """NFC, lower case, Lao spelling variants and Vietnamese tone-mark style folded (as the glossary
    keys text), whatever language the text is in: a query's language is not known in advance."""
    return _fold_tones(_lao_fold(unicodedata.normalize("NFC", text).lower()))


@lru_cache(maxsize=200_000)
def loose(word: str) -> str:
    """A Latin-script word without any diacritic: what a visitor on a foreign keyboard types."""
    bare = "".join(
        c for c in unicodedata.normalize("NFD", word) if not unicodedata.category(c).startswith("M")
    )
    return unicodedata.normalize("NFC", bare.replace("đ", "d"))


def is_dense(token: str) -> bool:
    return bool(DENSE.match(token[:1]))


def tokens(text: str, *, query: bool = False) -> list[str]:
    """The exact tokens of `text`, in order. A document's dense runs give every character and every
    pair; a query's give its pairs (or its one character), all of which a matching document has."""
    folded = normalize(text)
    out: list[str] = []
    pos = 0
    for m in DENSE.finditer(folded):
        out += WORD.findall(folded[pos : m.start()])
        run = m.group()
        pairs = [run[i : i + 2] for i in range(len(run) - 1)]
        out += (pairs or [run]) if query else [*run, *pairs]
        pos = m.end()
    out += WORD.findall(folded[pos:])
    return out


def _fnv(text: str) -> int:
    h = 0x811C9DC5
    for ch in text:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def bucket_of(token: str, buckets: int) -> int:
    """The index file of a token: by its first character (unspaced scripts) or its loose first two
    letters (words), so that a word, its loose form and the words it begins share one file."""
    head = token[:1] if is_dense(token) else loose(token)[:2]
    return _fnv(head) % buckets


def bucket_count(documents: int) -> int:
    """The index's files for this many documents: a power of two, about one per DOCS_PER_BUCKET. It
    changes only when the count crosses a power of two (the index is then built whole)."""
    n = 8
    while n < MAX_BUCKETS and n * DOCS_PER_BUCKET < documents:
        n *= 2
    return n


def rules() -> dict[str, object]:
    """What the page needs to fold and tokenize a query exactly as `tokens` does."""
    dense = re.sub(r"\\U([0-9a-fA-F]{8})", lambda m: f"\\u{{{int(m.group(1), 16):x}}}", DENSE_CLASS)
    return {"dense": dense, "toneFold": _TONE_FOLD}


@dataclass
class Index:
    """Token → document ids, exact and loose."""

    exact: dict[str, set[int]] = field(default_factory=dict)
    loose: dict[str, set[int]] = field(default_factory=dict)

    def add(self, doc: int, text: str) -> None:
        for token in set(tokens(text)):
            self.exact.setdefault(token, set()).add(doc)
            if not is_dense(token):
                bare = loose(token)
                if bare != token:
                    self.loose.setdefault(bare, set()).add(doc)

    def buckets(self, count: int) -> list[dict[str, dict[str, list[int]]]]:
        out: list[dict[str, dict[str, list[int]]]] = [{"e": {}, "l": {}} for _ in range(count)]
        for kind, table in (("e", self.exact), ("l", self.loose)):
            for token in sorted(table):
                out[bucket_of(token, count)][kind][token] = deltas(sorted(table[token]))
        return out


def read_bucket(path: Path) -> dict[str, dict[str, list[int]]] | None:
    """An index file as `script` wrote it, or None if it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
        table = json.loads(text[text.index(",") + 1 : text.rindex(")")])
    except (OSError, ValueError):
        return None
    if (
        not isinstance(table, dict)
        or not isinstance(table.get("e"), dict)
        or not isinstance(table.get("l"), dict)
    ):
        return None
    return table


def merge(
    table: dict[str, dict[str, list[int]]],
    found: Index,
    bucket: int,
    buckets: int,
    documents: set[int],
    old: set[str],
) -> dict[str, dict[str, list[int]]]:
    """One bucket after a change: `documents` taken out of every posting list, then their tokens in
    `found` (every current row of those documents) put back in. Only the lists that can hold them are
    decoded: the tokens of the rows that went (`old`) and of the rows they have now."""
    out: dict[str, dict[str, list[int]]] = {}
    exact = {t for t in old | set(found.exact) if bucket_of(t, buckets) == bucket}
    bare = {loose(t) for t in exact if not is_dense(t)}
    for kind, fresh, mine in (("e", found.exact, exact), ("l", found.loose, bare)):
        lists: dict[str, list[int] | set[int]] = dict(table[kind])
        for token in mine:
            ids = set(undeltas(table[kind].get(token, ()))) - documents
            ids.update(fresh.get(token, ()))
            if ids:
                lists[token] = ids
            else:
                lists.pop(token, None)
        out[kind] = {t: v if isinstance(v, list) else deltas(sorted(v)) for t, v in sorted(lists.items())}
    return out


def undeltas(encoded: Sequence[int]) -> list[int]:
    out, at = [], 0
    for d in encoded:
        at += d
        out.append(at)
    return out


def deltas(ids: Sequence[int]) -> list[int]:
    return [ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False))] if ids else []


def script(call: str, *args: object) -> str:
    """One data file: a call of the page's loader with JSON arguments."""
    return (
        f"KIOSK.{call}({','.join(json.dumps(a, ensure_ascii=False, separators=(',', ':')) for a in args)});\n"
    )


_INLINE_TEXT = {"text", "code_inline"}
_BREAKS = {"softbreak", "hardbreak"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


def blocks(markdown: str) -> list[list[str]]:
    """A notice's Markdown as blocks of plain text the page can show with `textContent` (no HTML ever
    reaches the kiosk's page): [kind, text], kind one of h (heading), p, li, q (quote), pre."""
    md = _parser()
    out: list[list[str]] = []
    kind = "p"
    stack: list[str] = []
    for tok in md.parse(markdown):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            stack.append("li")
        elif tok.type == "blockquote_open":
            stack.append("q")
        elif tok.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            stack.pop()
        elif tok.type == "heading_open":
            kind = "h"
        elif tok.type == "paragraph_open":
            kind = stack[-1] if stack else "p"
        elif tok.type in ("fence", "code_block"):
            if tok.content.strip():
                out.append(["pre", tok.content.rstrip("\n")])
        elif tok.type == "inline":
            text = "".join(
                c.content if c.type in _INLINE_TEXT else " " if c.type in _BREAKS else ""
                for c in tok.children or []
            )
            text = re.sub(r"\s+", " ", text).strip()
            if text:
                out.append([kind, text])
    return out


def grouped(ids: Iterable[int], size: int) -> dict[int, list[int]]:
    """Document ids by the file that holds them (id // size)."""
    out: dict[int, list[int]] = {}
    for doc in sorted(ids):
        out.setdefault(doc // size, []).append(doc)
    return out
