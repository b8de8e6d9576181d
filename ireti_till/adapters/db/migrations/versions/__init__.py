"""Alembic revisions of the ledger (a package only so that wheels ship these files)."""
