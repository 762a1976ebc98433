"""The editor's operations: submit notices, and take published content down again.

Submit stores every notice (or none), writes their Vietnamese pages and tells `trilingo serve`;
retract records the retraction, takes the release off the channels at once, and tells `serve` too.
"""

from __future__ import annotations

from typing import Any

from trilingo.i18n import N_
from trilingo.service.context import Context
from trilingo.text.files import Upload


def submit(ctx: Context, files: list[Upload], force_language: bool = False, update: bool = False) -> Any:
    """Check every file before anything is stored; then store them all, or none.

    `update`: a file without `slug:` whose title makes the slug of a stored notice is a new version of
    it; without `update` it is refused, as a new notice that happens to share a title would be."""
    from trilingo import progress
    from trilingo.events import SUBMITTED, documents_payloads
    from trilingo.intake.submit import submit_notices
    from trilingo.text.frontmatter import read_notice

    if not files:
        from trilingo.errors import InputError

        raise InputError(N_("no notice was given"))
    limits = ctx.settings.limits
    progress.begin(N_("Reading notices"), len(files))
    notices = []
    for f in files:
        notices.append(read_notice(f, limits))
        progress.advance()
    progress.begin(
        N_("Storing {count} notice(s) and writing their Vietnamese pages").format(count=len(notices)), None
    )
    results = submit_notices(
        ctx.database(),
        notices,
        ctx.actor,
        ctx.settings.public_dir,
        force_language=force_language,
        settings=ctx.settings,
        update=update,
        note=ctx.note,
    )
    changed = [r.slug for r in results if r.created]
    if changed:
        ctx.emit(SUBMITTED, documents_payloads(changed))
    return results


def retract(
    ctx: Context, document: str, reason: str, lang: str | None = None, channel: str | None = None
) -> dict[str, Any]:
    """Take the live release of `document` down now, from every channel or one."""
    from trilingo.channels import names
    from trilingo.channels.publish import finish_retractions, publish_and_record
    from trilingo.channels.retract import retract as do_retract
    from trilingo.errors import PartialFailure, TrilingoError, UnavailableError
    from trilingo.events import RETRACTED, documents_payload

    with ctx.session() as session:
        done = do_retract(session, document, ctx.actor, reason, lang, channel)
    removed: list[str] = []
    failed: list[str] = []
    undelivered: list[Any] = []  # summaries of channels that could not tell everyone (the webhook)
    db = ctx.database()
    channels = [channel] if channel else list(names())
    first: TrilingoError | None = None
    for name in channels:  # every channel is tried, whatever happened to the one before
        try:
            summary = publish_and_record(
                db, name, ctx.settings.public_dir, ctx.actor, documents={done.document}, settings=ctx.settings
            )
        except TrilingoError as exc:
            first = first or exc
            failed.append(f"{name}: {exc.message}")
            continue
        removed += [f"{name}/{rel}" for rel in summary.removed]
        if summary.undelivered:
            undelivered.append(summary)
    ctx.emit(RETRACTED, documents_payload([done.slug], langs=list(done.langs)))
    if first is not None:
        raise type(first)(
            N_(
                "{slug} is retracted, but taking it off the channels failed: {failure} (`trilingo status` "
                "shows it pending; `trilingo publish` finishes it once that is fixed)"
            ).format(slug=done.slug, failure=failed[0])
        )
    finish_retractions(db, channels, {done.document})
    for summary in undelivered:
        # Off every channel; what the portal was not told is said, and is not a plain success.
        said = N_("{slug} is retracted and off the channels, but {channel}: {undelivered}").format(
            slug=done.slug, channel=summary.channel, undelivered=summary.undelivered
        )
        if summary.failed:
            raise UnavailableError(said)
        if summary.dead_total:
            raise PartialFailure(said)
        ctx.note(f"{summary.channel}: {summary.undelivered}")
    return {"retracted": done, "removed": removed}
