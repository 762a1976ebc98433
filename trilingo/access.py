"""Who may do what: the roles' actions, and the one rule that refuses (trilingo.people applies it with
the ORM; `may_read` applies it in SQLAlchemy Core for the cold read-only commands).

Everyone known may read. An unknown name is refused, except in a workspace with nobody in it yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from trilingo.errors import Refused
from trilingo.store.tables import user
from trilingo.store.values import Role

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

E, R, OP, A = Role.EDITOR, Role.REVIEWER, Role.OPERATOR, Role.ADMIN
# action → the roles that may take it
MAY: dict[str, frozenset[Role]] = {
    "read": frozenset({E, R, OP, A}),
    "submit": frozenset({E, A}),
    "comment": frozenset({E, R, A}),
    "edit": frozenset({R, A}),
    "approve": frozenset({R, A}),
    "reject": frozenset({R, A}),
    "dismiss": frozenset({R, A}),
    "claim": frozenset({R, A}),
    "retract": frozenset({R, A}),
    "pipeline": frozenset({OP, A}),
    "glossary": frozenset({R, A}),
    "memory": frozenset({R, A}),
    "users": frozenset({A}),
}
# Actions on one language's text: a reviewer takes them only in the languages they review.
IN_LANGUAGE = frozenset({"edit", "approve", "reject", "dismiss", "claim", "retract"})
VERBS = {
    "read": "read this workspace",
    "submit": "submit notices",
    "comment": "comment",
    "edit": "edit translations",
    "approve": "approve translations",
    "reject": "reject translations",
    "dismiss": "dismiss checks",
    "claim": "claim work",
    "retract": "retract published content",
    "pipeline": "run the pipeline",
    "glossary": "change the glossary",
    "memory": "change the translation memory",
    "users": "manage users",
}


def refusal(name: str, action: str, message: str, lang: str | None = None) -> Refused:
    """A refusal, recorded in the audit log when the transaction that raised it is undone."""
    return Refused(message, audit={"actor": name, "action": "refused", "lang": lang, "attempted": action})


def unknown_user(name: str, action: str, lang: str | None = None) -> Refused:
    return refusal(
        name,
        action,
        f"unknown user {name!r}: an admin adds people with `trilingo users add {name} --role …`",
        lang,
    )


def check(
    name: str, role: Role | str, disabled: bool, langs: Sequence[str], action: str, lang: str | None = None
) -> None:
    """Whether a known person may take `action` (in `lang`): returns, or raises the refusal."""
    role = Role(role)
    if disabled:
        raise refusal(name, action, f"{name} is disabled; an admin can enable them again", lang)
    if role not in MAY[action]:
        article = "an" if role.value[0] in "aeiou" else "a"
        raise refusal(name, action, f"{name} is {article} {role.value}, who may not {VERBS[action]}", lang)
    if action in IN_LANGUAGE and role == R and lang not in langs:
        shown = ", ".join(langs) or "no language"
        raise refusal(name, action, f"{name} reviews {shown}, not {lang}", lang)


def may_read(conn: Connection, name: str) -> None:
    """people.authorize(…, "read") for the cold read-only commands, in SQLAlchemy Core: the same rule
    (in a workspace with nobody in it yet, anyone may read), without loading the ORM."""
    row = conn.execute(select(user.c.role, user.c.disabled, user.c.langs).where(user.c.name == name)).first()
    if row is None:
        if conn.execute(select(func.count()).select_from(user)).scalar_one() == 0:
            return
        raise unknown_user(name, "read")
    check(name, row.role, bool(row.disabled), row.langs or [], "read")
