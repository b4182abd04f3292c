"""Storage: SQLAlchemy Core tables, the repository, Alembic migrations.

Imported only by commands that touch the database, so that the rest of the
engine starts without SQLAlchemy.
"""

from workflow.store.repository import Store

__all__ = ["Store"]
