"""The channels' own interface strings: gettext catalogs in catalogs/<lang>/LC_MESSAGES/trilingo.po.

The templates mark their strings with `_()`; `extract()` finds them (Jinja's Babel extractor, which
needs no Babel), `catalogs/trilingo.pot` holds them, and each language's PO file translates them.
The PO files are compiled to MO with polib and loaded through the standard `gettext` module, in
memory: nothing is written beside the installed package.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import polib

from trilingo.languages import ALL

DOMAIN = "trilingo"


def templates_dir() -> Path:
    return Path(str(resources.files("trilingo.channels").joinpath("templates")))


def catalogs_dir() -> Path:
    return Path(str(resources.files("trilingo.catalogs")))


def po_path(lang: str) -> Path:
    return catalogs_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang`.

    Unlike msgfmt, fuzzy entries are compiled too: the shipped Lao and Chinese strings are fuzzy until
    a native speaker confirms them (`catalogs ui-status` lists them), and an unconfirmed Lao label
    serves a Lao visitor better than the English fallback. Empty translations fall back to English, and
    so does a language added to the registry that has no catalog yet."""
    if not po_path(lang).is_file():
        return gettext.NullTranslations()
    po = polib.pofile(str(po_path(lang)))
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    return gettext.GNUTranslations(io.BytesIO(po.to_binary()))


# The kiosk page's own strings: its script shows them, in the language the visitor chose.
KIOSK = [
    "Search the notices",
    "No notice matches.",
    "Search",
    "Latest notices",
    "Categories",
    "Opening hours",
    "Back",
    "Home",
    "About this kiosk",
    "Results: {n}",
    "Notices",
    "Searching…",
    "Read in",
    "This notice is not translated into this language yet; it is shown in {language}.",
    "Updated {date}",
    "Bundle",
    "Built on",
    "Contact",
    "Phone",
    "Email",
    "Office details are an example.",
    "The screen goes back to the start after {n} seconds without a touch.",
]

# Strings the channels translate in Python rather than in a template.
IN_CODE = [
    *KIOSK,
    # 404.html speaks every language, each from its own catalog (site_view.not_found).
    "Page not found",
    "This page does not exist or has moved.",
    # The leaflet's footer, in each section's language (leaflets.leaflet_html).
    "Printed",
]


def extract() -> list[str]:
    """Every message id the templates (then the code) use, in order of first use."""
    from jinja2.ext import babel_extract

    found: list[str] = []
    for path in sorted(templates_dir().iterdir()):
        if path.suffix not in (".html", ".xml"):
            continue
        with path.open("rb") as fh:
            for _line, _func, message, _comments in babel_extract(
                fh, ("_", "gettext", "ngettext"), [], {"extensions": "jinja2.ext.i18n"}
            ):
                text = message if isinstance(message, str) else (message or (None,))[0]
                if text and text not in found:
                    found.append(text)
    return found + [m for m in IN_CODE if m not in found]


def new_template(project: str) -> polib.POFile:
    """An empty template with the headers both interface domains' .pot files carry."""
    pot = polib.POFile(wrapwidth=0)
    pot.metadata = {
        "Project-Id-Version": project,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    return pot


def template_pot() -> polib.POFile:
    pot = new_template("Trilingo channels")
    for msgid in extract():
        pot.append(polib.POEntry(msgid=msgid, msgstr=""))
    return pot


@dataclass
class UIStatus:
    lang: str
    total: int
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)  # shipped or machine text that needs a native review
    missing: list[str] = field(default_factory=list)  # used by a template, absent from the catalog


def status() -> list[UIStatus]:
    return catalog_status(extract(), po_path, ALL)


def catalog_status(wanted: list[str], path_of: Callable[[str], Path], langs: Sequence[str]) -> list[UIStatus]:
    """Each language's catalog against the msgids `wanted`: untranslated, fuzzy, and missing ones."""
    out = []
    for lang in langs:
        path = path_of(lang)
        po = polib.pofile(str(path)) if path.is_file() else polib.POFile()
        entries = {e.msgid: e for e in po if not e.obsolete}
        done = {k for k, e in entries.items() if e.msgstr or any(e.msgstr_plural.values())}
        out.append(
            UIStatus(
                lang,
                len(wanted),
                untranslated=[m for m in wanted if m in entries and m not in done],
                fuzzy=[m for m in wanted if m in done and entries[m].fuzzy],
                missing=[m for m in wanted if m not in entries],
            )
        )
    return out
