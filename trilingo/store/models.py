"""Core tables: documents and their versions, segments, translations, workflow state, audit, ledger.

Other packages (glossary, tm, mt) keep their own tables beside these in the same metadata.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Dialect,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from trilingo.store.hints import Hint

# The states, roles and time helpers live in values (no ORM); most of the code imports them from here.
from trilingo.store.values import DocState, Role, SegmentState, utcnow
from trilingo.store.values import aware as aware
from trilingo.store.values import raw_time as raw_time

E = TypeVar("E", bound=StrEnum)


class StrEnumColumn(TypeDecorator[E]):
    """A StrEnum stored as its plain text value (VARCHAR), read back as the enum member.

    Not SQLAlchemy's Enum type: that stores member names and, on PostgreSQL, makes a type of its own."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: E | str | None, _dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, _dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def state_column(enum: type[StrEnum]) -> Column[Any]:
    # Indexed with the language, in the table's composite index (see __table_args__).
    return Column(StrEnumColumn(enum), nullable=False)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    role: Role = Field(
        default=Role.ADMIN,
        sa_column=Column(StrEnumColumn(Role), nullable=False, server_default=Role.ADMIN.value),
    )
    langs: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    disabled: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    ui_lang: str | None = None  # the language Trilingo speaks to this person (trilingo.i18n) (0014)


