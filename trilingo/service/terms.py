"""Terminology, memory and offline review: the glossary, the translation memory (TMX) and PO files.

Files come in as Uploads (their name and bytes) and go out as text, so the same operation serves a
reviewer at this machine and one across the border talking to the Trilingo server.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from keyword import iskeyword
from typing import Any

from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.languages import ALL, SOURCE, check_language
from trilingo.service.context import Context
from trilingo.text.files import Upload


def _read(ctx: Context) -> Any:
    """A read-only session, after checking that the caller may read."""
    return ctx.session(write=False)


def glossary_lookup(ctx: Context, text: str, lang: str = SOURCE) -> dict[str, Any]:
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
    terms: dict[str, str] | None = None,
    status: str = "preferred",
    domain: str | None = None,
    confidence: str | None = None,
    note: str | None = None,
    **by_lang: str | None,
) -> Any:
    """Add terms to `concept`: `terms` maps a language code to its term (vi → hộ chiếu, zh → 护照), all
    with `status`. The older form, one keyword argument per language code (vi=…, lo=…, zh=…), is
    still taken, here and over HTTP; an empty or None term is no term."""
    from trilingo.glossary.entries import TermData
    from trilingo.glossary.store import add

    given = [TermData(lang, text, status) for lang, text in _given_terms(terms, by_lang).items()]
    with ctx.session() as session:
        return add(session, ctx.actor, concept, given, domain, confidence, note)


def _given_terms(terms: Mapping[str, Any] | None, by_lang: Mapping[str, Any]) -> dict[str, str]:
    """The terms asked for, by language code in the registry's order; an unknown code is an InputError."""
    if terms is not None and not isinstance(terms, Mapping):
        raise InputError(N_("terms must map a language code to its term"))
    merged: dict[str, str] = {}
    for lang, text in [*(terms or {}).items(), *by_lang.items()]:
        if text is not None and not isinstance(text, str):
            raise InputError(N_("the {lang} term must be text").format(lang=lang))
        if not text:
            continue
        check_language(str(lang))
        if merged.get(lang, text) != text:
            raise InputError(
                N_("two different {lang} terms given: {first!r} and {second!r}").format(
                    lang=lang, first=merged[lang], second=text
                )
            )
        merged[lang] = text
    return {lang: merged[lang] for lang in ALL if lang in merged}


def _language_keywords(fn: Any) -> None:
    """Show the older form's keyword arguments, one per language code, in `fn`'s signature: the server
    (trilingo.api.params) takes the parameters a signature lists, as text. A code that cannot be a
    keyword argument (pt-BR, or a Python keyword) is given through `terms` only."""
    signature = inspect.signature(fn)
    params = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    taken = {p.name for p in params}
    for code in ALL:
        if code.isidentifier() and not iskeyword(code) and code not in taken:
            kind = inspect.Parameter.KEYWORD_ONLY
            params.append(inspect.Parameter(code, kind, default=None, annotation="str | None"))
            fn.__annotations__[code] = "str | None"
    fn.__signature__ = signature.replace(parameters=params)


_language_keywords(glossary_add)


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
        text = export(session, lang, ctx.actor, state, limits=ctx.settings.limits.channel_limits())
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
