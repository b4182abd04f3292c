"""The ledger, the register log, recorders, and the append-only rule without holes.

* ``audit_entries.recorded_by``: who entered an entry, as authenticated.
* ``register_entries``: the register's own hash-chained log (roles enabled,
  granted, revoked; imports).  ``actor_roles`` becomes what that log gives.
* ``ledger``: every entry of every log in commit order, appended by the
  database itself (a trigger), with the login that wrote it -- the leaves of
  the Merkle tree whose root is the digest.  Entries already recorded are
  entered first, oldest first, by the login that runs the upgrade.
* SQLite: ``INSERT OR REPLACE`` cannot replace an entry (a ``BEFORE INSERT``
  trigger).  PostgreSQL: ``TRUNCATE`` is refused by statement triggers; the
  ledger trigger runs as the tables' owner, so a registrar needs no right on
  the ledger, and takes a lock so that positions follow commit order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from workflow.core.audit import GENESIS, Entry, canonical_json

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_entries", "register_entries", "ledger")
LEDGER_LOCK = 727071  # the advisory lock that orders ledger positions on PostgreSQL


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("audit_entries", sa.Column("recorded_by", sa.String(200)))
    op.create_table(
        "register_entries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "ledger",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("log", sa.String(8), nullable=False),
        sa.Column("case_id", sa.String(40)),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("login", sa.String(200), nullable=False),
    )
    op.create_index("ix_ledger_entry", "ledger", ["case_id", "seq"])
    login = "wf_login()" if dialect == "sqlite" else "session_user"
    # Entries recorded before the ledger existed, oldest first.
    op.execute(
        "INSERT INTO ledger (position, log, case_id, seq, entry_hash, login) "
        "SELECT row_number() OVER (ORDER BY recorded_at, case_id, seq), 'case', case_id, seq, hash, "
        f"{login} FROM audit_entries"
    )
    if dialect == "sqlite":
        _sqlite_triggers()
    elif dialect == "postgresql":
        _postgresql_triggers()
    _grants_into_register_log(bind)


def _sqlite_triggers() -> None:
    for table in ("register_entries", "ledger"):
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table.replace('_', ' ')} are append-only'); END"
            )
    # INSERT OR REPLACE deletes the conflicting row without firing a DELETE trigger: refuse the conflict first.
    op.execute(
        "CREATE TRIGGER audit_entries_no_replace BEFORE INSERT ON audit_entries WHEN EXISTS ("
        "SELECT 1 FROM audit_entries WHERE case_id = NEW.case_id AND (seq = NEW.seq OR "
        "(NEW.request_id IS NOT NULL AND request_id = NEW.request_id))) "
        "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER register_entries_no_replace BEFORE INSERT ON register_entries WHEN EXISTS ("
        "SELECT 1 FROM register_entries WHERE seq = NEW.seq) "
        "BEGIN SELECT RAISE(ABORT, 'register entries are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER ledger_no_replace BEFORE INSERT ON ledger WHEN EXISTS ("
        "SELECT 1 FROM ledger WHERE position = NEW.position) "
        "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END"
    )
    for table, log, case_id in (("audit_entries", "case", "NEW.case_id"), ("register_entries", "register", "NULL")):
        op.execute(
            f"CREATE TRIGGER {table}_ledger AFTER INSERT ON {table} BEGIN "
            "INSERT INTO ledger (position, log, case_id, seq, entry_hash, login) VALUES ("
            f"(SELECT coalesce(max(position), 0) + 1 FROM ledger), '{log}', {case_id}, NEW.seq, NEW.hash, "
            "wf_login()); END"
        )


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION wf_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
    )
    for table in APPEND_ONLY:
        if table != "audit_entries":  # its row trigger exists since the first revision
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION wf_append_only()"
            )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION wf_append_only()"
        )
    for table, log, case_id in (("audit_entries", "case", "NEW.case_id"), ("register_entries", "register", "NULL")):
        op.execute(
            f"CREATE FUNCTION wf_ledger_{log}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path FROM CURRENT AS $$ BEGIN "
            f"PERFORM pg_advisory_xact_lock({LEDGER_LOCK}); "
            "INSERT INTO ledger (position, log, case_id, seq, entry_hash, login) "
            f"SELECT coalesce(max(position), 0) + 1, '{log}', {case_id}, NEW.seq, NEW.hash, session_user "
            "FROM ledger; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_ledger AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION wf_ledger_{log}()"
        )


def _grants_into_register_log(bind: sa.Connection) -> None:
    """Grants made before the register log existed become its first entries (roles enabled first)."""
    rows = bind.execute(sa.text(
        "SELECT actor, role, granted_at, granted_by FROM actor_roles ORDER BY granted_at, actor, role")).all()
    if not rows:
        return
    # Who granted was typed, not authenticated: it stays the actor; the login running the upgrade
    # is who enters the grants into the register log.
    login = str(bind.execute(sa.text(
        "SELECT wf_login()" if bind.dialect.name == "sqlite" else "SELECT session_user")).scalar())
    drafts: list[tuple[str, str, str, dict[str, str]]] = [("roles_enabled", rows[0][3], rows[0][2], {})]
    drafts += [("grant", by, at, {"actor": actor, "role": role}) for actor, role, at, by in rows]
    prev = GENESIS
    for seq, (kind, by, at, payload) in enumerate(drafts, start=1):
        e = Entry(case_id="", seq=seq, kind=kind, actor=by, recorded_at=at, effective=None, trigger=None,
                  from_state=None, to_state=None, reference=None, payload=payload, prev_hash=prev,
                  recorded_by=login).sealed()
        bind.execute(sa.text(
            "INSERT INTO register_entries (seq, kind, actor, recorded_by, recorded_at, payload, prev_hash, hash) "
            "VALUES (:seq, :kind, :actor, :by, :at, :payload, :prev, :hash)"),
            {"seq": seq, "kind": kind, "actor": by, "by": login, "at": at, "payload": canonical_json(payload),
             "prev": prev, "hash": e.hash})
        prev = e.hash


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        for table in ("register_entries", "ledger"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_ledger ON audit_entries")
        op.execute("DROP TRIGGER IF EXISTS register_entries_ledger ON register_entries")
        op.execute("DROP FUNCTION IF EXISTS wf_ledger_case()")
        op.execute("DROP FUNCTION IF EXISTS wf_ledger_register()")
        op.execute("DROP FUNCTION IF EXISTS wf_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_replace")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_ledger")
    op.drop_table("ledger")
    op.drop_table("register_entries")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("recorded_by")
