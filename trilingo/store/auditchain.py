"""The audit log as a chain of MACs that the database cannot forge (no ORM: `audit verify` and the
server's refusals use it cold).

Every event carries `seq`, its place in the chain, and `mac`: HMAC-SHA256, with a key the database
does not hold, over the previous event's MAC and this event's content. Triggers refuse UPDATE, DELETE
and (on PostgreSQL) TRUNCATE; the chain is for whoever gets past them (`DROP TRIGGER` on SQLite, a
table owner on PostgreSQL): rows they insert, change, delete or reorder no longer verify, and
`trilingo audit verify` names the first one.

The first event of the chain chains from a digest of the events written before it (a database
upgraded from before revision 0012), so deleting or changing one of those shows too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from trilingo.errors import ConfigError
from trilingo.i18n import N_
from trilingo.store.tables import auditevent, setting
from trilingo.store.values import aware, utcnow

_LOCK = zlib.crc32(b"trilingo-audit-chain")
GENESIS = b"trilingo audit chain v1"
KEY_CHECK = "audit.key_check"  # in the setting table: proves which key the chain is written with
MIN_KEY_BYTES = 16


class _Keyring:
    """The audit key of this process: loaded once at the edge (the CLI's settings, the API server,
    a flow run) from TRILINGO_AUDIT_KEY or the key file. Never stored in the database."""

    def __init__(self) -> None:
        self._key: bytes | None = None
        self.source = ""

    def use(self, key: bytes, source: str = "") -> None:
        if len(key) < MIN_KEY_BYTES:
            if source:
                raise ConfigError(
                    N_("the audit key from {source} is too short (at least 16 bytes)").format(source=source)
                )
            raise ConfigError(N_("the audit key from its source is too short (at least 16 bytes)"))
        self._key, self.source = key, source

    def forget(self) -> None:
        self._key, self.source = None, ""

    def get(self) -> bytes:
        if self._key is None:
            raise ConfigError(
                N_(
                    "no audit key is loaded, so nothing can be written to the audit log; set TRILINGO_AUDIT_KEY or "
                    "put the key in the workspace's audit.key (`trilingo db upgrade` makes one)"
                )
            )
        return self._key

    @property
    def loaded(self) -> bool:
        return self._key is not None


KEYRING = _Keyring()
COLUMNS = ("at", "actor", "via", "action", "document_id", "lang", "segment_id", "old", "new", "detail")


def _time(at: Any) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return aware(at).astimezone(UTC).isoformat(timespec="microseconds")


def content(row: Mapping[str, Any]) -> bytes:
    """What an event's MAC covers: its place in the chain and every column a person reads."""
    fields = [row["seq"], _time(row["at"]), *(row[c] for c in COLUMNS[1:])]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def mac(key: bytes, previous: str, row: Mapping[str, Any]) -> str:
    return hmac.new(key, previous.encode("ascii") + b"\n" + content(row), hashlib.sha256).hexdigest()


