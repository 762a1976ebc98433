"""The workspace's rules that protect the public, kept in its database (the `setting` table).

Only an admin changes one, with a reason, and the change is audited. No rule is read from a person's
environment or a command-line flag: `TRILINGO_FOUR_EYES=off` used to switch the four-eyes rule off
for one command, and nothing recorded it. Every approval event says whether the rule applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.store.tables import setting
from trilingo.store.values import aware, utcnow
from trilingo.text.clean import check_text, clean_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

ON = ("on", "true", "yes", "1")
OFF = ("off", "false", "no", "0")


def _on_off(text: str) -> bool:
    value = text.strip().lower()
    if value in ON:
        return True
    if value in OFF:
        return False
    raise InputError(N_("expected on or off, got {text!r}").format(text=text))


@dataclass(frozen=True)
class Rule:
    default: Any
    parse: Callable[[str], Any]
    means: str  # one line for `settings show`


RULES: dict[str, Rule] = {
    "four_eyes": Rule(
        True,
        _on_off,
        N_(
            "nobody approves a segment whose text they were the last to change (off only in a one-person office)"
        ),
    ),
}
# Kept in the same table, but set by Trilingo itself, never by `settings set`.
AUDIT_VERIFIED = "audit.verified"


@dataclass(frozen=True)
class Value:
    key: str
    value: Any
    default: bool  # never set: the default applies
    updated_at: datetime | None
    updated_by: str | None
    means: str


def read(conn: Connection, key: str) -> Any:
    """The rule's value in this workspace (its default until an admin sets it)."""
    found = conn.execute(select(setting.c.value).where(setting.c.key == key)).first()
    if found is not None:
        return found.value
    rule = RULES.get(key)
    return rule.default if rule else None


def four_eyes(session: Session) -> bool:
    return bool(read(session.connection(), "four_eyes"))


def show(conn: Connection) -> list[Value]:
    stored = {row.key: row for row in conn.execute(select(setting)).all()}
    out = []
    for key, rule in RULES.items():
        row = stored.get(key)
        out.append(
            Value(
                key,
                row.value if row else rule.default,
                row is None,
                aware(row.updated_at) if row else None,
                row.updated_by if row else None,
                rule.means,
            )
        )
    return out


def write(conn: Connection, key: str, value: Any, actor: str) -> Any:
    """Store a value (the caller checked who may, and audits it); returns the value it replaced."""
    before = conn.execute(select(setting.c.value).where(setting.c.key == key)).first()
    now = utcnow()
    if before is None:
        conn.execute(insert(setting).values(key=key, value=value, updated_at=now, updated_by=actor))
        return RULES[key].default if key in RULES else None
    conn.execute(
        update(setting).where(setting.c.key == key).values(value=value, updated_at=now, updated_by=actor)
    )
    return before.value


def change(session: Session, actor: str, key: str, text: str, reason: str) -> Value:
    """`trilingo settings set KEY VALUE --reason …`, by an admin; audited with the old and new value."""
    from trilingo.people import authorize
    from trilingo.store.audit import record

    authorize(session, actor, "settings")
    rule = RULES.get(key)
    if rule is None:
        raise InputError(
            N_("unknown setting {key!r} (known: {known})").format(key=key, known=", ".join(RULES))
        )
    value = rule.parse(text)
    why = clean_line(check_text(reason, "the reason"))
    if not why:
        raise InputError(N_("changing a workspace rule needs a reason (--reason)"))
    before = write(session.connection(), key, value, actor)
    record(session, actor, "setting", old=str(before), new=str(value), key=key, reason=why)
    return next(v for v in show(session.connection()) if v.key == key)
