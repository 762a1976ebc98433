"""The admin's operations: people, their tokens, the workspace's rules, and the audit log's check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trilingo.i18n import N_
from trilingo.service.context import Context


@dataclass(frozen=True)
class Me:
    """Who the caller is, as the workspace knows them (`trilingo whoami`, `trilingo login`)."""

    name: str
    role: str
    langs: list[str]
    via: str | None  # the account that acts as `name` (a local admin with --as)
    transport: str  # local | api
    ui_lang: str | None = None  # the language Trilingo speaks to them; None: their machine's locale


def whoami(ctx: Context) -> Me:
    from trilingo.people import authorize

    with ctx.session(write=False) as session:
        person = authorize(session, ctx.actor, "read")
        return Me(
            person.name,
            str(person.role),
            list(person.langs),
            ctx.caller.via,
            ctx.caller.transport,
            person.ui_lang,
        )


def users_list(ctx: Context) -> Any:
    from trilingo.people import authorize, list_users

    with ctx.session(write=False) as session:
        authorize(session, ctx.actor, "read")
        return list_users(session)


def users_add(
    ctx: Context, name: str, role: str, langs: list[str] | None = None, ui_lang: str | None = None
) -> Any:
    from trilingo.errors import InputError
    from trilingo.people import add_user
    from trilingo.store.values import Role

    try:
        wanted = Role(role)
    except ValueError:
        raise InputError(
            N_("unknown role {role!r} (expected one of: {roles})").format(
                role=role, roles=", ".join(r.value for r in Role)
            )
        ) from None
    with ctx.session() as session:
        return add_user(session, ctx.actor, name, wanted, langs or [], ui_lang)


def users_set(ctx: Context, ui_lang: str, name: str | None = None) -> Any:
    """A person's own settings (an admin's: anyone's). Today: the interface language."""
    from trilingo.people import set_ui_lang

    with ctx.session() as session:
        return set_ui_lang(session, ctx.actor, name, ui_lang)


def users_disable(ctx: Context, name: str, enable: bool = False) -> Any:
    from trilingo.people import set_disabled

    with ctx.session() as session:
        return set_disabled(session, ctx.actor, name, disabled=not enable)


def token_add(ctx: Context, name: str, expires: str | None = None, label: str = "") -> Any:
    """A new personal token for `name`: its text is in the answer, once, and nowhere else."""
    from trilingo import tokens

    span = tokens.parse_expiry(expires)
    with ctx.session() as session:
        return tokens.mint(session, ctx.actor, name, span, label)


def tokens_list(ctx: Context, name: str | None = None) -> Any:
    """Tokens (never their text): an admin sees everyone's, anyone else their own."""
    from trilingo import tokens
    from trilingo.people import authorize
    from trilingo.store.values import Role

    with ctx.session(write=False) as session:
        me = authorize(session, ctx.actor, "read")
        if me.role != Role.ADMIN:
            if name not in (None, ctx.actor):
                authorize(session, ctx.actor, "users")  # refused, and the refusal audited
            name = ctx.actor
        return tokens.listed(session.connection(), name)


def token_revoke(ctx: Context, prefix: str) -> Any:
    from trilingo import tokens

    with ctx.session() as session:
        return tokens.revoke(session, ctx.actor, prefix)


def settings_show(ctx: Context) -> Any:
    from trilingo import rules

    with ctx.reader() as conn:
        return rules.show(conn)


def settings_set(ctx: Context, key: str, value: str, reason: str) -> Any:
    from trilingo import rules

    with ctx.session() as session:
        return rules.change(session, ctx.actor, key, value, reason)


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    events: int
    before_chain: int
    head: int
    problems: list[str]
    previous: dict[str, Any] | None  # the last verification's checkpoint, if there was one


def audit_verify(ctx: Context) -> AuditCheck:
    """Walk the audit chain with this process's key; remember how far it verified."""
    from trilingo import rules
    from trilingo.people import authorize
    from trilingo.store.audit import record
    from trilingo.store.auditchain import KEYRING, verify
    from trilingo.store.values import utcnow

    with ctx.session() as session:
        authorize(session, ctx.actor, "audit")
        conn = session.connection()
        previous = rules.read(conn, rules.AUDIT_VERIFIED)
        found = verify(conn, KEYRING.get(), previous if isinstance(previous, dict) else None)
        checkpoint = {
            "at": utcnow().isoformat(),
            "by": ctx.actor,
            "ok": found.ok,
            "seq": found.head_seq if found.ok else (previous or {}).get("seq", 0),
            "mac": found.head_mac if found.ok else (previous or {}).get("mac", ""),
            "problems": len(found.problems),
            "first_problem": str(found.problems[0]) if found.problems else None,
        }
        rules.write(conn, rules.AUDIT_VERIFIED, checkpoint, ctx.actor)
        record(
            session,
            ctx.actor,
            "audit-verify",
            ok=found.ok,
            events=found.events,
            problems=[str(p) for p in found.problems[:20]],
        )
    return AuditCheck(
        found.ok,
        found.events,
        found.before_chain,
        found.head_seq,
        [str(p) for p in found.problems],
        previous if isinstance(previous, dict) else None,
    )
