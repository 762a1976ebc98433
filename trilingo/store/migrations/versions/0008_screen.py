"""The screen summary (`screen:`) frozen with each release.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("release") as batch_op:
        batch_op.add_column(sa.Column("screen", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("release") as batch_op:
        batch_op.drop_column("screen")
