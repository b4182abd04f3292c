"""An index on cases by opening time, for listing cases oldest first.

`wf case list` (overdue, by state, ...) orders by (opened_at, id); with a
million cases the index lets the database stop after the first page instead
of sorting every match.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_opened", "cases", ["opened_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_opened", table_name="cases")
