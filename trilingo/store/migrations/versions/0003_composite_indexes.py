"""Indexes that match the hot queries: translation (lang, state), doclang (lang, state, waiting_since)
and doclang (version_id, lang), which joins a version's segments to their document-language.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

The one-column indexes on translation.lang, translation.state, doclang.lang and doclang.state led
SQLite's planner (which has no statistics for a fresh schema) to scan every translation of a
language for each queue item: the queue took 11 s at 1,000 documents. The indexes that only repeat
the first column of a unique constraint go too.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = {
    "translation": ["ix_translation_lang", "ix_translation_state", "ix_translation_segment_id"],
    "doclang": ["ix_doclang_lang", "ix_doclang_state", "ix_doclang_document_id"],
    "segment": ["ix_segment_version_id"],
}


def upgrade() -> None:
    for table, names in DROPPED.items():
        for name in names:
            op.drop_index(name, table_name=table)
    op.create_index("ix_translation_lang_state", "translation", ["lang", "state"])
    op.create_index("ix_doclang_lang_state", "doclang", ["lang", "state", "waiting_since"])
    op.create_index("ix_doclang_version_lang", "doclang", ["version_id", "lang"])


def downgrade() -> None:
    op.drop_index("ix_doclang_version_lang", table_name="doclang")
    op.drop_index("ix_doclang_lang_state", table_name="doclang")
    op.drop_index("ix_translation_lang_state", table_name="translation")
    op.create_index("ix_segment_version_id", "segment", ["version_id"])
    for name, column in (
        ("ix_doclang_document_id", "document_id"),
        ("ix_doclang_state", "state"),
        ("ix_doclang_lang", "lang"),
    ):
        op.create_index(name, "doclang", [column])
    for name, column in (
        ("ix_translation_segment_id", "segment_id"),
        ("ix_translation_state", "state"),
        ("ix_translation_lang", "lang"),
    ):
        op.create_index(name, "translation", [column])
