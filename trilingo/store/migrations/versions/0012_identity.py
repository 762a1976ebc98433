"""Identity that holds: workspace settings, personal API tokens, and an audit log that is a MAC chain.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

- `setting`: rules that protect the public (four_eyes), changed only by an admin, audited. Until now
  the four-eyes rule was read from config.toml and TRILINGO_FOUR_EYES, which anyone could set for one
  command.
- `apitoken`: personal tokens for `trilingo api`; only their scrypt hashes are kept.
- `auditevent.via`, `.seq`, `.mac`: who proved themselves when a local admin acted as someone else, and
  the event's place and MAC in the chain (trilingo.store.audit). Events from before stay as they are;
  the first sealed event chains from a digest of them, so deleting or changing one still shows.
- PostgreSQL: the append-only trigger also refuses TRUNCATE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRUNCATE_TRIGGER = (
    "CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION trilingo_audit_append_only()"
)


def upgrade() -> None:
    op.create_table(
        "setting",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
    )
    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("prefix", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("salt", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(), nullable=True),
    )
    op.create_index("ix_apitoken_prefix", "apitoken", ["prefix"], unique=True)
    op.create_index("ix_apitoken_user_id", "apitoken", ["user_id"], unique=False)
    # batch mode would copy the table on SQLite, which its append-only triggers refuse: plain ALTERs
    op.add_column("auditevent", sa.Column("via", sa.String(), nullable=True))
    op.add_column("auditevent", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("auditevent", sa.Column("mac", sa.String(), nullable=True))
    op.create_index("uq_auditevent_seq", "auditevent", ["seq"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRUNCATE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS auditevent_no_truncate ON auditevent")
    op.drop_index("uq_auditevent_seq", "auditevent")
    op.drop_column("auditevent", "mac")
    op.drop_column("auditevent", "seq")
    op.drop_column("auditevent", "via")
    op.drop_table("apitoken")
    op.drop_table("setting")
