"""Alembic environment for the ledger, run programmatically (see ``adapters/db/migrate.py``).

No ``alembic.ini`` is needed: ``migrate.upgrade`` builds the Alembic ``Config`` in code and
hands over an open connection from the ledger engine (so the DESIGN §4 pragmas and
``BEGIN IMMEDIATE`` apply to migrations too). Every ``models*.py`` module under
``adapters/db`` is imported so ``Base.metadata`` is complete for autogenerate-style checks.
"""

from __future__ import annotations

from alembic import context

from ireti_till.adapters.db.base import Base
from ireti_till.adapters.db.migrate import import_all_models

import_all_models()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run ledger migrations through ireti_till.adapters.db.migrate")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: recreate tables instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported for the ledger")
run_migrations_online()
