"""Who may decide: the roles each actor holds, kept in the database.

A definition says which roles may record which decisions; this table says
which actors hold which roles (``wf roles grant``).  While it is empty and no
roles file is given, everyone may record, so a single officer on SQLite needs
no setup.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actor_roles",
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.String(32), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("actor", "role"),
    )


def downgrade() -> None:
    op.drop_table("actor_roles")
