"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from trilingo.store.models import AuditEvent, User, utcnow


def ensure_user(session: Session, name: str) -> User:
    """The user row for `name`, made on first use; looked up once per session."""
    cached = session.info.setdefault("trilingo.users", {})
    if name in cached:
        return cached[name]
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    cached[name] = user
    return user


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
