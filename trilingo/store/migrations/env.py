"""Alembic's environment: it runs on the connection Trilingo hands it (trilingo.store.schema), under its lock."""

from alembic import context
from sqlmodel import SQLModel

from trilingo.store.schema import import_all_models

import_all_models()
context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite alters a table by copying it
)
with context.begin_transaction():
    context.run_migrations()
