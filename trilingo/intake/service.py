"""Submitting notices end to end: store them all (or none), then put the Vietnamese originals online."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine as Database

from trilingo.channels.publish import publish_channel
from trilingo.intake.submit import Submitted, submit
from trilingo.store.db import session_scope
from trilingo.text.frontmatter import Notice


def submit_notices(db: Database, notices: Sequence[Notice], actor: str, public_dir: Path) -> list[Submitted]:
    """Store every notice in one transaction; then publish the web channel, whose Vietnamese pages need no review.

    Publishing is a second transaction on purpose: the text is safe even if writing the pages fails,
    and the next publish writes them."""
    with session_scope(db) as session:
        results = [submit(session, notice, actor) for notice in notices]
    with session_scope(db) as session:
        publish_channel(session, "web", public_dir, actor)
    return results