class Comment(SQLModel, table=True):
    """A note for editors and reviewers on a document-language or one of its segments."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    lang: str
    segment_n: int | None = None  # the segment's number in the version it was made on
    version_id: int = Field(foreign_key="documentversion.id")
    author: str
    at: datetime = Field(default_factory=utcnow)
    text: str


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True)
    current_version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str


class DocumentVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    title: str
    category: str | None = None
    gates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body: str  # the cleaned Markdown body, as submitted
    content_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str
    # `expires:` in the front matter: off the kiosk (and screens) from the first publish after it; the
    # website keeps the notice, marked as expired.
    expires: datetime | None = None


class Segment(SQLModel, table=True):
    """One translatable unit of a version: the title, a heading, a paragraph or a sentence of one."""

    # The unique (version_id, n) index also serves "the segments of a version".
    __table_args__ = (UniqueConstraint("version_id", "n"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="documentversion.id")
    n: int  # 1-based position in the version; the title is 1
    block: int  # 0 is the title; segments of one paragraph share a block
    kind: str  # title | heading | paragraph | item | quote
    prefix: str = ""  # the Markdown marker that opens the block ("## ", "- ", "1. ", "> ")
    source: str
    source_hash: str = Field(index=True)


_ROW_VERSION = Column("row_version", Integer, nullable=False, default=1)


class Translation(SQLModel, table=True):
    """One segment in one target language: the draft or the approved text, and where it came from."""

    # (segment_id, lang) is how every join reaches a translation; (lang, state) is how the pipeline and
    # the reports find work. One-column indexes on lang or state misled SQLite's planner into scanning
    # every translation of a language for each item.
    __table_args__ = (
        UniqueConstraint("segment_id", "lang"),
        Index("ix_translation_lang_state", "lang", "state"),
    )
    __mapper_args__ = {"version_id_col": _ROW_VERSION}

    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="segment.id")
    lang: str
    state: SegmentState = Field(default=SegmentState.UNTRANSLATED, sa_column=state_column(SegmentState))
    target: str | None = None
    origin: str | None = None  # tm | glossary | memory | google | … | human | carried
    glossary_version: int | None = None
    # engine, cached, elapsed_ms, at, mt_error …: provenance of the current draft
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # glossary terms and fuzzy suggestions shown to the reviewer; never published
    hints: list[Hint] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The checks of the current text, each {"code", "level": "block"|"warn", "message"} (review.checks)
    checks: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Warnings a reviewer dismissed for this text: code → {"by", "at", "reason"}; cleared when the text changes
    dismissed: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = None
    # Optimistic locking: every UPDATE says "WHERE row_version = <what I read>" and bumps it, so a machine
    # draft written after a reviewer's edit fails (StaleDataError → store.db.Conflict) instead of erasing it.
    row_version: int = Field(default=1, sa_column=_ROW_VERSION)


_DOCLANG_VERSION = Column("row_version", Integer, nullable=False, default=1, server_default="1")


class DocLang(SQLModel, table=True):
    """The workflow state of one (document, language); the unit reviewers approve and channels publish."""

    # The queue, status and the pipeline look document-languages up by language and state, oldest first.
    __table_args__ = (
        UniqueConstraint("document_id", "lang"),
        Index("ix_doclang_lang_state", "lang", "state", "waiting_since"),
        Index("ix_doclang_version_lang", "version_id", "lang"),  # from a segment to its document-language
    )
    # A compare-and-set on every change: two reviewers approving at once cannot both succeed.
    __mapper_args__ = {"version_id_col": _DOCLANG_VERSION}

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    lang: str
    version_id: int = Field(foreign_key="documentversion.id")  # the version being worked on
    state: DocState = Field(default=DocState.SUBMITTED, sa_column=state_column(DocState))
    release_id: int | None = Field(default=None, foreign_key="release.id")  # what is live (or will be)
    reason: str | None = None  # the last rejection reason
    waiting_since: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # A reviewer's claim (`review next`): a lease, so an abandoned claim returns to the queue.
    claimed_by: str | None = None
    claim_expires: datetime | None = None
    row_version: int = Field(default=1, sa_column=_DOCLANG_VERSION)


class DocLangCount(SQLModel, table=True):
    """How the segments of a document-language's current version stand, by state.

    Kept by trilingo.store.counts at the commit of every transaction that writes translations, so the
    queue and `status` read 30,000 of these at 10,000 documents instead of counting 400,000 translations
    (0.3 s on PostgreSQL, on each cold command)."""

    doclang_id: int = Field(foreign_key="doclang.id", primary_key=True)
    segments: int = 0  # translations of the current version (the Vietnamese document-language has none)
    untranslated: int = 0
    mt_failed: int = 0
    needs_review: int = 0
    edited: int = 0
    approved: int = 0
    warned: int = 0  # with at least one warning


class Release(SQLModel, table=True):
    """An approved, frozen text of one (document, language). Channels publish releases, never drafts,
    so a reviewer's later edit cannot leak out before it is approved again."""

    # A translation's release finds the Vietnamese release of the same version by this (0009).
    __table_args__ = (Index("ix_release_version_lang", "version_id", "lang"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    lang: str
    version_id: int = Field(foreign_key="documentversion.id")
    title: str
    body: str  # Markdown in the release's language
    screen: str | None = None  # the gate screens' one-slide summary, when the notice has one
    # The body's first paragraph as plain text, rendered once at approval (0015): the screens' excerpt
    # and the lists' summary. Derived, so not in content_hash; older releases get it at their next publish.
    lead: str | None = None
    content_hash: str
    approved_by: str
    approved_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what, when, with the old and the new text. Triggers refuse updates, deletes
    and (on PostgreSQL) TRUNCATE; each event's MAC chains it to the one before (trilingo.store.audit), so
    a row inserted, changed or deleted by someone who got past the triggers does not verify."""

    __table_args__ = (Index("uq_auditevent_seq", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str
    # The account that proved itself, when it is not the actor: a local admin acting `--as` someone (0012).
    via: str | None = None
    action: str = Field(index=True)
    document_id: int | None = Field(default=None, index=True)
    lang: str | None = None
    segment_id: int | None = None
    old: str | None = None
    new: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The event's place in the chain (1, 2, …) and its HMAC-SHA256 over the previous MAC and its content;
    # both empty on events written before the chain began (0012).
    seq: int | None = None
    mac: str | None = None


class Setting(SQLModel, table=True):
    """A workspace rule that protects the public (four_eyes, …), changed by an admin with a reason and
    audited; never read from a person's environment or a flag (0012)."""

    key: str = Field(primary_key=True)
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str


class ApiToken(SQLModel, table=True):
    """A personal API token for the Trilingo server. Only a hash of it is kept: the token is shown once,
    when it is made (trilingo.tokens). `prefix` finds the row; the scrypt hash proves the rest (0012)."""

    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(index=True, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = ""  # what its owner calls it ("laptop", "poedit at home")
    salt: str
    hash: str
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class Retraction(SQLModel, table=True):
    """A live release taken down (from every channel, or one): it stays down until a newer release of
    that document-language is approved, which no retraction names."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    lang: str
    release_id: int = Field(foreign_key="release.id")
    channel: str | None = None  # None: every channel
    reason: str
    actor: str
    at: datetime = Field(default_factory=utcnow)
    # When every channel it covers had taken the release down; None while that is still to do (the take-
    # down failed: `status` shows it pending, and the next publish finishes it) (0013).
    done_at: datetime | None = None


class ChannelState(SQLModel, table=True):
    """How each channel's last publish went: a failure stays shown in `status` until one succeeds (0013)."""

    channel: str = Field(primary_key=True)
    succeeded_at: datetime | None = None
    failed_at: datetime | None = None
    error: str | None = None  # the last failure's one line, while it is the latest word


class WebhookEvent(SQLModel, table=True):
    """One event for one receiver (the outbox): written with the publish that caused it, delivered after.

    Delivered in order per (receiver, document): `id` is the order. `event_id` is what the receiver sees,
    to drop a duplicate."""

    __table_args__ = (
        UniqueConstraint("event_id", "url"),
        Index("ix_webhookevent_state", "state", "url", "document_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str
    url: str
    document_id: int
    lang: str
    kind: str  # published | updated | retracted | expired
    payload: str  # the exact JSON body that is signed and sent
    state: str = "pending"  # pending | delivered | dead
    tries: int = 0
    next_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class PublishRecord(SQLModel, table=True):
    """The publish ledger: what was written where, by content hash, so re-publishing is a no-op."""

    __table_args__ = (
        UniqueConstraint("channel", "path"),
        Index("ix_publishrecord_channel_document", "channel", "document_id"),  # one document's pages (0009)
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    path: str  # relative to the channel's root
    content_hash: str
    input_key: str | None = None  # hash of what the page is rendered from: unchanged means no re-render
    document_id: int | None = Field(default=None, foreign_key="document.id")
    lang: str | None = None
    version_id: int | None = None
    published_at: datetime = Field(default_factory=utcnow)
    # An article's entry in its language's lists, hashed: a publish of a few documents rebuilds the lists
    # of only the languages whose entries changed (0011).
    list_key: str | None = None
