"""The tables the cold read-only commands query (`review queue`, `status`), as plain SQLAlchemy Core.

The models (store.models) stay the schema's one description: these name only the columns those
commands read, and a test checks each against its model column (name, type, nullability). Importing
the models loads SQLModel and pydantic and builds every mapped class: 0.25-0.35 s of each cold command
on this project's 2-core machine, a third of the one second a reviewer's queue may take.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table

from trilingo.store.values import SegmentState

METADATA = MetaData()  # not the models' metadata: nothing creates tables from this one
# doclangcount: the segments of a document-language's current version, by state (store.counts keeps them)
STATES = tuple(str(s) for s in SegmentState)
COUNT_COLUMNS = ("segments", *STATES, "warned")


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


document = Table("document", METADATA, _id(), Column("slug", String, nullable=False))

documentversion = Table(
    "documentversion",
    METADATA,
    _id(),
    Column("number", Integer, nullable=False),
    Column("title", String, nullable=False),
    Column("expires", DateTime(timezone=True)),
)

doclang = Table(
    "doclang",
    METADATA,
    _id(),
    Column("document_id", Integer, nullable=False),
    Column("lang", String, nullable=False),
    Column("version_id", Integer, nullable=False),
    Column("state", String, nullable=False),
    Column("release_id", Integer),
    Column("reason", String),
    Column("waiting_since", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String),
    Column("claim_expires", DateTime(timezone=True)),
)

doclangcount = Table(
    "doclangcount",
    METADATA,
    Column("doclang_id", Integer, primary_key=True),
    *(Column(name, Integer, nullable=False) for name in COUNT_COLUMNS),
)

release = Table(
    "release",
    METADATA,
    _id(),
    Column("document_id", Integer, nullable=False),
    Column("lang", String, nullable=False),
    Column("version_id", Integer, nullable=False),
    Column("content_hash", String, nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    Column("lead", String),
)

segment = Table("segment", METADATA, _id(), Column("version_id", Integer, nullable=False))

translation = Table(
    "translation",
    METADATA,
    _id(),
    Column("segment_id", Integer, nullable=False),
    Column("lang", String, nullable=False),
    Column("state", String, nullable=False),
    Column("detail", JSON, nullable=False),
)

publishrecord = Table(
    "publishrecord",
    METADATA,
    _id(),
    Column("channel", String, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
)

webhookevent = Table(
    "webhookevent",
    METADATA,
    _id(),
    Column("state", String, nullable=False),
    Column("last_error", String),
)

user = Table(
    "user",
    METADATA,
    _id(),
    Column("name", String, nullable=False),
    Column("role", String, nullable=False),
    Column("langs", JSON, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("ui_lang", String),
)

# The audit log, written at each commit (store.audit) and walked by `audit verify`, without the ORM.
auditevent = Table(
    "auditevent",
    METADATA,
    _id(),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String, nullable=False),
    Column("via", String),
    Column("action", String, nullable=False),
    Column("document_id", Integer),
    Column("lang", String),
    Column("segment_id", Integer),
    Column("old", String),
    Column("new", String),
    Column("detail", JSON, nullable=False),
    Column("seq", Integer),
    Column("mac", String),
)

setting = Table(
    "setting",
    METADATA,
    Column("key", String, primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String, nullable=False),
)

apitoken = Table(
    "apitoken",
    METADATA,
    _id(),
    Column("prefix", String, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("name", String, nullable=False),
    Column("salt", String, nullable=False),
    Column("hash", String, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String, nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String),
)

channelstate = Table(
    "channelstate",
    METADATA,
    Column("channel", String, primary_key=True),
    Column("succeeded_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Column("error", String),
)

retraction = Table(
    "retraction",
    METADATA,
    _id(),
    Column("document_id", Integer, nullable=False),
    Column("lang", String, nullable=False),
    Column("channel", String),
    Column("reason", String, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
)
