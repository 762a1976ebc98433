"""The kiosk channel: publishing the kiosk bundle from the live releases (channels.kiosk_bundle builds,
searches and verifies the bundle itself)."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from trilingo.channels import FileChannel, PublishSummary, Target, ui
from trilingo.channels import kiosk_bundle as bundle
from trilingo.channels import kiosk_index as index
from trilingo.channels.ledger import Ledger
from trilingo.channels.pages import (
    bodies,
    by_document,
    date_text,
    environment,
    gates_of,
    live_pages,
    renderer_version,
)
from trilingo.languages import ALL, LANGUAGES, SOURCE
from trilingo.outdated import freshness
from trilingo.site import SiteSettings
from trilingo.site import example as example_site
from trilingo.store.hashing import sha256
from trilingo.store.models import utcnow

CHANNEL = "kiosk"


@dataclass
class KioskSummary:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    documents: int = 0
    version: str = ""


def publish_kiosk(
    session: Session,
    out_dir: Path,
    documents: Collection[int] | None = None,
    site: SiteSettings | None = None,
) -> KioskSummary:
    """Bring the bundle up to date with the live releases: the device database, the page and its data
    files. Only files whose contents changed are written; the manifest goes last."""
    del documents  # the index spans every document: any change is found by comparing contents
    site = site or example_site()
    pages = live_pages(session, CHANNEL)
    by_doc = by_document(pages)
    # A withdrawn (out-of-date, critical) translation is not offered; an out-of-date one is, as on the web.
    # Expired notices (`expires:`) leave the kiosk at the first publish after their time.
    now = utcnow()
    shown = [
        p
        for p in pages
        if not freshness(p, by_doc[p.doc_id].get(SOURCE), site).withdrawn and not p.expired(now)
    ]
    key = sha256(
        renderer_version(__file__, index.__file__, bundle.__file__)
        + repr(site)
        + "|".join(f"{p.slug}{p.lang}{p.content_hash}{p.approved_at}" for p in shown)
    )
    ledger = Ledger(session, CHANNEL, out_dir, mode=site.file_mode)
    result = KioskSummary(documents=len({p.doc_id for p in shown}))
    if ledger.is_current(bundle.MANIFEST, key) and ledger.is_current(bundle.DATABASE, key):
        result.unchanged = len(ledger.records())
        return result
    texts = bodies(session, [p.release_id for p in shown])
    docs: dict[int, dict[str, Reading]] = {}
    for p in sorted(shown, key=lambda p: (p.doc_id, ALL.index(p.lang))):
        parts = index.blocks(texts[p.release_id])
        docs.setdefault(p.doc_id, {})[p.lang] = Reading(
            p.slug,
            p.title,
            p.category or "",
            gates_of(p),
            index.summary(parts),
            parts,
            date_text(p.approved_at),
        )
    entries = [
        bundle.Entry(
            slug=r.slug,
            lang=code,
            title=r.title,
            summary=r.summary,
            body=" ".join(text for _, text in r.blocks),
            category=r.category,
            gates=list(r.gates),
            updated=r.updated,
        )
        for langs in docs.values()
        for code, r in langs.items()
    ]
    files, buckets = data_files(docs, site)
    with tempfile.TemporaryDirectory(prefix="trilingo-kiosk-") as tmp:
        digests = bundle.build(entries, Path(tmp))
        data = (Path(tmp) / bundle.DATABASE).read_bytes()
    for rel, content in files.items():
        digests[rel] = sha256(content)
    build = sha256("".join(f"{k}{v}" for k, v in sorted(digests.items())))[:12]
    # The page asks for this file when it has been idle: a new build means a new bundle, so it reloads.
    files[index.VERSION] = index.script("version", build)
    digests[index.VERSION] = sha256(files[index.VERSION])
    page = page_html(docs, site, build, buckets)
    digests[bundle.PAGE] = sha256(page)
    version = bundle.bundle_version(entries, sha256("".join(sorted(digests.values()))))
    result.version = version
    # The data files first, then the database and the page, the manifest last: a device that sees a new
    # manifest finds the files it names already there. Files whose bytes did not change are not written.
    for rel, content in files.items():
        ledger.put(rel, functools.partial(str, content), key=sha256(content))
    ledger.put(bundle.DATABASE, lambda: data, key=key)
    ledger.put(bundle.PAGE, lambda: page, key=key)
    ledger.put(bundle.MANIFEST, lambda: bundle.manifest(digests, version), key=key)
    ledger.prune()  # the files of documents no longer shown, and of buckets no longer used
    ledger.commit()
    result.written, result.unchanged = ledger.written, ledger.unchanged
    return result


@dataclass(frozen=True)
class Reading:
    """One document-language as the kiosk shows it."""

    slug: str
    title: str
    category: str
    gates: tuple[str, ...]
    summary: str
    blocks: list[list[str]]
    updated: str

    def card(self) -> list[str]:
        """What a result list shows: title, summary, date."""
        return [self.title, self.summary, self.updated]


def _category_number(site: SiteSettings) -> dict[str, int]:
    return {c.key: n for n, c in enumerate(site.categories)}


def _newest_first(docs: dict[int, dict[str, Reading]]) -> list[int]:
    return sorted(docs, key=lambda d: (max(r.updated for r in docs[d].values()), d), reverse=True)


def data_files(docs: dict[int, dict[str, Reading]], site: SiteSettings) -> tuple[dict[str, str], int]:
    """Every data file of the page (index.DATA_DIR) by its path in the bundle, and the number of index
    buckets (the page carries it: it names the files a query needs)."""
    found = index.Index()
    files: dict[str, str] = {}
    numbers = _category_number(site)
    members: dict[int, list[int]] = {}
    for doc in _newest_first(docs):
        langs = docs[doc]
        for r in langs.values():
            found.add(doc, r.title + "\n" + "\n".join(text for _, text in r.blocks))
        first = next(iter(langs.values()))
        if first.category in numbers:
            members.setdefault(numbers[first.category], []).append(doc)
    for group, ids in index.grouped(docs, index.SUMMARY_GROUP).items():
        cards = {doc: {code: r.card() for code, r in docs[doc].items()} for doc in ids}
        files[f"{index.SUMMARY_DIR}{group}.js"] = index.script("sum", group, cards)
    for group, ids in index.grouped(docs, index.DOC_GROUP).items():
        whole = {doc: _whole(docs[doc], numbers) for doc in ids}
        files[f"{index.DOC_DIR}{group}.js"] = index.script("doc", group, whole)
    buckets = index.bucket_count(found.postings())
    for n, table in enumerate(found.buckets(buckets)):
        files[f"{index.INDEX_DIR}{n}.js"] = index.script("idx", n, table)
    for n, ids in sorted(members.items()):
        files[f"{index.CATEGORY_DIR}{n}.js"] = index.script("cat", n, ids)
    return files, buckets


def _whole(langs: dict[str, Reading], numbers: dict[str, int]) -> dict[str, object]:
    """A notice as the reader shows it, in every language it is published in."""
    first = next(iter(langs.values()))
    return {
        "slug": first.slug,
        "category": numbers.get(first.category),
        "gates": list(first.gates),
        "langs": {
            code: {"title": r.title, "updated": r.updated, "blocks": r.blocks} for code, r in langs.items()
        },
    }


LATEST = 8  # notices on the home screen


def page_html(docs: dict[int, dict[str, Reading]], site: SiteSettings, build: str, buckets: int) -> str:
    strings = {}
    for code in ALL:
        gettext = ui.translations(code).gettext
        strings[code] = {msgid: gettext(msgid) for msgid in ui.KIOSK}
        strings[code]["office"] = site.office.get(code) or site.office[SOURCE]
        strings[code]["address"] = site.address.get(code) or site.address.get(SOURCE, "")
    latest = _newest_first(docs)[:LATEST]
    counts: dict[int, int] = {}
    numbers = _category_number(site)
    for langs in docs.values():
        number = numbers.get(next(iter(langs.values())).category)
        if number is not None:
            counts[number] = counts.get(number, 0) + 1
    data = {
        "source": SOURCE,
        "languages": {
            c: {"html": LANGUAGES[c].html, "name": LANGUAGES[c].native, "font": LANGUAGES[c].font}
            for c in ALL
        },
        "ui": strings,
        "phone": site.phone,
        "email": site.email,
        "example": site.example,
        "gates": [{"names": g.names, "hours": g.hours} for g in site.gates],
        "categories": [
            {"n": n, "names": c.names, "count": counts[n]}
            for n, c in enumerate(site.categories)
            if counts.get(n)
        ],
        "latest": [{"id": d, "langs": {code: r.card() for code, r in docs[d].items()}} for d in latest],
        "documents": len(docs),
        "buckets": buckets,
        "group": index.SUMMARY_GROUP,
        "docGroup": index.DOC_GROUP,
        "build": build,
        "built": utcnow().strftime("%Y-%m-%d"),
        "idle": site.kiosk_idle_seconds,
        "rules": index.rules(),
        "dirs": {
            "i": index.INDEX_DIR,
            "s": index.SUMMARY_DIR,
            "n": index.DOC_DIR,
            "c": index.CATEGORY_DIR,
            "version": index.VERSION,
        },
    }
    return (
        environment(SOURCE)
        .get_template("kiosk.html")
        .render(
            office=site.office[SOURCE],
            languages=[{"code": c, "hreflang": LANGUAGES[c].html, "name": LANGUAGES[c].native} for c in ALL],
            data=data,
        )
    )


class Kiosk(FileChannel):
    """The offline lookup bundle for the self-service kiosks."""

    name = CHANNEL

    def publish(self, session: Session, target: Target) -> PublishSummary:
        done = publish_kiosk(session, target.folder, target.documents, target.site)
        return PublishSummary(self.name, done.written, done.unchanged)


channel = Kiosk()
