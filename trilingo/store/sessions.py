"""Trilingo's own session class, and the hooks every one of its transactions runs.

The hooks are registered here, on TrilingoSession, and not on SQLAlchemy's global Session class: a
session made for some other purpose (a test's, a library's) runs none of them, and a reader of this file
sees every hook a commit runs, in the order it runs them:

- the counts the queue and status read are kept (trilingo.store.counts), then
- the audit events recorded in the transaction are chained and written (trilingo.store.audit).

The publish ledger (trilingo.channels.ledger) adds its own two hooks, on this class, when it is loaded:
only a process that publishes has them.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import Session

from trilingo.store import audit, counts


class TrilingoSession(Session):
    """A session whose commit keeps the counts and writes the audit log. Make every session with it."""


_HOOKS = (
    ("before_flush", counts.note_translations),
    ("before_commit", counts.recount_marked),  # before the audit: it flushes the commit's last writes
    ("after_rollback", counts.forget_marks),
    ("before_commit", audit.write_before_commit),
    ("after_rollback", audit.drop_pending),
    ("after_transaction_create", audit.mark_savepoint),
    ("after_commit", audit.forget_savepoints),
    ("after_soft_rollback", audit.undo_savepoint),
)
for _name, _hook in _HOOKS:
    event.listen(TrilingoSession, _name, _hook)
