"""The publish ledger remembers what each page was rendered from, so unchanged pages are not re-rendered.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("publishrecord") as batch_op:
        batch_op.add_column(sa.Column("input_key", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publishrecord") as batch_op:
        batch_op.drop_column("input_key")
