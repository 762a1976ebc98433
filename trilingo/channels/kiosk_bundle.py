"""The kiosk bundle: an offline lookup database and page for the self-service points at the gates.

`public/kiosk/` holds:
- `kiosk.sqlite`: every published notice in every language, with two FTS5 indexes over a folded copy
  of the text (Vietnamese folded as the glossary folds it: case, NFC/NFD, old and new tone-mark style):
  - `search`, trigram-tokenized: any substring of three or more characters, Lao and Chinese included,
    with no word splitting;
  - `short`, for queries of one or two characters, which a trigram index cannot answer (口岸, 护照, a
    Vietnamese "xe"): Chinese and Lao runs are indexed as overlapping pairs of characters (and the last
    character alone), so a two-character query is a token and a one-character query a token prefix;
  - `loose`, trigram-tokenized like `search`, over the text with every diacritic of its Latin-script
    words removed: "cua khau" (a foreign keyboard) and "cưa khâu" (wrong tones) find "cửa khẩu",
    ranked after the notices the query's own spelling finds;
- `index.html` and `data/`: the touch-screen page, which works from the file system with no server and
  no network: a home screen, search in any of the languages, and the full notices to read. It loads
  its index and the notices on demand from `data/` (channels.kiosk_index), so its first load stays
  small at any number of notices;
- `manifest.json`: the bundle's version and the SHA-256 of each file. `trilingo kiosk verify DIR`
  checks a copy against its manifest.

Searching (`search`) opens the file and nothing else, as a device would; it imports no Trilingo database
code.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from trilingo.channels import kiosk_index as index
from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.languages import ALL, SOURCE
from trilingo.text.keys import match_key

DATABASE = "kiosk.sqlite"
PAGE = "index.html"
MANIFEST = "manifest.json"
SCHEMA = 2  # 2: notice.doc, .blocks and .key (the bundle is updated in place)


def loose_text(text: str) -> str:
    """A text's words in Latin script without any diacritic (kiosk_index.loose); other scripts as they are."""
    words = index.normalize(" ".join(text.split()))
    return index.WORD.sub(lambda m: m.group() if index.is_dense(m.group()) else index.loose(m.group()), words)


def fold(text: str, lang: str) -> str:
    """The search key of a text or a query: the glossary's match key (spaces dropped in languages that do
    not space their words)."""
    return match_key(unicodedata.normalize("NFC", text), lang if lang in ALL else SOURCE)


def short_tokens(folded: str) -> str:
    """Lao and Chinese runs as overlapping character pairs plus the run's last character; other words as they are."""

    def pairs(m: re.Match[str]) -> str:
        run = m.group()
        return " " + " ".join([run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]) + " "

    return index.DENSE.sub(pairs, folded)


@dataclass(frozen=True)
class Entry:
    """One published document-language as the kiosk shows it."""

    slug: str
    lang: str
    title: str
    summary: str
    body: str  # plain text
    category: str
    gates: list[str]
    updated: str
    doc: int = 0  # the document's id (the page's data files name documents by it)
    blocks: list[list[str]] = field(default_factory=list)  # what the reader shows (kiosk_index.blocks)
    key: str = ""  # what it was made from: a row whose key is unchanged is not made again


SCHEMA_SQL = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE notice(id INTEGER PRIMARY KEY, slug TEXT NOT NULL, lang TEXT NOT NULL,
    title TEXT NOT NULL, summary TEXT NOT NULL, body TEXT NOT NULL, category TEXT NOT NULL,
    gates TEXT NOT NULL, updated TEXT NOT NULL, doc INTEGER NOT NULL, blocks TEXT NOT NULL,
    key TEXT NOT NULL, UNIQUE(doc, lang));
