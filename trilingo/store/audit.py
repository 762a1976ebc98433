"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from trilingo.store.models import AuditEvent, utcnow


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    document_id: int | None = None,
    lang: str | None = None,
    segment_id: int | None = None,
    old: str | None = None,
    new: str | None = None,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(),
        actor=actor,
        action=action,
        document_id=document_id,
        lang=lang,
        segment_id=segment_id,
        old=old,
        new=new,
        detail=detail,
    )
    session.add(event)
    return event
