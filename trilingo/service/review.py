"""The reviewer's operations: show, history, edit, approve, reject, dismiss, comment, claim and give back.

Each is one call into review.actions or review.queue inside one transaction, as the caller. What
follows an action (the approval's event for `trilingo serve`) happens here, so the CLI and the
Trilingo server do the same thing.
"""

from __future__ import annotations

from typing import Any

from trilingo.i18n import N_
from trilingo.service.context import Context


def show(ctx: Context, document: str, lang: str, diff: bool = False) -> Any:
    """One document-language, segment by segment: glossary terms, checks, suggestions, comments."""
    from trilingo.glossary.store import load
    from trilingo.people import authorize
    from trilingo.review.view import show as load_view

    with ctx.session(write=False) as session:
        authorize(session, ctx.actor, "read")
        return load_view(
            session, document, lang, load(session), diff=diff, limits=ctx.settings.limits.channel_limits()
        )


def history(ctx: Context, document: str, lang: str) -> Any:
    """Who did what, when, oldest first."""
    from trilingo.people import authorize
    from trilingo.review.view import history as load_history

    with ctx.session(write=False) as session:
        authorize(session, ctx.actor, "read")
        return load_history(session, document, lang)


def edit(
    ctx: Context,
    document: str,
    lang: str,
    segment: int,
    text: str | None = None,
    suggestion: int | None = None,
    expect: int | None = None,
) -> Any:
    """A person's text for one segment: given, or memory suggestion number `suggestion`."""
    from trilingo.errors import InputError
    from trilingo.review import actions

    if (text is None) == (suggestion is None):
        raise InputError(N_("give the new text or the number of a suggestion, not both and not neither"))
    with ctx.session() as session:
        if suggestion is not None:
            text = actions.suggestion(session, document, lang, segment, suggestion)
        assert text is not None
        return actions.edit(
            session,
            document,
            lang,
            segment,
            text,
            ctx.actor,
            expected=expect,
            limits=ctx.settings.limits.channel_limits(),
        )


def approve(ctx: Context, document: str, lang: str, accept_warnings: str | None = None) -> Any:
    """Approve a translation (the four-eyes rule as the workspace sets it); `trilingo serve` hears of it."""
    from trilingo.events import APPROVED, documents_payload
    from trilingo.review import actions

    with ctx.session() as session:
        out = actions.approve(
            session,
            document,
            lang,
            ctx.actor,
            accept_warnings=accept_warnings,
            limits=ctx.settings.limits.channel_limits(),
        )
    ctx.emit(APPROVED, documents_payload([out.slug], lang=out.lang))
    return out


def reject(ctx: Context, document: str, lang: str, reason: str, code: str = "other") -> Any:
    from trilingo.review import actions

    with ctx.session() as session:
        return actions.reject(session, document, lang, reason, ctx.actor, code=code)


def dismiss(ctx: Context, document: str, lang: str, segment: int, check: str, reason: str) -> Any:
    from trilingo.review import actions

    with ctx.session() as session:
        return actions.dismiss(session, document, lang, segment, check, reason, ctx.actor)


def comment(ctx: Context, document: str, lang: str, text: str, segment: int | None = None) -> Any:
    from trilingo.review import actions

    with ctx.session() as session:
        return actions.comment(session, document, lang, text, ctx.actor, segment)


def claim_next(ctx: Context, lang: str, minutes: int = 30) -> Any:
    """Claim the oldest waiting item in `lang` (or renew the caller's claim) and show it; None if nothing
    waits."""
    from trilingo.review import actions
    from trilingo.store.documents import slug_of

    with ctx.session() as session:
        claimed = actions.claim_next(session, lang, ctx.actor, minutes=minutes)
        slug = slug_of(session, claimed.document_id) if claimed else None
    return None if slug is None else show(ctx, slug, lang)


def release(ctx: Context, document: str, lang: str) -> Any:
    """Give a claimed item back to the queue."""
    from trilingo.review import actions

    with ctx.session() as session:
        return actions.release_claim(session, document, lang, ctx.actor)