CREATE VIRTUAL TABLE search USING fts5(title, body, tokenize='trigram');
CREATE VIRTUAL TABLE short USING fts5(text, tokenize="unicode61 remove_diacritics 0");
CREATE VIRTUAL TABLE loose USING fts5(text, tokenize='trigram');
"""


def create(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA_SQL)
    conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA),))


def insert(conn: sqlite3.Connection, entries: list[Entry]) -> None:
    """Add rows and their index entries. Oldest first, after every row already there, so that the
    highest row ids are the newest notices: searches read the indexes in descending row order and stop
    after `limit` hits, newest first, however many notices match."""
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM notice").fetchone()[0]
    rows = [
        (i, e, fold(e.title, e.lang), fold(e.body, e.lang))
        for i, e in enumerate(sorted(entries, key=lambda e: (e.updated, e.slug, e.lang)), first)
    ]
    conn.executemany(
        "INSERT INTO notice VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                i,
                e.slug,
                e.lang,
                e.title,
                e.summary,
                e.body,
                e.category,
                json.dumps(e.gates),
                e.updated,
                e.doc,
                json.dumps(e.blocks, ensure_ascii=False),
                e.key,
            )
            for i, e, _, _ in rows
        ],
    )
    conn.executemany(
        "INSERT INTO search(rowid, title, body) VALUES (?, ?, ?)", [(i, t, b) for i, _, t, b in rows]
    )
    conn.executemany(
        "INSERT INTO short(rowid, text) VALUES (?, ?)",
        [(i, short_tokens(t + " " + b)) for i, _, t, b in rows],
    )
    conn.executemany(
        "INSERT INTO loose(rowid, text) VALUES (?, ?)",
        [(i, loose_text(e.title + " " + e.body)) for i, e, _, _ in rows],
    )


def delete(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Take rows out, with their index entries."""
    for table in ("notice", "search", "short", "loose"):
        column = "id" if table == "notice" else "rowid"
        conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(i,) for i in ids])


def finish(conn: sqlite3.Connection, *, optimize: bool) -> None:
    """Record the count; after a full build, merge the indexes' segments (a device reads one b-tree)."""
    documents = conn.execute("SELECT count(DISTINCT doc) FROM notice").fetchone()[0]
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('documents', ?)", (str(documents),))
    if optimize:
        for table in ("search", "short", "loose"):
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    conn.commit()


