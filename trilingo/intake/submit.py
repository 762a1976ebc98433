"""Submitting notices end to end: store them all (or none), then put the Vietnamese originals online."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine as Database

from trilingo.channels.ledger import check_writable
from trilingo.channels.publish import publish_and_record
from trilingo.config import Settings
from trilingo.errors import InputError, TrilingoError
from trilingo.i18n import N_
from trilingo.intake.store import Submitted, submit_many
from trilingo.site import SiteSettings
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


def check_site_lists(notice: Notice, site: SiteSettings) -> None:
    """A notice's gates must be the site's ([site] in config.toml, or the shipped example's, which
    lists the real gates): an unknown gate shows no name and reaches no screen, and `../../etc` is not a
    gate. A workspace that lists its own categories accepts only those: a misspelt category would make
    a category page of its own."""
    where = notice.source or notice.slug
    known_categories = [] if site.example else [c.key for c in site.categories]
    if known_categories and notice.category and notice.category not in known_categories:
        raise InputError(
            N_("{where}: unknown category {category!r} (known: {known}); nothing was stored").format(
                where=where, category=notice.category, known=", ".join(known_categories)
            )
        )
    known_gates = [g.id for g in site.gates]
    unknown = [g for g in notice.gates if g not in known_gates]
    if known_gates and unknown:
        raise InputError(
            N_("{where}: unknown gate {gate!r} (known: {known}); nothing was stored").format(
                where=where, gate=unknown[0], known=", ".join(known_gates)
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
) -> list[Submitted]:
    """Store every notice in one transaction; then publish the web channel, whose Vietnamese pages need no review.

    A notice that is confidently not Vietnamese is refused before anything is stored, unless
    `force_language`; then the override is in the submit's audit event. Publishing is a second
    transaction on purpose: the text is safe even if writing the pages fails, and the next publish
    writes them. `settings` (the workspace's) give the site's gates and categories to check against."""
    site = settings.site if settings is not None else None
    if site is not None:
        for notice in notices:
            check_site_lists(notice, site)
    forced = {n.slug: check_language(n, force_language) for n in notices}
    # The pages are part of a submit: a public/ that cannot take them stops it before anything is stored.
    check_writable(public_dir / "web", site.file_mode if site is not None else 0o644)
    with session_scope(db) as session:
        results = submit_many(
            session, notices, actor, forced_languages={slug: lang for slug, lang in forced.items() if lang}
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
    return results
