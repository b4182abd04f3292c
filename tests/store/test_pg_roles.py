"""PostgreSQL itself refuses what a registrar's or a reader's login may not do.

``wf db roles init`` hands the tables to an owner role nobody logs in as; the
tests then connect as each kind of login and try what an insider with a
clerk's access would: rewrite or remove entries, truncate, switch triggers
off, write the ledger or the register log, grant themselves a role.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import PG_SKIP, PG_URL, Cli, _pg_database

pytestmark = pytest.mark.skipif(not PG_URL, reason=PG_SKIP)


class Logins:
    def __init__(self, url: str) -> None:
        self.url = url
        tag = uuid.uuid4().hex[:8]
        self.prefix = f"wf{tag}"
        self.admin, self.registrar, self.reader = (f"{kind}_{tag}" for kind in ("adm", "clerk", "reader"))

    def url_for(self, login: str) -> str:
        return make_url(self.url).set(username=login).render_as_string(hide_password=False)

    def cli(self, login: str) -> Cli:
        return Cli(self.url_for(login))


@pytest.fixture
def logins() -> Iterator[Logins]:
    url = next(gen := _pg_database())
    found = Logins(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for login in (found.admin, found.registrar, found.reader):
            conn.execute(sa.text(f'CREATE ROLE "{login}" LOGIN'))
    owner = Cli(url)
    owner("db", "upgrade")
    owner("db", "roles", "init", "--prefix", found.prefix, "--admin", found.admin,
          "--registrar", found.registrar, "--reader", found.reader)
    try:
        yield found
    finally:
        with engine.begin() as conn:
            for role in (found.admin, found.registrar, found.reader,
                         *(f"{found.prefix}_{k}" for k in ("admin", "registrar", "reader", "owner"))):
                conn.execute(sa.text(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER'))
                conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
        engine.dispose()
        gen.close()
        engine = sa.create_engine(make_url(url).set(database="postgres"))
        with engine.begin() as conn:
            for role in (found.admin, found.registrar, found.reader,
                         *(f"{found.prefix}_{k}" for k in ("admin", "registrar", "reader", "owner"))):
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        engine.dispose()


def _refused(url: str, statement: str, match: str) -> None:
    engine = sa.create_engine(url)
    try:
        with pytest.raises(sa.exc.DBAPIError, match=match):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_registrar_records_and_is_recorded_by_login(logins: Logins) -> None:
    owner = Cli(logins.url)
    owner("roles", "grant", logins.registrar, "secretary")
    clerk = logins.cli(logins.registrar)
    case = clerk("case", "open", "finansiering", "--title", "Bidrag", "--date", "2026", "--json")
    import json

    case_id = json.loads(case.output)["id"]
    clerk("case", "note", case_id, "Underlag inkommet.")
    history = json.loads(clerk("case", "history", case_id, "--json").output)
    assert {e["recorded_by"] for e in history} == {logins.registrar}
    engine = sa.create_engine(logins.url)
    with engine.connect() as conn:
        assert {r[0] for r in conn.execute(sa.text("SELECT login FROM ledger WHERE log = 'case'"))} == {logins.registrar}
    engine.dispose()
    assert owner("audit", "verify").exit_code == 0


ENTRY_ATTACKS = [
    ("UPDATE audit_entries SET actor = 'x'", "permission denied"),
    ("DELETE FROM audit_entries", "permission denied"),
    ("TRUNCATE audit_entries CASCADE", "permission denied"),
    ("ALTER TABLE audit_entries DISABLE TRIGGER ALL", "must be owner"),
    ("DROP TRIGGER audit_entries_ledger ON audit_entries", "must be owner"),
    ("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only", "must be owner"),
    ("SET session_replication_role = replica", "permission denied"),
    ("INSERT INTO ledger VALUES (999999, 'case', 'x', 1, 'x', 'x')", "permission denied"),
    ("UPDATE ledger SET login = 'x'", "permission denied"),
    ("DELETE FROM ledger", "permission denied"),
    ("INSERT INTO register_entries VALUES (999, 'grant', 'x', 'x', 'x', '{}', 'x', 'x')", "permission denied"),
    ("INSERT INTO actor_roles VALUES ('x', 'admin', 'x', 'x')", "permission denied"),
    ("DROP FUNCTION wf_ledger_case() CASCADE", "must be owner"),
]


@pytest.mark.parametrize(("statement", "match"), ENTRY_ATTACKS)
def test_the_database_refuses_a_registrar(logins: Logins, statement: str, match: str) -> None:
    _refused(logins.url_for(logins.registrar), statement, match)


@pytest.mark.parametrize("statement", [
    "INSERT INTO cases (id) VALUES ('x')", "UPDATE cases SET state = 'x'", "DELETE FROM due_dates",
    "INSERT INTO audit_entries (case_id) VALUES ('x')",
])
def test_the_database_refuses_writes_by_a_reader(logins: Logins, statement: str) -> None:
    _refused(logins.url_for(logins.reader), statement, "permission denied")


def test_a_reader_reads_and_verifies_but_cannot_record(logins: Logins) -> None:
    reader = logins.cli(logins.reader)
    assert reader("audit", "verify").exit_code == 0
    out = reader("case", "open", "finansiering", "--title", "X", "--date", "2026", code=10).output
    assert "may not record" in out or "refused" in out


def test_only_administrators_grant_and_never_to_themselves(logins: Logins) -> None:
    clerk = logins.cli(logins.registrar)
    admin = logins.cli(logins.admin)
    assert "may not grant" in clerk("roles", "grant", logins.registrar, "admin", code=10).output
    # the administrator's login is a member of the owner role: it owns the register
    admin("roles", "grant", logins.registrar, "officer")
    clerk("case", "open", "finansiering", "--title", "Y", "--date", "2026")
    admin("roles", "revoke", logins.registrar, "officer")
    clerk("case", "open", "finansiering", "--title", "Z", "--date", "2026", code=10)
    Cli(logins.url)("audit", "verify")


def test_a_registrar_records_on_behalf_only_with_a_role_allowing_it(logins: Logins) -> None:
    owner = Cli(logins.url)
    owner("roles", "grant", logins.registrar, "officer")
    clerk = logins.cli(logins.registrar)
    out = clerk("case", "open", "finansiering", "--title", "Y", "--date", "2026", "--actor", "ordföranden", code=10)
    assert "on behalf of" in out.output
    owner("roles", "grant", logins.registrar, "secretary")
    clerk("case", "open", "finansiering", "--title", "Y", "--date", "2026", "--actor", "ordföranden")


def test_roles_init_is_refused_on_sqlite(sqlite_url: str) -> None:
    assert "PostgreSQL" in Cli(sqlite_url)("db", "roles", "init", code=5).output




def test_an_entry_in_anothers_name_is_seen(logins: Logins) -> None:
    """A registrar may insert entries, so one could write a well-chained entry naming another recorder:
    the ledger has the login the database saw, and verification names the difference."""
    import json
    from dataclasses import replace

    from workflow.core.audit import Entry, canonical_json

    owner = Cli(logins.url)
    owner("roles", "grant", logins.registrar, "secretary")
    clerk = logins.cli(logins.registrar)
    case_id = json.loads(clerk("case", "open", "finansiering", "--title", "B", "--date", "2026", "--json").output)["id"]
    last = Entry.from_json(json.loads(clerk("case", "history", case_id, "--json").output)[-1])
    forged = replace(last, seq=last.seq + 1, kind="note", payload={"text": "Beslutat."}, prev_hash=last.hash,
                     recorded_by="ordföranden", actor="ordföranden", recorded_at=last.recorded_at).sealed()
    engine = sa.create_engine(logins.url_for(logins.registrar))
    with engine.begin() as conn:
        row = {**forged.to_json(), "payload": canonical_json(forged.payload)}
        conn.execute(sa.text(
            "INSERT INTO audit_entries (case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, "
            "to_state, reference, payload, request_id, prev_hash, hash, recorded_by) VALUES (:case_id, :seq, :kind, "
            ":actor, :recorded_at, :effective, :trigger, :from_state, :to_state, :reference, :payload, :request_id, "
            ":prev_hash, :hash, :recorded_by)"), row)
        conn.execute(sa.text("UPDATE cases SET head_seq = :s, head_hash = :h, version = :s WHERE id = :c"),
                     {"s": forged.seq, "h": forged.hash, "c": case_id})
    engine.dispose()
    out = owner("audit", "verify", code=9).output
    assert f"says it was entered by 'ordföranden', but the database saw the login '{logins.registrar}'" in out
