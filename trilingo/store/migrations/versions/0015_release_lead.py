"""release.lead: a release's first paragraph as plain text, rendered once when it is approved.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

The screens' excerpts and the web lists' summaries were rendered from every live release's Markdown at
every publish: 30,000 renders, about 5 s of a publish that had nothing to do at 10,000 notices. Approval
now stores the text with the release. Releases approved before this revision have none: the first
publish after the upgrade renders theirs once and stores it (trilingo.channels.pages.leads), so this
migration renders nothing and stays quick on a large database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("release", sa.Column("lead", sa.String(), nullable=True))


def downgrade() -> None:
    # Not a batch (which copies the table and drops the old one: SQLite refuses while document-languages
    # point at its rows); both databases drop a plain column in place (SQLite since 3.35).
    op.execute('ALTER TABLE "release" DROP COLUMN lead')
