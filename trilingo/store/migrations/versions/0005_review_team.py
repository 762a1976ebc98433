"""Review for a team: users with roles and languages, claims, comments, stored checks and dismissals.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

People who acted before roles existed keep every power they had: they become admins.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(), nullable=False, server_default="admin"))
        batch_op.add_column(sa.Column("langs", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("doclang") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("claim_expires", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("translation") as batch_op:
        batch_op.add_column(sa.Column("checks", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("dismissed", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(), nullable=False),
        sa.Column("segment_n", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["documentversion.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comment_document_id", "comment", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_comment_document_id", table_name="comment")
    op.drop_table("comment")
    with op.batch_alter_table("translation") as batch_op:
        batch_op.drop_column("dismissed")
        batch_op.drop_column("checks")
    with op.batch_alter_table("doclang") as batch_op:
        batch_op.drop_column("claim_expires")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("disabled")
        batch_op.drop_column("langs")
        batch_op.drop_column("role")