def genesis(key: bytes, before: str) -> str:
    """What the first event of the chain chains from: the key and a digest of the events before it."""
    return hmac.new(key, GENESIS + b"\n" + before.encode("ascii"), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    """A value that tells keys apart without telling anything about them."""
    return hmac.new(key, b"trilingo audit key check", hashlib.sha256).hexdigest()[:32]


def check_key(conn: Connection, key: bytes, *, remember: bool = False) -> None:
    """Refuse a key that is not the one the chain is written with: a process with another key (a worker
    given the wrong TRILINGO_AUDIT_KEY) would append events that never verify. The first writer of a
    chain records its key's check value (`remember`)."""
    stored = conn.execute(select(setting.c.value).where(setting.c.key == KEY_CHECK)).scalar()
    mine = key_check(key)
    if stored is None:
        if remember:
            conn.execute(
                insert(setting).values(key=KEY_CHECK, value=mine, updated_at=utcnow(), updated_by="trilingo")
            )
        return
    if stored != mine:
        if KEYRING.source:
            raise ConfigError(
                N_(
                    "this process's audit key ({source}) is not the key this workspace's audit "
                    "log is written with; nothing was saved. Give it the workspace's key (TRILINGO_AUDIT_KEY or the "
                    "key file), the same on every machine that writes"
                ).format(source=KEYRING.source)
            )
        raise ConfigError(
            N_(
                "this process's audit key (as loaded) is not the key this workspace's audit "
                "log is written with; nothing was saved. Give it the workspace's key (TRILINGO_AUDIT_KEY or the "
                "key file), the same on every machine that writes"
            )
        )


def _before_chain(conn: Connection, first_id: int | None) -> Iterator[Any]:
    """The events written before the chain began (no seq), in id order."""
    query = select(auditevent).where(auditevent.c.seq.is_(None)).order_by(auditevent.c.id)
    if first_id is not None:
        query = query.where(auditevent.c.id < first_id)
    yield from conn.execute(query.execution_options(yield_per=2000))


def digest_before(rows: Iterable[Any]) -> tuple[int, str]:
    """(how many, a digest of them) for the events from before the chain."""
    digest, count = hashlib.sha256(), 0
    for row in rows:
        values = dict(row._mapping)
        fields = [values["id"], _time(values["at"]), *(values[c] for c in COLUMNS[1:])]
        digest.update(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
    return count, digest.hexdigest()


def append(conn: Connection, pending: Sequence[Mapping[str, Any]], key: bytes) -> None:
    """Insert events with their place and MAC in the chain, inside the caller's transaction (just
    before its commit). On PostgreSQL the writers take turns from here to their commit, so two never
    chain from the same event; SQLite writers already hold the database's one write lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    check_key(conn, key, remember=True)
    head = conn.execute(
        select(auditevent.c.seq, auditevent.c.mac)
        .where(auditevent.c.seq.is_not(None))
        .order_by(auditevent.c.seq.desc())
        .limit(1)
    ).first()
    if head is None:
        seq, previous = 0, genesis(key, digest_before(_before_chain(conn, None))[1])
    else:
        seq, previous = int(head.seq), str(head.mac)
    rows = []
    for item in pending:
        seq += 1
        row = {**item, "seq": seq}
        row["mac"] = previous = mac(key, previous, row)
        rows.append(row)
    conn.execute(insert(auditevent), rows)


@dataclass
class Problem:
    """One place where the chain does not verify: the event (its id and seq) and what is wrong."""

    id: int | None
    seq: int | None
    what: str

    def __str__(self) -> str:
        if self.seq is not None and self.id is not None:
            return N_("audit event #{seq} (row id {row_id}) {what}").format(
                seq=self.seq, row_id=self.id, what=self.what
            )
        if self.seq is not None:
            return N_("audit event #{seq} {what}").format(seq=self.seq, what=self.what)
        if self.id is not None:
            return N_("an audit event (row id {row_id}) {what}").format(row_id=self.id, what=self.what)
        return N_("an audit event {what}").format(what=self.what)


@dataclass
class Verification:
    events: int = 0  # events in the chain, walked
    before_chain: int = 0  # events from before the chain began
    head_seq: int = 0
    head_mac: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(conn: Connection, key: bytes, checkpoint: Mapping[str, Any] | None = None) -> Verification:
    """Walk the chain in order and find every event that does not verify: deleted, inserted, changed
    or reordered. `checkpoint` is the head an earlier verification saw: a chain that no longer reaches
    it lost events from its end."""
    check_key(conn, key)
    out = Verification()
    first = conn.execute(select(auditevent.c.id).where(auditevent.c.seq == 1)).scalar()
    out.before_chain, before = digest_before(_before_chain(conn, first))
    previous = genesis(key, before)
    expected, last_id = 1, 0
    rows = conn.execute(
        select(auditevent)
        .where(auditevent.c.seq.is_not(None))
        .order_by(auditevent.c.seq)
        .execution_options(yield_per=2000)
    )
    window: list[dict[str, Any]] = []
    for row in rows:
        window.append(dict(row._mapping))
        if len(window) == 2:
            previous, expected, last_id = _check(out, key, window[0], window[1], previous, expected, last_id)
            window.pop(0)
    if window:
        previous, expected, last_id = _check(out, key, window[0], None, previous, expected, last_id)
    out.head_seq, out.head_mac = expected - 1, previous
    unsealed = select(auditevent.c.id).where(auditevent.c.seq.is_(None)).order_by(auditevent.c.id).limit(1)
    if first is not None:
        unsealed = unsealed.where(auditevent.c.id > first)
    extra = conn.execute(unsealed).scalar() if first is not None else None
    if extra is not None:
        out.problems.append(Problem(extra, None, N_("was inserted without a MAC, after the chain began")))
    if checkpoint and checkpoint.get("seq"):
        _check_checkpoint(conn, out, checkpoint)
    return out


def _check_checkpoint(conn: Connection, out: Verification, checkpoint: Mapping[str, Any]) -> None:
    seen, seen_mac = int(checkpoint["seq"]), str(checkpoint.get("mac", ""))
    if out.head_seq < seen:
        out.problems.append(
            Problem(
                None,
                seen,
                N_(
                    "is missing: the chain ends at #{head}, but it reached #{seen} when it was last "
                    "verified ({at}); events were deleted from its end"
                ).format(head=out.head_seq, seen=seen, at=checkpoint.get("at", "?")),
            )
        )
        return
    at_seen = conn.execute(select(auditevent.c.mac).where(auditevent.c.seq == seen)).scalar()
    if seen_mac and at_seen != seen_mac:
        out.problems.append(
            Problem(None, seen, N_("is not the event that was there at the last verification"))
        )


def _check(
    out: Verification,
    key: bytes,
    row: dict[str, Any],
    after: dict[str, Any] | None,
    previous: str,
    expected: int,
    last_id: int,
) -> tuple[str, int, int]:
    """Check one event against the one before; returns (its MAC, the next seq expected, its id)."""
    out.events += 1
    seq, rid = int(row["seq"]), int(row["id"])
    if seq > expected:
        missing = f"#{expected}" if seq == expected + 1 else f"#{expected}–#{seq - 1}"
        out.problems.append(
            Problem(
                rid,
                seq,
                N_("follows a gap: the event(s) {missing} before it were deleted").format(missing=missing),
            )
        )
        return str(row["mac"]), seq + 1, rid
    if rid < last_id:
        out.problems.append(
            Problem(rid, seq, N_("is out of order: it was written after the event that follows it"))
        )
    if row["mac"] is None or mac(key, previous, row) != row["mac"]:
        if seq == 1 and out.before_chain:
            what = N_(
                "does not verify: it, or one of the {count} event(s) from before the chain began, "
                "was changed, deleted or inserted"
            ).format(count=out.before_chain)
        elif after is not None and row["mac"] and mac(key, str(row["mac"]), after) == after["mac"]:
            what = N_("was changed after it was written (its MAC no longer matches its content)")
        else:
            what = N_("does not verify: it was inserted or changed")
        out.problems.append(Problem(rid, seq, what))
        return str(row["mac"] or previous), seq + 1, rid
    return str(row["mac"]), seq + 1, rid
