"""The tables, as SQLAlchemy Core ``Table`` objects.

Core rather than the ORM: the hot path (one decision, one commit) is a handful
of statements, and ``sqlalchemy.orm`` alone costs half a second of start-up.
The typed objects the rest of the engine sees are :class:`workflow.core.case.Case`
and :class:`workflow.core.audit.Entry`, mapped here by the repository.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

definition_versions = Table(
    "definition_versions",
    metadata,
    Column("id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("source", Text, nullable=False),
    PrimaryKeyConstraint("id", "version"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("definition_id", String(64), nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("state", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("opened_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("head_seq", Integer, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Index("ix_cases_definition_state", "definition_id", "state"),
    Index("ix_cases_opened", "opened_at", "id"),
)

case_numbers = Table(
    "case_numbers",
    metadata,
    Column("number", String(100), primary_key=True),
    Column("case_id", String(40), ForeignKey("cases.id"), nullable=False),
    Column("party", String(64)),
    Column("position", Integer, nullable=False),
    Index("ix_case_numbers_case", "case_id"),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("case_id", String(40), ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("effective", String(10)),
    Column("trigger", String(64)),
    Column("from_state", String(64)),
    Column("to_state", String(64)),
    Column("reference", String(200)),
    Column("payload", Text, nullable=False),
    Column("request_id", String(200)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("recorded_by", String(200)),
    PrimaryKeyConstraint("case_id", "seq"),
    UniqueConstraint("case_id", "request_id", name="uq_audit_request"),
)

register_entries = Table(
    "register_entries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
"""The register's own hash-chained log: roles enabled, granted and revoked, imports."""

ledger = Table(
    "ledger",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("log", String(8), nullable=False),
    Column("case_id", String(40)),
    Column("seq", Integer, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("login", String(200), nullable=False),
    Index("ix_ledger_entry", "case_id", "seq"),
)
"""Every entry of every log, in commit order, as the database itself appended it (a trigger):
the leaves of the Merkle tree whose root is the digest (:mod:`workflow.ledger`)."""

due_dates = Table(
    "due_dates",
    metadata,
    Column("case_id", String(40), ForeignKey("cases.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("date", String(10), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("meeting", String(64)),
    Column("status", String(8), nullable=False),
    PrimaryKeyConstraint("case_id", "name"),
    Index("ix_due_dates_open", "status", "due_on", "case_id", "name"),  # migration 0006
)

actor_roles = Table(  # derived: the grants the register log gives (workflow.access)
    "actor_roles",
    metadata,
    Column("actor", String(200), nullable=False),
    Column("role", String(64), nullable=False),
    Column("granted_at", String(32), nullable=False),
    Column("granted_by", String(200), nullable=False),
    PrimaryKeyConstraint("actor", "role"),
)
