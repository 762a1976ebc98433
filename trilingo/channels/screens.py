"""The screens channel: a playlist and a rotating page per gate, for the electronic screens at the gates.

`public/screens/<gate>/playlist.json` is a versioned, ordered list of items, each with its vi, lo and
zh text (the title and the `screen:` summary, or without one the first paragraph shortened: excerpt),
a display duration and an expiry. `index.html` beside it
carries the same playlist and rotates each item through its three languages. It makes no request to
keep running: when the link is down it goes on with what it has; when it is served from the device and
a newer playlist.json appears, it takes it.

An item is shown only in a version whose three languages are all approved: until a new version is,
the screen keeps the previous one. Expired (`expires:`) and retracted notices leave at the next publish.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from trilingo.channels import FileChannel, PublishSummary, Target
from trilingo.channels.ledger import Ledger
from trilingo.channels.pages import environment, first_paragraph, leads, renderer_version
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.site import SiteSettings
from trilingo.site import example as example_site
from trilingo.store.hashing import sha256
from trilingo.store.models import Document, DocumentVersion, Release, aware, utcnow

CHANNEL = "screens"
# What a slide shows of a notice without a `screen:` summary: its first paragraph, at most this many
# columns (a Chinese or other wide character takes two) - two lines of the slide's text, read in the
# 12 seconds a language stays. Below limits.screens_chars, the most a reviewed summary should hold.
EXCERPT_COLUMNS = 120
ELLIPSIS = "…"
# Where a text without spaces (Chinese; Lao, between phrases only) may be cut, after the mark.
_BREAK_AFTER = set("，。、；：！？,.;:!?")
_PREPOSED = "\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4"  # Lao vowels written before their consonant: not last


@dataclass
class ScreensSummary:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    items: dict[str, int] = field(default_factory=dict)  # gate → items on its screen


def _items(session: Session, site: SiteSettings) -> dict[str, list[dict[str, Any]]]:
    """Per configured gate, its items: newest first, each the newest version approved in all three languages."""
    from trilingo.channels.retract import retracted_releases

    gone = retracted_releases(session, CHANNEL)
    versions = _versions(session)
    now = utcnow()
    shown: dict[int, tuple[int, dict[str, Any]]] = {}  # document → the version its screens show, its entry
    for doc, numbered in versions.items():
        number = _shown_version(doc, numbered, gone, now)
        if number is not None:
            shown[doc] = (number, numbered[number])
    # Only the items shown need an excerpt: each release's lead, stored when it was approved.
    wanted = [entry[lang][0] for _n, entry in shown.values() for lang in ALL if entry[lang][2] is None]
    excerpts = leads(session, wanted)
    by_gate: dict[str, list[dict[str, Any]]] = {g.id: [] for g in site.gates}
    for doc, (number, entry) in shown.items():
        item = _item(doc, number, entry, site, excerpts)
        _slug, gates, _expires = entry["_meta"]
        for gate in gates:
            if gate in by_gate:  # a gate no longer configured has no screen
                by_gate[gate].append(item)
    for items in by_gate.values():
        items.sort(key=lambda i: (i["approved"], i["id"]), reverse=True)
    return by_gate


def _versions(session: Session) -> dict[int, dict[int, dict[str, Any]]]:
    """document → version number → language → the latest release of that version in that language, as
    (release id, title, its `screen:` or None, approved at); and "_meta" → (slug, gates, expires). Only of
    the versions this channel carries."""
    rows = session.execute(
        sa_select(
            col(Release.id),
            col(Release.document_id),
            col(Release.lang),
            col(Release.version_id),
            col(Release.title),
            col(Release.screen),
            col(Release.approved_at),
            col(DocumentVersion.number),
            col(DocumentVersion.gates),
            col(DocumentVersion.channels),
            col(DocumentVersion.expires),
            col(Document.slug),
        )
        .join(DocumentVersion, col(DocumentVersion.id) == col(Release.version_id))
        .join(Document, col(Document.id) == col(Release.document_id))
        .order_by(col(Release.id))
    ).all()
    versions: dict[int, dict[int, dict[str, Any]]] = {}
    for rid, doc, lang, _vid, title, screen, approved, number, gates, channels, expires, slug in rows:
        if channels and CHANNEL not in channels:
            continue
        entry = versions.setdefault(doc, {}).setdefault(number, {})
        entry[lang] = (rid, title, screen, approved)
        entry["_meta"] = (slug, gates, expires)
    return versions


def excerpt(markdown: str, columns: int = EXCERPT_COLUMNS) -> str:
    """The first paragraph (not a heading) as plain text, at most `columns` wide, for a notice without a
    `screen:` summary. A longer one is cut at a space in its last third if it has one, else after a
    punctuation mark there (Chinese has no spaces, Lao none between words), else at the widest whole
    character, never between a letter and its marks (Lao and Vietnamese vowels and tones); then …"""
    return shorten(first_paragraph(markdown), columns)


def _text(release: tuple[int, str, str | None, Any], excerpts: dict[int, str]) -> str:
    """What a slide shows of a release: its `screen:` summary, else its lead shortened (excerpt)."""
    rid, _title, screen, _approved = release
    return screen if screen is not None else shorten(excerpts.get(rid, ""))


@cache
def _width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def shorten(text: str, columns: int = EXCERPT_COLUMNS) -> str:
    """`text` if it fits in `columns`; else its start, cut as excerpt says, with an ellipsis."""
    if len(text) * 2 <= columns:  # no character is wider than two columns
        return text
    room = columns - 1  # the ellipsis
    # The longest start that fits in `room` (a mark or a joiner has no width: it always comes with the
    # letter it sits on), reading no further than the first character past `columns`.
    end: int | None = None
    used = 0
    for i, ch in enumerate(text):
        used += _width(ch)
        if end is None and used > room:
            end = i
        if used > columns:
            break
    else:
        return text
    head = text[:end]
    floor = len(head) * 2 // 3
    space = head.rfind(" ")
    if space > floor:
        head = head[:space]
    else:
        marks = [i for i in range(len(head) - 1, floor, -1) if head[i] in _BREAK_AFTER]
        if marks:
            head = head[: marks[0] + 1]
    head = head.rstrip(" " + "".join(sorted(_BREAK_AFTER)) + _PREPOSED)
    return head + ELLIPSIS


def _shown_version(
    doc: int, numbered: dict[int, dict[str, Any]], gone: Collection[tuple[int, str, int]], now: datetime
) -> int | None:
    """The version of a document the screens show: its newest approved in all three languages. None when
    there is none, or one of that version's releases was retracted, or it expired."""
    complete = [n for n, entry in numbered.items() if all(lang in entry for lang in ALL)]
    if not complete:
        return None
    number = max(complete)
    entry = numbered[number]
    _slug, _gates, expires = entry["_meta"]
    if any((doc, lang, entry[lang][0]) in gone for lang in ALL):
        return None
    if expires is not None and aware(expires) <= now:
        return None
    return number


