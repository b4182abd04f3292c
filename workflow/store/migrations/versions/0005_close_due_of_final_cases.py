"""Cases already in a final state close their open due dates, as the engine now does when they reach it.

A closed, withdrawn or rejected case has nothing more due; since this release the
engine closes such due dates in the case's data when the case reaches its final
state, and the due-date index follows.  Cases that reached a final state before
are brought to what replaying their logs now gives, so that verification agrees.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import json

import sqlalchemy as sa
from alembic import op

from workflow.core.audit import canonical_json

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from workflow.core.loading import load_text

    bind = op.get_bind()
    finals: dict[tuple[str, int], set[str]] = {}
    for did, version, source in bind.execute(sa.text("SELECT id, version, source FROM definition_versions")):
        try:
            d = load_text(source, f"<database: {did} v{version}>")
        except Exception:  # a definition this version cannot read: leave its cases as they are
            continue
        finals[(did, version)] = {s for s, st in d.states.items() if st.final}
    rows = bind.execute(sa.text("SELECT id, definition_id, definition_version, state, data FROM cases")).all()
    for case_id, did, version, state, data in rows:
        if state not in finals.get((did, version), set()):
            continue
        parsed = json.loads(data)
        due = parsed.get("due", {})
        open_names = [name for name, d in due.items() if d.get("status") == "open"]
        if not open_names:
            continue
        for name in open_names:
            due[name]["status"] = "closed"
        bind.execute(sa.text("UPDATE cases SET data = :data WHERE id = :id"),
                     {"data": canonical_json(parsed), "id": case_id})
        for name in open_names:
            bind.execute(sa.text("UPDATE due_dates SET status = 'closed' WHERE case_id = :id AND name = :name"),
                         {"id": case_id, "name": name})


def downgrade() -> None:
    """Nothing to undo: the closed due dates are what the log gives."""
