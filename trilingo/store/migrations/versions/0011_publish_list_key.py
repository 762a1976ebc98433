"""publishrecord.list_key: what an article shows in the lists (home, feed, categories), as a hash.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

With it, publishing a few documents knows which languages' lists they change without reading every
live page: `submit` of one changed notice at 10,000 notices read all 30,000 pages (0.3 s) to rebuild
lists whose entries had not changed. Existing records have none, so the first publish of each
document after the upgrade rebuilds its languages' lists, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("publishrecord") as batch_op:
        batch_op.add_column(sa.Column("list_key", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publishrecord") as batch_op:
        batch_op.drop_column("list_key")
