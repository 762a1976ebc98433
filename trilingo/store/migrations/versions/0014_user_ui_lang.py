"""user.ui_lang: the language Trilingo speaks to each person.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A Lao reviewer whose own setting is `lo` reads the CLI in Lao without a flag. Empty means "as the
machine's locale says" (trilingo.i18n), which is what everyone had before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user", sa.Column("ui_lang", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("ui_lang")
