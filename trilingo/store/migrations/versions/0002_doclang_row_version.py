"""Optimistic locking on the document-language: approval becomes a compare-and-set.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Two reviewers approving the same document-language at once both succeeded and left an orphaned
release. Every update of a DocLang row now says "WHERE row_version = <what I read>".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("doclang") as batch_op:
        batch_op.add_column(sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("doclang") as batch_op:
        batch_op.drop_column("row_version")
