"""Terminology, memory and offline review: the glossary, the translation memory (TMX) and PO files.

Files come in as Uploads (their name and bytes) and go out as text, so the same operation serves a
reviewer at this machine and one across the border talking to the Trilingo server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trilingo.service.context import Context
from trilingo.text.files import Upload


def _read(ctx: Context) -> Any:
    """A read-only session, after checking that the caller may read."""
    return ctx.session(write=False)


def glossary_lookup(ctx: Context, text: str, lang: str = "vi") -> dict[str, Any]:
    """The glossary terms found in `text`, with their translations (and, for a forbidden term, what to
    write instead)."""
    from trilingo.glossary.store import lookup
    from trilingo.people import authorize

    with _read(ctx) as session:
        authorize(session, ctx.actor, "read")
        glossary, matches = lookup(session, text, lang)
    found = []
    for m in matches:
        item = m.as_json()
        item["instead"] = glossary.replacement(m.info, lang) if m.status == "forbidden" else None
        found.append(item)
    return {"version": glossary.version, "matches": found}


@dataclass(frozen=True)
class Exported:
    """A file's text, for the CLI to print or write where its user says."""

    format: str
    text: str
    count: int | None = None


def glossary_export(ctx: Context, format: str = "csv") -> Exported:
    from trilingo.glossary.store import export
    from trilingo.people import authorize

    with _read(ctx) as session:
        authorize(session, ctx.actor, "read")
        return Exported(format, export(session, format))


def glossary_check(ctx: Context, lang: str | None = None) -> Any:
    from trilingo.glossary.reports import check_approved
    from trilingo.people import authorize

    with _read(ctx) as session:
        authorize(session, ctx.actor, "read")
        return check_approved(session, lang)


def glossary_impact(ctx: Context) -> dict[str, Any]:
    from trilingo.glossary.reports import impact
    from trilingo.people import authorize

    with _read(ctx) as session:
        authorize(session, ctx.actor, "read")
        version, items = impact(session)
    return {"version": version, "drafts": items}


def glossary_import(ctx: Context, file: Upload) -> Any:
    from trilingo.glossary.store import import_file

    with ctx.session() as session:
        return import_file(session, file, ctx.actor)


def glossary_add(
    ctx: Context,
    concept: str,
    vi: str | None = None,
    lo: str | None = None,
    zh: str | None = None,
    status: str = "preferred",
    domain: str | None = None,
    confidence: str | None = None,
    note: str | None = None,
) -> Any:
    from trilingo.glossary.entries import TermData
    from trilingo.glossary.store import add

    terms = [TermData(lang, text, status) for lang, text in (("vi", vi), ("lo", lo), ("zh", zh)) if text]
    with ctx.session() as session:
        return add(session, ctx.actor, concept, terms, domain, confidence, note)


def tm_import(ctx: Context, file: Upload) -> dict[str, Any]:
    from trilingo.tm.tmx import import_tmx

    with ctx.session() as session:
        report = import_tmx(session, file, ctx.actor)
    return {"file": str(file), **vars(report), "summary": report.line()}


def tm_export(ctx: Context, langs: list[str] | None = None) -> Exported:
    from trilingo.languages import TARGETS, check_target
    from trilingo.people import authorize
    from trilingo.tm.tmx import tmx_text

    wanted = [check_target(lang) for lang in langs or TARGETS]
    with _read(ctx) as session:
        authorize(session, ctx.actor, "read")
        text, count = tmx_text(session, wanted)
    return Exported("tmx", text, count)


def catalogs_export(ctx: Context, lang: str, state: str = "waiting") -> Exported:
    """A PO file of `lang`'s segments to review offline; machine drafts come flagged fuzzy."""
    from trilingo.catalogs.po import export

    with _read(ctx) as session:
        text = export(session, lang, ctx.actor, state)
    return Exported("po", text, text.count("\nmsgctxt "))


def catalogs_import(ctx: Context, file: Upload) -> Any:
    """Apply a reviewed PO file: edits through the usual checks; fully confirmed documents approved."""
    from trilingo.catalogs.po import import_file
    from trilingo.events import APPROVED, documents_payload

    with ctx.session() as session:
        report = import_file(session, file, ctx.actor, limits=ctx.settings.limits.channel_limits())
    if report.approved:
        ctx.emit(APPROVED, documents_payload(report.approved, lang=report.lang))
    return report
