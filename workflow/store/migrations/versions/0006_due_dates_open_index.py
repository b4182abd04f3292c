"""An index of open due dates in the order lists read them, so that a page of them costs the same at any size.

``wf due`` pages through open due dates by (due date, case, name); with only
(status, due_on) indexed the database sorted every row of a due date's day to
find the first page.  ``case list --overdue`` looks the overdue ones up by
date first when they are few.  The new index holds (status, due_on, case_id,
name): a page is read off it in order, and the overdue ones are found without
reading the table.  It replaces (status, due_on), its prefix.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Idempotent, so that a register whose revision was set back (as tests of later migrations do) upgrades.
    op.create_index("ix_due_dates_open", "due_dates", ["status", "due_on", "case_id", "name"], if_not_exists=True)
    op.drop_index("ix_due_dates_status_due_on", table_name="due_dates", if_exists=True)


def downgrade() -> None:
    op.create_index("ix_due_dates_status_due_on", "due_dates", ["status", "due_on"])
    op.drop_index("ix_due_dates_open", table_name="due_dates")