def build(entries: list[Entry], out_dir: Path) -> dict[str, str]:
    """Write a new kiosk.sqlite (atomically) into `out_dir`; return its file name → SHA-256."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".trilingo-kiosk-", suffix=".tmp", dir=out_dir)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
            create(conn)
            # Entries made without a document id (tests, tools) are numbered by their slug.
            slugs = {slug: n for n, slug in enumerate(sorted({e.slug for e in entries}), 1)}
            insert(conn, [e if e.doc else replace(e, doc=slugs[e.slug]) for e in entries])
            finish(conn, optimize=True)
        finally:
            conn.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_dir / DATABASE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {DATABASE: digest}


@dataclass
class Hit:
    slug: str
    lang: str
    title: str
    summary: str
    updated: str


@dataclass
class SearchResult:
    query: str
    lang: str | None
    path: str  # "trigram" or "short": which index answered
    hits: list[Hit] = field(default_factory=list)
    loose: int = 0  # of the hits, those found only without diacritics (listed after the others)


def search(bundle: Path, query: str, lang: str | None = None, limit: int = 20) -> SearchResult:
    """Search a kiosk bundle (its folder or its kiosk.sqlite) the way a device would."""
    path = bundle / DATABASE if bundle.is_dir() else bundle
    if not path.is_file():
        raise InputError(
            N_("{path}: no kiosk bundle here (publish the kiosk channel first)").format(path=path)
        )
    if lang is not None and lang not in ALL:
        raise InputError(
            N_("unknown language {lang!r} (expected one of: {expected})").format(
                lang=lang, expected=", ".join(ALL)
            )
        )
    text = " ".join(query.split())
    if not text:
        raise InputError(N_("the search is empty"))
    if len(text) > 200:
        raise InputError(N_("the search is too long (more than 200 characters)"))
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        langs = [lang] if lang else list(ALL)
        keys = {fold(text, code) for code in langs}
        result = SearchResult(text, lang, "short" if all(len(k) < 3 for k in keys) else "trigram")
        seen: set[int] = set()
        for key in sorted(keys):
            for row in _query(conn, key, langs, limit):
                if row[0] not in seen and len(result.hits) < limit:
                    seen.add(row[0])
                    result.hits.append(Hit(*row[1:]))
        # Then, ranked below, what matches without diacritics: "cua khau" and "cưa khâu" find "cửa khẩu".
        bare = loose_text(text)
        if len(result.hits) < limit and len(bare) >= 3:
            for row in _loose_query(conn, bare, langs, limit):
                if row[0] not in seen and len(result.hits) < limit:
                    seen.add(row[0])
                    result.hits.append(Hit(*row[1:]))
                    result.loose += 1
        return result
    except sqlite3.DatabaseError as exc:
        raise InputError(
            N_("{path}: not a usable kiosk bundle ({reason})").format(path=path, reason=exc)
        ) from None
    finally:
        conn.close()


def _query(
    conn: sqlite3.Connection, key: str, langs: list[str], limit: int
) -> Iterator[tuple[int, str, str, str, str, str]]:
    marks = ",".join("?" * len(langs))
    if len(key) >= 3:
        phrase = '"' + key.replace('"', '""') + '"'
        sql = (
            "SELECT n.id, n.slug, n.lang, n.title, n.summary, n.updated FROM search JOIN notice n ON n.id = search.rowid "
            f"WHERE search MATCH ? AND n.lang IN ({marks}) ORDER BY search.rowid DESC LIMIT ?"
        )
        yield from conn.execute(sql, (phrase, *langs, limit))
        return
    tokens = short_tokens(key).split()
    if not tokens:
        return
    # Two characters are one token; one character is the start of a token. A Vietnamese short word ("xe")
    # is a word of its own.
    match = " ".join(('"' + t.replace('"', '""') + '"' + ("*" if len(t) == 1 else "")) for t in tokens)
    sql = (
        "SELECT n.id, n.slug, n.lang, n.title, n.summary, n.updated FROM short JOIN notice n ON n.id = short.rowid "
        f"WHERE short MATCH ? AND n.lang IN ({marks}) ORDER BY short.rowid DESC LIMIT ?"
    )
    yield from conn.execute(sql, (match, *langs, limit))


def _loose_query(
    conn: sqlite3.Connection, key: str, langs: list[str], limit: int
) -> Iterator[tuple[int, str, str, str, str, str]]:
    marks = ",".join("?" * len(langs))
    sql = (
        "SELECT n.id, n.slug, n.lang, n.title, n.summary, n.updated FROM loose JOIN notice n ON n.id = loose.rowid "
        f"WHERE loose MATCH ? AND n.lang IN ({marks}) ORDER BY loose.rowid DESC LIMIT ?"
    )
    yield from conn.execute(sql, ('"' + key.replace('"', '""') + '"', *langs, limit))


def manifest(files: dict[str, str], version: str) -> str:
    return (
        json.dumps({"version": version, "schema": SCHEMA, "files": dict(sorted(files.items()))}, indent=2)
        + "\n"
    )


def _bundle_name(name: object) -> bool:
    """A file the manifest may name: in the bundle's folder or its data/ folder, no way out of it."""
    if not isinstance(name, str) or "\\" in name or "\0" in name:
        return False
    parts = name.split("/")
    return all(p and not p.startswith(".") for p in parts) and (len(parts) == 1 or parts[0] == "data")


@dataclass
class Verified:
    folder: str
    version: str
    files: int


def verify(folder: Path) -> Verified:
    """Check a bundle copy against its manifest: every file present, with the SHA-256 it lists."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        version = str(data["version"])
        if not isinstance(files, dict) or not files:
            raise ValueError("no files listed")
    except FileNotFoundError:
        raise InputError(N_("{path}: no manifest; this is not a kiosk bundle").format(path=path)) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(N_("{path}: unreadable manifest ({reason})").format(path=path, reason=exc)) from None
    for name, expected in sorted(files.items()):
        if not _bundle_name(name):
            raise InputError(
                N_("{path}: the manifest names {name!r}, which is not a bundle file").format(
                    path=path, name=name
                )
            )
        target = folder / name
        if not target.is_file():
            raise InputError(N_("{path}: missing (bundle {version})").format(path=target, version=version))
        with target.open("rb") as fh:
            actual = hashlib.file_digest(fh, "sha256").hexdigest()
        if actual != expected:
            raise InputError(
                N_(
                    "{path}: SHA-256 {actual}… does not match the manifest's {expected}… (bundle {version})"
                ).format(path=target, actual=actual[:12], expected=str(expected)[:12], version=version)
            )
    return Verified(str(folder), version, len(files))


class Stale(Exception):
    """A file the bundle's in-place update needs is missing or unreadable: build it whole instead."""


def bundle_version(newest: str, digest: str) -> str:
    """The newest notice's date and a digest of every file."""
    stamp = datetime.now(UTC).strftime("%Y%m%d") if not newest else newest.replace("-", "")
    return f"{stamp}-{digest[:12]}"
