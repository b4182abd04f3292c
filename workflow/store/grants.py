"""PostgreSQL roles: the database itself refuses what a clerk's login may not do.

``init_roles`` creates four roles (``PREFIX_owner``, ``_admin``, ``_registrar``,
``_reader``), hands the tables, triggers and functions to the owner role, and
grants the others what their work needs:

* **owner** (no login): owns everything; nobody logs in as it.
* **admin**: a member of the owner role -- schema upgrades, grants, imports.
* **registrar**: reads everything; inserts entries, cases, diary numbers and
  definitions; updates case rows and the due-date index (both derived from the
  log, and checked against it by verification).  It has no right to update,
  delete or truncate entries, to touch the ledger or the register log, or to
  alter or disable a trigger (only an owner may).
* **reader**: reads.

The ledger is written by a ``SECURITY DEFINER`` trigger owned by the owner
role, so a registrar's insert of an entry always reaches the ledger, with the
login the database authenticated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import sqlalchemy as sa

from workflow.core.errors import InvalidInput, StorageError
from workflow.store.repository import Store

TABLES = ("alembic_version", "definition_versions", "cases", "case_numbers", "audit_entries", "due_dates",
          "actor_roles", "register_entries", "ledger")
FUNCTIONS = ("audit_entries_append_only()", "wf_append_only()", "wf_ledger_case()", "wf_ledger_register()")
KINDS = ("admin", "registrar", "reader")
REGISTRAR_WRITES = {
    "audit_entries": "INSERT", "cases": "INSERT, UPDATE", "case_numbers": "INSERT",
    "definition_versions": "INSERT", "due_dates": "INSERT, DELETE",
}


def role_names(prefix: str) -> dict[str, str]:
    if not prefix.replace("_", "").isalnum() or not prefix[:1].isalpha() or len(prefix) > 40:
        raise InvalidInput(f"role prefix {prefix!r}: letters, digits and '_', starting with a letter")
    return {kind: f"{prefix}_{kind}" for kind in ("owner", *KINDS)}


def init_roles(store: Store, prefix: str = "wf", members: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """Create the roles, hand the schema to the owner role, grant; add ``members`` (kind -> logins)."""
    if store.dialect != "postgresql":
        raise InvalidInput("database roles are PostgreSQL's; a SQLite register is its file owner's "
                           "(enable roles in the register itself)")
    names = role_names(prefix)
    q = _quoter(store)
    with store.writing() as conn:
        for name in names.values():
            if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first() is None:
                conn.execute(sa.text(f"CREATE ROLE {q(name)} NOLOGIN"))
        conn.execute(sa.text(f"GRANT {q(names['owner'])} TO {q(names['admin'])}"))
        for table in TABLES:
            conn.execute(sa.text(f"ALTER TABLE {q(table)} OWNER TO {q(names['owner'])}"))
            conn.execute(sa.text(f"REVOKE ALL ON {q(table)} FROM PUBLIC"))
            for kind in ("registrar", "reader"):
                conn.execute(sa.text(f"GRANT SELECT ON {q(table)} TO {q(names[kind])}"))
        for function in FUNCTIONS:
            conn.execute(sa.text(f"ALTER FUNCTION {function} OWNER TO {q(names['owner'])}"))
        for table, rights in REGISTRAR_WRITES.items():
            conn.execute(sa.text(f"GRANT {rights} ON {q(table)} TO {q(names['registrar'])}"))
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        for kind in ("registrar", "reader"):
            conn.execute(sa.text(f"GRANT USAGE ON SCHEMA {q(str(schema))} TO {q(names[kind])}"))
        for kind, logins in (members or {}).items():
            if kind not in KINDS:
                raise InvalidInput(f"unknown kind of login {kind!r}: one of {', '.join(KINDS)}")
            for login in logins:
                if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}).first() is None:
                    raise InvalidInput(f"no database login {login!r}: create it first (CREATE ROLE ... LOGIN)")
                conn.execute(sa.text(f"GRANT {q(names[kind])} TO {q(login)}"))
    return names


def _quoter(store: Store) -> Callable[[str], str]:
    preparer = store.engine.dialect.identifier_preparer

    def quote(name: str) -> str:
        if not name or len(name) > 63:
            raise StorageError(f"not a PostgreSQL name: {name!r}")
        return str(preparer.quote_identifier(name))

    return quote

