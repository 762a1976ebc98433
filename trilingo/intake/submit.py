"""Submitting notices end to end: store them all (or none), then put the Vietnamese originals online."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import Engine as Database

from trilingo.channels.ledger import check_writable
from trilingo.channels.publish import publish_and_record
from trilingo.config import Settings
from trilingo.errors import InputError, TrilingoError
from trilingo.i18n import N_
from trilingo.intake.store import Submitted, submit_many
from trilingo.site import SiteSettings, fold
from trilingo.store.db import optimize, session_scope
from trilingo.text.frontmatter import Notice
from trilingo.text.language import detect


def check_language(notice: Notice, force: bool) -> str | None:
    """None for a Vietnamese (or unclear) notice; the language found when `force` lets another one in."""
    found = detect(notice.title + "\n" + notice.body)
    if found is None or found.vietnamese:
        return None
    if not force:
        raise InputError(
            N_(
                "{notice}: this notice looks {language} ({confidence:.0%} sure), not Vietnamese; nothing was "
                "stored. If it really is Vietnamese, submit it with --force-language"
            ).format(
                notice=notice.source or notice.slug, language=found.language, confidence=found.confidence
            )
        )
    return found.language


BULK = 100  # document-languages changed by one submit: from here on, refresh the planner's statistics


def _suggest(given: str, known: Sequence[str]) -> list[str]:
    """The known names closest to `given` (rapidfuzz, compared without tone marks or case): the best,
    and another as close; none when nothing is close enough to be what was meant."""
    from rapidfuzz import fuzz, process

    found = process.extract(given, list(known), scorer=fuzz.WRatio, processor=fold, limit=2, score_cutoff=75)
    return [name for name, score, _i in found if score >= found[0][1] - 3]


def _unknown(where: str, what: str, given: str, known: Sequence[str]) -> InputError:
    """One line for an unknown category or gate: the closest known names, else all of them."""
    if suggestions := _suggest(given, known):
        message = UNKNOWN[what]["suggest"].format(
            where=where, given=given, suggestions=", ".join(repr(s) for s in suggestions)
        )
    elif known:
        message = UNKNOWN[what]["known"].format(
            where=where, given=given, known=", ".join(repr(k) for k in known)
        )
    else:
        message = UNKNOWN[what]["none"].format(where=where, given=given)
    return InputError(message)


UNKNOWN = {
    "category": {
        "suggest": N_("{where}: unknown category {given!r}; did you mean {suggestions}?"),
        "known": N_("{where}: unknown category {given!r}; the site's categories: {known}"),
        "none": N_(
            "{where}: unknown category {given!r}; the site lists no categories ([site] categories in "
            "config.toml)"
        ),
    },
    "gate": {
        "suggest": N_("{where}: unknown gate {given!r}; did you mean {suggestions}?"),
        "known": N_("{where}: unknown gate {given!r}; the site's gates: {known}"),
        "none": N_("{where}: unknown gate {given!r}; the site lists no gates ([site] gates in config.toml)"),
    },
}


def check_site_lists(notice: Notice, site: SiteSettings) -> tuple[Notice, list[str]]:
    """The notice with its category as the site spells it, and what to tell the editor about it.

    A notice's category and gates must be the site's: `[site]` in config.toml, or the shipped example,
    which lists the real gates and categories. A misspelt category would make a public category page of
    its own; an unknown gate shows no name and reaches no screen, and `../../etc` is not a gate. Each is
    refused with the closest known names. A category written without its tone marks (or in other case
    or spacing: `thong bao`) that folds to one known category alone is that category: it would share
    its page and address anyway. It is stored as the site spells it, and the editor is told."""
    where = notice.source or notice.slug
    notes: list[str] = []
    if notice.category:
        keys = [c.key for c in site.categories]
        if notice.category not in keys:
            found = site.folded_category(notice.category)
            if found is None:
                raise _unknown(where, "category", notice.category, keys)
            notes.append(
                N_("Note: {where}: category {given!r} is stored as the site's {category!r}").format(
                    where=where, given=notice.category, category=found.key
                )
            )
            notice = replace(notice, category=found.key)
    gate_ids = [g.id for g in site.gates]
    for gate in notice.gates:
        if gate not in gate_ids:
            raise _unknown(where, "gate", gate, gate_ids)
    return notice, notes


def goes_to_screens(notice: Notice) -> bool:
    """Whether the gate screens show the notice: it names gates, and the screens among its channels
    (none named means every channel)."""
    from trilingo.channels.screens import CHANNEL

    return bool(notice.gates) and (not notice.channels or CHANNEL in notice.channels)


def screen_warning(notice: Notice) -> str | None:
    """A warning for a notice the screens show that has no `screen:` summary of its own."""
    if notice.screen is not None or not goes_to_screens(notice):
        return None
    return N_(
        "Warning: {where}: it goes to the gate screens ({gates}) without a `screen:` summary; they show "
        "its first paragraph, shortened. Give `screen:` in its front matter to choose the text"
    ).format(where=notice.source or notice.slug, gates=", ".join(notice.gates))


def _one_file_per_slug(notices: Sequence[Notice]) -> None:
    """Two files of one submit with the same slug: which would be the notice is not for Trilingo to guess."""
    first: dict[str, Notice] = {}
    for notice in notices:
        if (other := first.setdefault(notice.slug, notice)) is not notice:
            raise InputError(
                N_("{first} and {second} have the same slug {slug}; submit one of them").format(
                    first=other.source or other.slug, second=notice.source or notice.slug, slug=notice.slug
                )
            )


def submit_notices(
    db: Database,
    notices: Sequence[Notice],
    actor: str,
    public_dir: Path,
    *,
    force_language: bool = False,
    settings: Settings | None = None,
    update: bool = False,
    note: Callable[[str], None] | None = None,
) -> list[Submitted]:
    """Store every notice in one transaction; then publish the web channel, whose Vietnamese pages need no review.

    A notice that is confidently not Vietnamese is refused before anything is stored, unless
    `force_language`; then the override is in the submit's audit event. Publishing is a second
    transaction on purpose: the text is safe even if writing the pages fails, and the next publish
    writes them. `settings` (the workspace's) give the site's gates and categories to check against.
    `update`: a notice whose slug was made from its title may replace the document with that slug (one
    with `slug:` always may). `note` is told what the editor should know (a category spelt otherwise, a
    notice for the screens without a `screen:` summary), once everything is stored."""
    _one_file_per_slug(notices)
    site = settings.site if settings is not None else None
    notes: list[str] = []
    if site is not None:
        checked = [check_site_lists(notice, site) for notice in notices]
        notices = [notice for notice, _notes in checked]
        notes = [line for _notice, said in checked for line in said]
    notes += [warning for n in notices if (warning := screen_warning(n))]
    forced = {n.slug: check_language(n, force_language) for n in notices}
    # The pages are part of a submit: a public/ that cannot take them stops it before anything is stored.
    check_writable(public_dir / "web", site.file_mode if site is not None else 0o644)
    with session_scope(db) as session:
        results = submit_many(
            session,
            notices,
            actor,
            forced_languages={slug: lang for slug, lang in forced.items() if lang},
            update=update,
        )
    if sum(len(r.changed) for r in results) >= BULK:
        optimize(
            db
        )  # planner statistics after a bulk load; for a few notices ANALYZE costs more than it helps
    try:
        # The pages of every notice named, not only the new versions': a submit killed after storing
        # (or pages deleted since) is put right by running it again. Unchanged pages are not rewritten.
        publish_and_record(db, "web", public_dir, actor, documents={r.id for r in results}, settings=settings)
    except TrilingoError as exc:
        stored = ", ".join(r.slug for r in results)
        raise type(exc)(
            N_(
                "{stored} was stored, but publishing the Vietnamese pages failed: {reason} "
                "(`trilingo publish` writes them once that is fixed)"
            ).format(stored=stored, reason=exc.message)
        ) from None
    finally:
        if note is not None:
            for line in notes:
                note(line)
    return results
