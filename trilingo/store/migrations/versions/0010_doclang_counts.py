"""doclangcount: each document-language's segments by state, kept at every commit (trilingo.store.counts).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

The review queue and `status` counted every translation of the current versions on each call: 0.3 s
on PostgreSQL at 10,000 documents, a third of a cold command. The table is filled here from the
translations as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trilingo.store.counts import COLUMNS, recount_all

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "doclangcount",
        sa.Column("doclang_id", sa.Integer(), sa.ForeignKey("doclang.id"), primary_key=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COLUMNS),
    )
    recount_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("doclangcount")
