"""Writing to the append-only audit log: events are recorded in a transaction and written, chained and
MAC'ed (trilingo.store.auditchain), when it commits; a rollback (or a savepoint's) drops them.

Writing at the commit, not when recorded: the chain needs the MAC of the event before, and on
PostgreSQL the writers take turns from the append to the commit; holding that turn for the whole of a
long transaction (a 500-notice submit) would stall every reviewer meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session

from trilingo.identity import proved_account
from trilingo.store.auditchain import KEYRING, append
from trilingo.store.values import utcnow

_PENDING = "trilingo_audit_pending"  # session.info: the events recorded in this transaction
_SAVEPOINTS = "trilingo_audit_savepoints"


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
) -> None:
    """One event, written when the session's transaction commits (and dropped if it rolls back)."""
    record_rows(
        session,
        [
            {
                "at": utcnow(),
                "actor": actor,
                "action": action,
                "document_id": document_id,
                "lang": lang,
                "segment_id": segment_id,
                "old": old,
                "new": new,
                "detail": detail,
            }
        ],
    )


def record_rows(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Many events at once (a bulk submit): dicts with `at`, `actor`, `action` and any other columns.

    An event whose actor is not the account that proved itself (a local admin acting `--as` someone)
    records that account as `via`."""
    proved = proved_account()
    pending = session.info.setdefault(_PENDING, [])
    for row in rows:
        pending.append(
            {
                "at": row["at"],
                "actor": row["actor"],
                "via": row.get("via") or (proved if proved and proved != row["actor"] else None),
                "action": row["action"],
                "document_id": row.get("document_id"),
                "lang": row.get("lang"),
                "segment_id": row.get("segment_id"),
                "old": row.get("old"),
                "new": row.get("new"),
                # As the JSON column will give it back: the MAC is over what is read later.
                "detail": json.loads(json.dumps(row.get("detail") or {})),
            }
        )


def write_before_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if pending:
        append(session.connection(), pending, KEYRING.get())


def drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_SAVEPOINTS, None)


def mark_savepoint(session: Session, transaction: Any) -> None:
    """What a savepoint (begin_nested) undoes, its events go with it: remember where they started."""
    if transaction.nested:
        session.info.setdefault(_SAVEPOINTS, {})[transaction] = len(session.info.get(_PENDING, []))


def forget_savepoints(session: Session) -> None:
    session.info.pop(_SAVEPOINTS, None)


def undo_savepoint(session: Session, previous_transaction: Any) -> None:
    start = session.info.get(_SAVEPOINTS, {}).pop(previous_transaction, None)
    if start is not None and _PENDING in session.info:
        del session.info[_PENDING][start:]
