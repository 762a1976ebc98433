"""Personal API tokens for the Trilingo server: made by an admin, shown once, kept only as a hash.

A token reads `trl_<prefix>_<secret>`. The prefix finds its row and is safe to show (`users tokens`
lists it); the whole token is hashed with scrypt and a salt of its own, so a copy of the database
gives nobody a token. A token proves its owner until it expires or is revoked, and stops at once when
its owner is disabled: each request checks both.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from trilingo.errors import InputError, NotFound
from trilingo.i18n import N_
from trilingo.store.tables import apitoken, user
from trilingo.store.values import aware, utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

PREFIX = "trl_"
SHAPE = re.compile(r"trl_([a-z2-7]{10})_([A-Za-z0-9_-]{43})")
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # about 60 ms here; the server remembers good tokens
DEFAULT_DAYS = 90
MAX_DAYS = 3660


def parse_expiry(text: str | None) -> timedelta | None:
    """`90d`, `12h`, `never` (None), or nothing for the default of 90 days."""
    if text is None or not text.strip():
        return timedelta(days=DEFAULT_DAYS)
    value = text.strip().lower()
    if value == "never":
        return None
    found = re.fullmatch(r"(\d{1,5})\s*([dh])", value)
    if not found:
        raise InputError(
            N_("--expires takes a number of days or hours (90d, 12h) or never, got {text!r}").format(
                text=text
            )
        )
    amount = int(found.group(1))
    span = timedelta(days=amount) if found.group(2) == "d" else timedelta(hours=amount)
    if not timedelta(hours=1) <= span <= timedelta(days=MAX_DAYS):
        raise InputError(
            N_("a token lasts between 1 hour and {days} days, not {text}").format(days=MAX_DAYS, text=text)
        )
    return span


def _hash(token: str, salt: bytes) -> str:
    return hashlib.scrypt(token.encode("ascii"), salt=salt, **SCRYPT).hex()


@dataclass(frozen=True)
class TokenInfo:
    prefix: str
    user: str
    name: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str  # active | expired | revoked


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once, never stored
    info: TokenInfo


def _state(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> str:
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and aware(expires_at) <= now:
        return "expired"
    return "active"


def mint(session: Session, actor: str, owner: str, expires: timedelta | None, name: str = "") -> NewToken:
    """A new token for `owner`, made by an admin; audited without the token."""
    from trilingo.people import authorize
    from trilingo.store.audit import record
    from trilingo.text.clean import check_text, clean_line

    authorize(session, actor, "users")
    conn = session.connection()
    row = conn.execute(select(user.c.id, user.c.disabled).where(user.c.name == owner)).first()
    if row is None:
        # Two names for one value: a message's fields are read back by name, and `{name!r}` has quotes.
        raise NotFound(
            N_("unknown user {name!r}: add them first with `trilingo users add {user} --role …`").format(
                name=owner, user=owner
            )
        )
    if row.disabled:
        raise InputError(
            N_("{owner} is disabled; enable them before giving them a token").format(owner=owner)
        )
    label = clean_line(check_text(name, "the token's name"))[:100]
    prefix = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(10))
    token = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    salt = secrets.token_bytes(16)
    now = utcnow()
    expires_at = now + expires if expires is not None else None
    conn.execute(
        insert(apitoken).values(
            prefix=prefix,
            user_id=row.id,
            name=label,
            salt=salt.hex(),
            hash=_hash(token, salt),
            created_at=now,
            created_by=actor,
            expires_at=expires_at,
        )
    )
    record(
        session,
        actor,
        "token-add",
        user=owner,
        prefix=prefix,
        name=label,
        expires=expires_at.isoformat() if expires_at else None,
    )
    info = TokenInfo(prefix, owner, label, now, actor, expires_at, None, None, "active")
    return NewToken(token, info)


def listed(conn: Connection, owner: str | None = None, now: datetime | None = None) -> list[TokenInfo]:
    now = now or utcnow()
    query = (
        select(apitoken, user.c.name.label("owner"))
        .join(user, user.c.id == apitoken.c.user_id)
        .order_by(user.c.name, apitoken.c.created_at)
    )
    if owner is not None:
        query = query.where(user.c.name == owner)
    out = []
    for r in conn.execute(query).all():
        expires = aware(r.expires_at) if r.expires_at else None
        revoked = aware(r.revoked_at) if r.revoked_at else None
        out.append(
            TokenInfo(
                r.prefix,
                r.owner,
                r.name,
                aware(r.created_at),
                r.created_by,
                expires,
                aware(r.last_used_at) if r.last_used_at else None,
                revoked,
                _state(revoked, expires, now),
            )
        )
    return out


def revoke(session: Session, actor: str, prefix: str) -> TokenInfo:
    """Revoke a token at once: by its owner, or by an admin."""
    from trilingo.people import authorize
    from trilingo.store.audit import record

    conn = session.connection()
    found = [t for t in listed(conn) if t.prefix == prefix.removeprefix(PREFIX).split("_")[0]]
    if not found:
        raise NotFound(
            N_("no token with the prefix {prefix!r} (`trilingo users tokens` lists them)").format(
                prefix=prefix
            )
        )
    token = found[0]
    authorize(session, actor, "read" if token.user == actor else "users")
    if token.revoked_at is None:
        now = utcnow()
        conn.execute(
            update(apitoken).where(apitoken.c.prefix == token.prefix).values(revoked_at=now, revoked_by=actor)
        )
        record(session, actor, "token-revoke", user=token.user, prefix=token.prefix)
    return next(t for t in listed(conn, token.user) if t.prefix == token.prefix)


class BadToken(Exception):
    """Why a token does not prove anyone: missing, malformed, unknown, wrong, revoked, expired, disabled."""

    def __init__(self, reason: str, prefix: str | None = None, owner: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.prefix, self.owner = reason, prefix, owner


@dataclass(frozen=True)
class Proof:
    owner: str
    prefix: str
    token_id: int
    ui_lang: str | None = None  # the owner's own interface language, sent back to the CLI


def authenticate(
    conn: Connection, token: str | None, known: dict[str, int] | None = None, now: datetime | None = None
) -> Proof:
    """Who `token` proves, or BadToken. `known` maps a hash of tokens already checked to their row, so
    scrypt runs once per token and process; revocation, expiry and the owner's state are read each time."""
    if not token:
        raise BadToken(N_("no token was given"))
    found = SHAPE.fullmatch(token)
    if not found:
        raise BadToken(N_("the token is malformed"))
    prefix = found.group(1)
    digest = hashlib.sha256(token.encode("ascii")).hexdigest()
    row = conn.execute(
        select(
            apitoken.c.id,
            apitoken.c.salt,
            apitoken.c.hash,
            apitoken.c.expires_at,
            apitoken.c.revoked_at,
            user.c.name,
            user.c.disabled,
            user.c.ui_lang,
        )
        .join(user, user.c.id == apitoken.c.user_id)
        .where(apitoken.c.prefix == prefix)
    ).first()
    if row is None:
        raise BadToken(N_("no such token"), prefix)
    if known is None or known.get(digest) != row.id:
        if not hmac.compare_digest(_hash(token, bytes.fromhex(row.salt)), row.hash):
            raise BadToken(N_("the token is wrong"), prefix, row.name)
        if known is not None:
            known[digest] = row.id
    state = _state(row.revoked_at, row.expires_at, now or utcnow())
    if state != "active":
        # state is "revoked" or "expired" here: each its own message.
        reason = N_("the token was revoked") if state == "revoked" else N_("the token was expired")
        raise BadToken(reason, prefix, row.name)
    if row.disabled:
        raise BadToken(N_("{name} is disabled").format(name=row.name), prefix, row.name)
    return Proof(row.name, prefix, row.id, row.ui_lang)


def touch(conn: Connection, token_id: int, now: datetime | None = None) -> None:
    """Remember when a token was last used (the server does it at most once a minute per token)."""
    conn.execute(update(apitoken).where(apitoken.c.id == token_id).values(last_used_at=now or utcnow()))
