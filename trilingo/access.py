"""Who may do what: the roles' actions, and the one rule that refuses (trilingo.people applies it with
the ORM; `may_read` applies it in SQLAlchemy Core for the cold read-only commands).

Everyone known may read. An unknown name is refused, except in a workspace with nobody in it yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from trilingo.errors import Refused
from trilingo.i18n import N_
from trilingo.languages import TARGETS as TARGET_ORDER
from trilingo.store.tables import user
from trilingo.store.values import Role

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from trilingo.identity import Caller

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
    "settings": frozenset({A}),
    "audit": frozenset({OP, A}),
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
    "settings": "change the workspace's rules",
    "audit": "verify the audit log",
}
# The refusal of each action to a role that may not take it, one whole message each (VERBS, in sentences).
MAY_NOT = {
    "read": N_("{name} is {role}, who may not read this workspace"),
    "submit": N_("{name} is {role}, who may not submit notices"),
    "comment": N_("{name} is {role}, who may not comment"),
    "edit": N_("{name} is {role}, who may not edit translations"),
    "approve": N_("{name} is {role}, who may not approve translations"),
    "reject": N_("{name} is {role}, who may not reject translations"),
    "dismiss": N_("{name} is {role}, who may not dismiss checks"),
    "claim": N_("{name} is {role}, who may not claim work"),
    "retract": N_("{name} is {role}, who may not retract published content"),
    "pipeline": N_("{name} is {role}, who may not run the pipeline"),
    "glossary": N_("{name} is {role}, who may not change the glossary"),
    "memory": N_("{name} is {role}, who may not change the translation memory"),
    "users": N_("{name} is {role}, who may not manage users"),
    "settings": N_("{name} is {role}, who may not change the workspace's rules"),
    "audit": N_("{name} is {role}, who may not verify the audit log"),
}
# A reviewer's change outside their languages (check_scope), for the actions that check a scope; with
# the reviewer's languages, and for a reviewer who has none.
OUT_OF_SCOPE = {
    "glossary": (
        N_("{name} reviews {mine}, so may not change the glossary in {outside}: {what}; nothing was changed"),
        N_(
            "{name} reviews no language, so may not change the glossary in {outside}: {what}; nothing was changed"
        ),
    ),
    "memory": (
        N_(
            "{name} reviews {mine}, so may not change the translation memory in {outside}: {what}; "
            "nothing was changed"
        ),
        N_(
            "{name} reviews no language, so may not change the translation memory in {outside}: {what}; "
            "nothing was changed"
        ),
    ),
}


def refusal(name: str, action: str, message: str, lang: str | None = None) -> Refused:
    """A refusal, recorded in the audit log when the transaction that raised it is undone."""
    return Refused(message, audit={"actor": name, "action": "refused", "lang": lang, "attempted": action})


def unknown_user(name: str, action: str, lang: str | None = None) -> Refused:
    # Two names for one value: a message's fields are read back by name, and `{name!r}` has quotes.
    return refusal(
        name,
        action,
        N_("unknown user {name!r}: an admin adds people with `trilingo users add {user} --role …`").format(
            name=name, user=name
        ),
        lang,
    )


def check(
    name: str, role: Role | str, disabled: bool, langs: Sequence[str], action: str, lang: str | None = None
) -> None:
    """Whether a known person may take `action` (in `lang`): returns, or raises the refusal."""
    role = Role(role)
    if disabled:
        raise refusal(
            name, action, N_("{name} is disabled; an admin can enable them again").format(name=name), lang
        )
    if role not in MAY[action]:
        may_not = MAY_NOT.get(action, f"{{name}} is {{role}}, who may not {VERBS[action]}")
        raise refusal(name, action, may_not.format(name=name, role=_a(role)), lang)
    if action in IN_LANGUAGE and role == R and lang not in langs:
        if langs:
            elsewhere = N_("{name} reviews {langs}, not {lang}")
        else:
            elsewhere = N_("{name} reviews no language, not {lang}")
        raise refusal(name, action, elsewhere.format(name=name, langs=", ".join(langs), lang=lang), lang)


def check_scope(
    name: str, role: Role | str, langs: Sequence[str], needed: Sequence[str], action: str, what: str
) -> None:
    """Terms and memory follow the per-language roles: a reviewer changes them only in the languages they
    review; what serves every language (a Vietnamese term, a concept's own fields) needs a reviewer of
    every target language, or an admin. `needed` are the target languages the change touches."""
    if Role(role) != R:
        return  # an admin; other roles were refused the action itself
    outside = [lang for lang in TARGET_ORDER if lang in needed and lang not in langs]
    if outside:
        mine = ", ".join(langs) or "no language"
        if action in OUT_OF_SCOPE:
            message = OUT_OF_SCOPE[action][0 if langs else 1].format(
                name=name, mine=mine, outside=", ".join(outside), what=what
            )
        else:  # no caller checks another action's scope; were one to, it reads the same
            message = (
                f"{name} reviews {mine}, so may not {VERBS[action]} in {', '.join(outside)}: {what}; "
                "nothing was changed"
            )
        raise refusal(name, action, message)


# A role with its article, as refusals name it; each is its own msgid, so the CLI shows it translated.
WITH_ARTICLE = {
    "editor": N_("an editor"),
    "reviewer": N_("a reviewer"),
    "operator": N_("an operator"),
    "admin": N_("an admin"),
}


def _a(role: Role) -> str:
    return WITH_ARTICLE.get(role.value) or ("an " if role.value[0] in "aeiou" else "a ") + role.value


def may_read(conn: Connection, name: str) -> None:
    """people.authorize(…, "read") for the cold read-only commands, in SQLAlchemy Core: the same rule
    (in a workspace with nobody in it yet, anyone may read), without loading the ORM."""
    may(conn, name, "read")


def may(conn: Connection, name: str, action: str, lang: str | None = None) -> bool:
    """people.authorize for someone the workspace knows, in Core, without loading the ORM: True when
    they may take `action`; else the refusal (audited by read_scope). False when the workspace has
    nobody in it yet: then people.authorize decides, which makes the first person to change it admin."""
    row = conn.execute(select(user.c.role, user.c.disabled, user.c.langs).where(user.c.name == name)).first()
    if row is None:
        if conn.execute(select(func.count()).select_from(user)).scalar_one() == 0:
            return False
        raise unknown_user(name, action, lang)
    check(name, row.role, bool(row.disabled), row.langs or [], action, lang)
    return True


def may_act_as(conn: Connection, caller: Caller) -> None:
    """A local admin may act as someone else (--as, TRILINGO_USER); nobody else may. Returns, or raises
    the refusal, which is audited with the account that asked. On a server the actor is always the
    token's owner, so this never applies there."""
    if caller.via is None:
        return
    proved, wanted = caller.proved, caller.name
    row = conn.execute(select(user.c.role, user.c.disabled).where(user.c.name == proved)).first()
    detail: dict[str, object] = {
        "actor": proved,
        "action": "refused",
        "lang": None,
        "attempted": "act-as",
        "as_user": wanted,
    }
    if row is None and conn.execute(select(func.count()).select_from(user)).scalar_one() == 0:
        raise Refused(
            N_(
                "nobody is in this workspace yet, so nobody may act as {wanted!r}: run `trilingo init` as "
                "yourself ({proved}) first, without --as or TRILINGO_USER; you become its admin"
            ).format(wanted=wanted, proved=proved),
            audit=detail,
        )
    if row is None or Role(row.role) != A or row.disabled:
        if row is None:
            only_admins = N_(
                "only an admin may act as another user (--as or TRILINGO_USER): {proved} is not known here; "
                "run the command as yourself, without --as {wanted}"
            )
        elif row.disabled:
            only_admins = N_(
                "only an admin may act as another user (--as or TRILINGO_USER): {proved} is disabled; "
                "run the command as yourself, without --as {wanted}"
            )
        else:
            only_admins = N_(
                "only an admin may act as another user (--as or TRILINGO_USER): {proved} is {role}; "
                "run the command as yourself, without --as {wanted}"
            )
        raise Refused(
            only_admins.format(
                proved=proved, wanted=wanted, role=None if row is None else _a(Role(row.role))
            ),
            audit=detail,
        )
