"""Alembic environment of the back-office server (PostgreSQL)."""

from __future__ import annotations

from alembic import context

from ireti_till.server.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
