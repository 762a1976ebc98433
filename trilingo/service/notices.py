"""The editor's operations: submit notices, and take published content down again.

Submit stores every notice (or none), writes their Vietnamese pages and tells `trilingo serve`;
retract records the retraction, takes the release off the channels at once, and tells `serve` too.
"""

from __future__ import annotations

from typing import Any

from trilingo.service.context import Context
from trilingo.text.files import Upload


def submit(ctx: Context, files: list[Upload], force_language: bool = False) -> Any:
    """Check every file before anything is stored; then store them all, or none."""
    from trilingo import progress
    from trilingo.events import SUBMITTED, documents_payloads
    from trilingo.intake.service import submit_notices
    from trilingo.text.frontmatter import read_notice

    if not files:
        from trilingo.errors import InputError

        raise InputError("no notice was given")
    limits = ctx.settings.limits
    progress.begin("Reading notices", len(files))
    notices = []
    for f in files:
        notices.append(read_notice(f, limits))
        progress.advance()
    progress.begin(f"Storing {len(notices)} notice(s) and writing their Vietnamese pages", None)
    results = submit_notices(
        ctx.database(),
        notices,
        ctx.actor,
        ctx.settings.public_dir,
        force_language=force_language,
        site=ctx.site,
    )
    changed = [r.slug for r in results if r.created]
    if changed:
        ctx.emit(SUBMITTED, documents_payloads(changed))
    return results


def retract(
    ctx: Context, document: str, reason: str, lang: str | None = None, channel: str | None = None
) -> dict[str, Any]:
    """Take the live release of `document` down now, from every channel or one."""
    from trilingo.channels.publish import PUBLISHERS, publish_channel
    from trilingo.channels.retract import retract as do_retract
    from trilingo.errors import TrilingoError
    from trilingo.events import RETRACTED, documents_payload

    with ctx.session() as session:
        done = do_retract(session, document, ctx.actor, reason, lang, channel)
    removed: list[str] = []
    try:
        with ctx.session() as session:
            for name in [channel] if channel else PUBLISHERS:
                summary = publish_channel(
                    session,
                    name,
                    ctx.settings.public_dir,
                    ctx.actor,
                    documents={done.document},
                    site=ctx.site,
                )
                removed += [f"{name}/{rel}" for rel in summary.removed]
    except TrilingoError as exc:
        raise type(exc)(
            f"{done.slug} is retracted, but taking it off the channels failed: {exc.message} "
            "(`trilingo publish` finishes it once that is fixed)"
        ) from None
    ctx.emit(RETRACTED, documents_payload([done.slug], langs=list(done.langs)))
    return {"retracted": done, "removed": removed}
