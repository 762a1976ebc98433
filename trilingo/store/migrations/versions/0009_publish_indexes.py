"""Indexes for publishing a few documents of a big site: release (version_id, lang), by which each
translation finds the Vietnamese release it was made from, and publishrecord (channel, document_id), by
which the ledger loads only the records of the documents being published.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

Without the first, SQLite built a temporary index over every release on each publish (its plan said
AUTOMATIC PARTIAL COVERING INDEX); without the second, `submit` of one notice loaded the 24,000 records
of a 10,000-notice site.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_release_version_lang", "release", ["version_id", "lang"])
    op.create_index("ix_publishrecord_channel_document", "publishrecord", ["channel", "document_id"])


def downgrade() -> None:
    op.drop_index("ix_publishrecord_channel_document", table_name="publishrecord")
    op.drop_index("ix_release_version_lang", table_name="release")