def _item(
    doc: int, number: int, entry: dict[str, Any], site: SiteSettings, excerpts: dict[int, str]
) -> dict[str, Any]:
    """A version's item in a playlist: its three languages' title and screen text, its duration and expiry."""
    slug, _gates, expires = entry["_meta"]
    return {
        "id": slug,
        "document": doc,
        "version": number,
        "duration": site.screen_seconds,
        "expires": expires.isoformat() if expires else None,
        "approved": max(entry[lang][3] for lang in ALL).isoformat(),
        **{lang: {"title": entry[lang][1], "text": _text(entry[lang], excerpts)} for lang in ALL},
    }


def playlist(gate: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    body = json.dumps(items, ensure_ascii=False, sort_keys=True)
    return {"gate": gate, "version": sha256(body)[:16], "items": items}


def publish_screens(
    session: Session,
    out_dir: Path,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
) -> ScreensSummary:
    """Write each configured gate's playlist and page when its items changed."""
    del documents  # a gate's playlist is one file: it is rebuilt whole

    site = site or example_site()
    ledger = Ledger(session, CHANNEL, out_dir, mode=site.file_mode)
    summary = ScreensSummary()
    renderer = renderer_version(__file__)
    for gate, items in sorted(_items(session, site).items()):
        data = playlist(gate, items)
        key = sha256(renderer + repr(site) + data["version"])
        ledger.put(f"{gate}/playlist.json", partial(_playlist_text, data), key=key)  # rendered if changed
        ledger.put(f"{gate}/index.html", partial(_page, environment(SOURCE), site, gate, data), key=key)
        summary.items[gate] = len(items)
    ledger.prune()  # gates no longer configured
    ledger.commit()
    summary.written, summary.unchanged = ledger.written, ledger.unchanged
    return summary


def _playlist_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _page(env: Any, site: SiteSettings, gate_id: str, data: dict[str, Any]) -> str:
    gate = site.gate(gate_id)
    names = {lang: (gate.names.get(lang) or gate.names[SOURCE]) if gate else gate_id for lang in ALL}
    return str(
        env.get_template("screen.html").render(
            gate=names[SOURCE],
            data=data,
            langs=[
                {
                    "code": c,
                    "html": LANGUAGES[c].html,
                    "name": LANGUAGES[c].native,
                    "gate": names[c],
                    "office": site.office.get(c) or site.office[SOURCE],
                }
                for c in ALL
            ],
        )
    )


class Screens(FileChannel):
    """One rotating page and playlist per gate screen."""

    name = CHANNEL

    def publish(self, session: Session, target: Target) -> PublishSummary:
        done = publish_screens(session, target.folder, target.documents, target.site)
        return PublishSummary(self.name, done.written, done.unchanged)


channel = Screens()
