"""People and what they may do: roles, languages, and one place that refuses (and records the refusal).

- editors submit notices and comment;
- reviewers edit, approve, reject, dismiss checks and claim work in their own languages, and comment;
- operators run the pipeline and read everything, and change no text;
- admins may do all of it, and manage people.

Everyone known may read. An unknown name is refused, except in a workspace with nobody in it yet,
where the first person becomes its admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from trilingo.access import A, R, check, unknown_user
from trilingo.errors import InputError, NotFound
from trilingo.i18n import N_
from trilingo.languages import TARGETS, names_of
from trilingo.store.audit import record
from trilingo.store.models import Role, User, utcnow
from trilingo.text.clean import check_user


def authorize(session: Session, name: str, action: str, lang: str | None = None) -> User:
    """The user `name`, if they may take `action` (in `lang`); else Refused, which is also audited."""
    cache = session.info.setdefault("trilingo.people", {})
    user = cache.get(name)
    if user is None:
        user = session.exec(select(User).where(User.name == name)).first()
        if user is None and session.exec(select(func.count()).select_from(User)).one() == 0:
            if action == "read":  # a read makes nobody admin: the first change does
                return User(name=name, role=A, langs=[])
            user = _first_admin(session, name)
        if user is None:
            raise unknown_user(name, action, lang)
        cache[name] = user
    check(name, user.role, user.disabled, user.langs, action, lang)
    return user


def first_admin(session: Session, name: str) -> User | None:
    """`trilingo init`: the person setting up an empty workspace becomes its admin; else nothing changes."""
    if session.exec(select(func.count()).select_from(User)).one() == 0:
        return _first_admin(session, name)
    return None


def _first_admin(session: Session, name: str) -> User:
    """Nobody is in this workspace yet: its first user becomes the admin."""
    user = User(name=check_user(name), role=A, langs=[])
    session.add(user)
    session.flush()
    record(session, name, "user-add", role=A.value, langs=[], first=True)
    return user


@dataclass(frozen=True)
class Person:
    name: str
    role: Role
    langs: list[str]
    disabled: bool
    ui_lang: str | None  # the language Trilingo speaks to them; None: their machine's locale


def _person(user: User) -> Person:
    return Person(user.name, user.role, list(user.langs), user.disabled, user.ui_lang)


def check_ui_lang(value: str | None) -> str | None:
    """An interface language as stored: en, vi, lo or zh; "" or "auto" clears it (the locale decides)."""
    from trilingo import i18n

    if value is None or value.strip().lower() in ("", "auto"):
        return None
    lang = i18n.normalise(value)
    if lang is None:
        choices = ", ".join((i18n.ENGLISH, *i18n.ui_languages()))
        raise InputError(
            N_("unknown interface language {value!r} (expected one of: {choices}, or auto)").format(
                value=value, choices=choices
            )
        )
    return lang


def check_langs(langs: Sequence[str]) -> list[str]:
    bad = [lang for lang in langs if lang not in TARGETS]
    if bad:
        raise InputError(
            N_("unknown language {lang!r} (expected one of: {choices})").format(
                lang=bad[0], choices=", ".join(TARGETS)
            )
        )
    return sorted(set(langs), key=TARGETS.index)


def add_user(
    session: Session, actor: str, name: str, role: Role, langs: Sequence[str], ui_lang: str | None = None
) -> Person:
    """Add a person, or change a known person's role and languages (and interface language, if given)."""
    authorize(session, actor, "users")
    name = check_user(name)
    langs = check_langs(langs)
    interface = check_ui_lang(ui_lang)
    if role == R and not langs:
        raise InputError(
            N_("a reviewer needs --lang ({languages}, or several, comma-separated)").format(
                languages=names_of(TARGETS)
            )
        )
    user = session.exec(select(User).where(User.name == name)).first()
    before = (
        None
        if user is None
        else {"role": user.role.value, "langs": list(user.langs), "disabled": user.disabled}
    )
    if user is None:
        user = User(name=name, role=role, langs=langs, ui_lang=interface)
        session.add(user)
    else:
        user.role, user.langs, user.disabled = role, langs, False
        if ui_lang is not None:
            user.ui_lang = interface
    session.flush()
    record(
        session,
        actor,
        "user-add",
        user=name,
        role=role.value,
        langs=langs,
        ui_lang=user.ui_lang,
        before=before,
    )
    return _person(user)


def set_ui_lang(session: Session, actor: str, name: str | None, ui_lang: str | None) -> Person:
    """Set the language Trilingo speaks to `name` (default: the actor): anyone their own, an admin anyone's."""
    me = authorize(session, actor, "read")
    target = me.name if name in (None, me.name) else name
    if target != me.name:
        authorize(session, actor, "users")  # refused, and the refusal audited, unless an admin
    user = session.exec(select(User).where(User.name == target)).first()
    if user is None:
        raise NotFound(N_("unknown user {name!r}").format(name=target))
    before, user.ui_lang = user.ui_lang, check_ui_lang(ui_lang)
    session.flush()
    record(session, actor, "user-ui-lang", user=target, ui_lang=user.ui_lang, before=before)
    return _person(user)


def list_users(session: Session) -> list[Person]:
    return [_person(u) for u in session.exec(select(User).order_by(col(User.name))).all()]


def set_disabled(session: Session, actor: str, name: str, disabled: bool = True) -> Person:
    authorize(session, actor, "users")
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(N_("unknown user {name!r}").format(name=name))
    if disabled and user.role == A:
        admins = session.exec(
            select(func.count()).select_from(User).where(User.role == A, col(User.disabled).is_(False))
        ).one()
        if admins <= 1:
            raise InputError(N_("{name} is the last admin; add another admin first").format(name=name))
    user.disabled = disabled
    session.flush()
    record(
        session, actor, "user-disable" if disabled else "user-enable", user=name, at_time=utcnow().isoformat()
    )
    return _person(user)
