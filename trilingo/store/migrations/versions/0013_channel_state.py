"""channelstate, and retraction.done_at: failures that status shows until they are put right.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

A publish that failed on one channel (a full disk, a read-only folder) left `status` saying
"published" for everything; a retraction whose take-down failed left the page up, and nothing said
so. Now each channel's last failure is kept until one of its publishes succeeds, and a retraction
records when every channel it covers had taken the release down. Existing retractions were carried
out by the publish that followed them, so they are marked done.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channelstate",
        sa.Column("channel", sa.String(), primary_key=True),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
    )
    op.add_column("retraction", sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE retraction SET done_at = at")


def downgrade() -> None:
    with op.batch_alter_table("retraction") as batch_op:
        batch_op.drop_column("done_at")
    op.drop_table("channelstate")
