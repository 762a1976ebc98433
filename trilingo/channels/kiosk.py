"""The kiosk channel: publishing the kiosk bundle from the live releases (channels.kiosk_bundle builds,
searches and verifies the bundle itself)."""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from trilingo.channels import FileChannel, PublishSummary, Target, ui
from trilingo.channels import kiosk_bundle as bundle
from trilingo.channels.ledger import Ledger
from trilingo.channels.pages import (
    bodies,
    by_document,
    date_text,
    environment,
    gates_of,
    live_pages,
    plain_text,
    renderer_version,
    summary,
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
    """Rebuild the bundle when what it holds changed (the whole bundle: a device swaps it whole)."""
    del documents  # the bundle is one file: any change rebuilds it
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
        renderer_version(__file__)
        + repr(site)
        + "|".join(f"{p.slug}{p.lang}{p.content_hash}{p.approved_at}" for p in shown)
    )
    ledger = Ledger(session, CHANNEL, out_dir, mode=site.file_mode)
    result = KioskSummary(documents=len({p.doc_id for p in shown}))
    if ledger.is_current(bundle.MANIFEST, key) and ledger.is_current(bundle.DATABASE, key):
        result.unchanged = 3
        return result
    texts = bodies(session, [p.release_id for p in shown])
    entries = [
        bundle.Entry(
            slug=p.slug,
            lang=p.lang,
            title=p.title,
            summary=summary(texts[p.release_id]),
            body=plain_text(texts[p.release_id]),
            category=p.category or "",
            gates=list(gates_of(p)),
            updated=date_text(p.approved_at),
        )
        for p in sorted(shown, key=lambda p: (p.slug, ALL.index(p.lang)))
    ]
    with tempfile.TemporaryDirectory(prefix="trilingo-kiosk-") as tmp:
        digests = bundle.build(entries, Path(tmp))
        data = (Path(tmp) / bundle.DATABASE).read_bytes()
    page_html = _page(entries, site, digests[bundle.DATABASE])
    digests[bundle.PAGE] = sha256(page_html)
    version = bundle.bundle_version(entries, sha256("".join(sorted(digests.values()))))
    result.version = version
    # The manifest goes last: a device that sees a new manifest finds the files it names already there.
    ledger.put(bundle.DATABASE, lambda: data, key=key)
    ledger.put(bundle.PAGE, lambda: page_html, key=key)
    ledger.put(bundle.MANIFEST, lambda: bundle.manifest(digests, version), key=key)
    ledger.commit()
    result.written, result.unchanged = ledger.written, ledger.unchanged
    return result


def _page(entries: list[bundle.Entry], site: SiteSettings, digest: str) -> str:
    strings = {}
    for code in ALL:
        gettext = ui.translations(code).gettext
        strings[code] = {
            "office": site.office.get(code) or site.office[SOURCE],
            "placeholder": gettext("Search the notices"),
            "none": gettext("No notice matches."),
            "html": LANGUAGES[code].html,
        }
    return (
        environment(SOURCE)
        .get_template("kiosk.html")
        .render(
            office=site.office[SOURCE],
            languages=[{"code": c, "hreflang": LANGUAGES[c].html, "name": LANGUAGES[c].native} for c in ALL],
            data=bundle.page_data(entries, strings),
            version=f"{digest[:12]}",
        )
    )


class Kiosk(FileChannel):
    """The offline lookup bundle for the self-service kiosks."""

    name = CHANNEL

    def publish(self, session: Session, target: Target) -> PublishSummary:
        done = publish_kiosk(session, target.folder, target.documents, target.site)
        return PublishSummary(self.name, done.written, done.unchanged)


channel = Kiosk()
