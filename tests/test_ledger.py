"""The ledger against an attacker who controls the database: every rewrite after a digest is caught.

Each attack is made with the database's own tools, as someone holding the
file (SQLite) or a superuser login (PostgreSQL) would: triggers dropped or
disabled, hashes recomputed.  Two strengths:

* ``naive``: the entries are rewritten (and their chains re-hashed), the
  ledger is left as the database appended it;
* ``strong``: the ledger is rewritten too, consistently, positions renumbered.

The oracle is what a clerk or an auditor runs: ``wf audit verify`` (plain) and
``wf audit verify --digest LINE`` with the line taken before the attack.
Plain verification catches every naive attack and no strong one that leaves
the derived tables alone (that is what the digest is for: see the README);
the digest catches every attack of both strengths, and names what changed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Cli
from workflow import Workflow
from workflow.core.audit import Entry, canonical_json
from workflow.ledger import Digest, check_proof

INSERT_ENTRY = (
    "INSERT INTO audit_entries (case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, to_state, "
    "reference, payload, request_id, prev_hash, hash, recorded_by) VALUES (:case_id, :seq, :kind, :actor, "
    ":recorded_at, :effective, :trigger, :from_state, :to_state, :reference, :payload, :request_id, :prev_hash, "
    ":hash, :recorded_by)"
)


class Attacker:
    """Raw SQL on the database, with the append-only triggers out of the way."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            @sa.event.listens_for(self.engine, "connect")
            def _connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.create_function("wf_login", 0, lambda: "mallory")

    def close(self) -> None:
        self.engine.dispose()

    @property
    def _sqlite_triggers(self) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))]

    def run(self, work: Callable[[sa.Connection], None]) -> None:
        """Run ``work`` with every trigger off, then put the triggers back as they were."""
        if self.sqlite:
            saved = self._sqlite_triggers
            with self.engine.begin() as conn:
                for name, _sql in saved:
                    conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
                work(conn)
                for _name, sql in saved:
                    conn.execute(sa.text(sql))
        else:
            with self.engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                work(conn)

    def entries(self, conn: sa.Connection, case_id: str) -> list[Entry]:
        rows = conn.execute(sa.text("SELECT * FROM audit_entries WHERE case_id = :c ORDER BY seq"),
                            {"c": case_id}).mappings()
        return [Entry(**{**dict(r), "payload": json.loads(r["payload"])}) for r in rows]

    def write_log(self, conn: sa.Connection, case_id: str, entries: list[Entry]) -> None:
        """Replace a case's log with ``entries``, re-chained and re-hashed, and point the case at its head."""
        conn.execute(sa.text("DELETE FROM audit_entries WHERE case_id = :c"), {"c": case_id})
        prev = "0" * 64
        sealed = []
        for i, e in enumerate(entries, start=1):
            s = replace(e, case_id=case_id, seq=i, prev_hash=prev).sealed()
            sealed.append(s)
            prev = s.hash
        for s in sealed:
            row = {**s.to_json(), "payload": canonical_json(s.payload)}
            conn.execute(sa.text(INSERT_ENTRY), row)
        if sealed:
            conn.execute(sa.text("UPDATE cases SET head_seq = :s, head_hash = :h, version = :s WHERE id = :c"),
                         {"s": sealed[-1].seq, "h": sealed[-1].hash, "c": case_id})

    def rebuild_ledger(self, conn: sa.Connection) -> None:
        """The strong attacker's ledger: same order, current hashes, gone entries dropped, positions renumbered."""
        old = conn.execute(sa.text(
            "SELECT log, case_id, seq, login FROM ledger ORDER BY position")).all()
        current = {(r[0], r[1]): r[2] for r in conn.execute(sa.text("SELECT case_id, seq, hash FROM audit_entries"))}
        claimed = {(r[0], r[1]): r[2] for r in conn.execute(sa.text(
            "SELECT case_id, seq, recorded_by FROM audit_entries"))}
        register = {r[0]: r[1] for r in conn.execute(sa.text("SELECT seq, hash FROM register_entries"))}
        rows, seen = [], set()
        for log, case_id, seq, login in old:
            h = current.get((case_id, seq)) if log == "case" else register.get(seq)
            if h is not None and (log, case_id, seq) not in seen:
                rows.append((log, case_id, seq, h, login))
                seen.add((log, case_id, seq))
        # new leaves carry the login the entry claims, so that nothing betrays who wrote them
        rows += [("case", c, s, h, claimed[(c, s)]) for (c, s), h in sorted(current.items()) if ("case", c, s) not in seen]
        conn.execute(sa.text("DELETE FROM ledger"))
        for position, (log, case_id, seq, h, login) in enumerate(rows, start=1):
            conn.execute(sa.text(
                "INSERT INTO ledger (position, log, case_id, seq, entry_hash, login) VALUES (:p, :l, :c, :s, :h, :g)"),
                {"p": position, "l": log, "c": case_id, "s": seq, "h": h, "g": login})


# -- the attacks: each takes (attacker, connection, the two demo cases' ids) ------------------------


def edit_and_rehash(a: Attacker, conn: sa.Connection, ids: tuple[str, str]) -> str:
    log = a.entries(conn, ids[0])
    log[1] = replace(log[1], actor="ordföranden")  # who decided, forged; the recorder left as it was
    a.write_log(conn, ids[0], log)
    return ids[0]


def insert_forged(a: Attacker, conn: sa.Connection, ids: tuple[str, str]) -> str:
    log = a.entries(conn, ids[0])
    forged = replace(log[1], kind="note", trigger=None, from_state=log[1].to_state, to_state=log[1].to_state,
                     reference=None, payload={"text": "Beslutet är upphävt."}, request_id=None, actor="mallory")
    a.write_log(conn, ids[0], [*log[:2], forged, *log[2:]])
    conn.execute(sa.text("UPDATE cases SET head_seq = head_seq WHERE id = :c"), {"c": ids[0]})
    return ids[0]


def remove_newest(a: Attacker, conn: sa.Connection, ids: tuple[str, str]) -> str:
    log = a.entries(conn, ids[1])
    a.write_log(conn, ids[1], log[:-1])
    return ids[1]


def swap_logs(a: Attacker, conn: sa.Connection, ids: tuple[str, str]) -> str:
    first, second = a.entries(conn, ids[0]), a.entries(conn, ids[1])
    rows = {c: dict(conn.execute(sa.text("SELECT state, data, title, definition_id, opened_at, updated_at "
                                         "FROM cases WHERE id = :c"), {"c": c}).mappings().one()) for c in ids}
    a.write_log(conn, ids[0], second)
    a.write_log(conn, ids[1], first)
    for here, there in (ids, ids[::-1]):
        conn.execute(sa.text("UPDATE cases SET state = :state, data = :data, title = :title, "
                             "definition_id = :definition_id, opened_at = :opened_at, updated_at = :updated_at "
                             "WHERE id = :c"), {**rows[there], "c": here})
    return ids[0]


def delete_case(a: Attacker, conn: sa.Connection, ids: tuple[str, str]) -> str:
    for table, column in (("audit_entries", "case_id"), ("case_numbers", "case_id"), ("due_dates", "case_id"),
                          ("cases", "id")):
        conn.execute(sa.text(f"DELETE FROM {table} WHERE {column} = :c"), {"c": ids[1]})
    return "ledger"


def replace_entry(a: Attacker, conn: sa.Connection, ids: tuple[str, str]) -> str:
    """SQLite's INSERT OR REPLACE, PostgreSQL's TRUNCATE and re-insert: both swap an entry in place."""
    log = a.entries(conn, ids[0])
    changed = replace(log[0], actor="mallory").sealed()
    if a.sqlite:
        row = {**changed.to_json(), "payload": canonical_json(changed.payload)}
        conn.execute(sa.text(INSERT_ENTRY.replace("INSERT", "INSERT OR REPLACE", 1)), row)
    else:
        keep = conn.execute(sa.text("SELECT * FROM audit_entries")).mappings().all()
        conn.execute(sa.text("TRUNCATE audit_entries"))
        for r in keep:
            r = dict(r)
            if r["case_id"] == ids[0] and r["seq"] == 1:
                r.update(actor="mallory", hash=changed.hash)
            conn.execute(sa.text(
                "INSERT INTO audit_entries VALUES (:case_id, :seq, :kind, :actor, :recorded_at, :effective, "
                ":trigger, :from_state, :to_state, :reference, :payload, :request_id, :prev_hash, :hash, "
                ":recorded_by)"), r)
    return ids[0]


def forge_grant(a: Attacker, conn: sa.Connection, ids: tuple[str, str]) -> str:
    """A grant slipped into the register log (re-hashed) and the roles table."""
    from workflow.core.audit import GENESIS

    rows = conn.execute(sa.text("SELECT seq, hash FROM register_entries ORDER BY seq")).all()
    prev = rows[-1][1] if rows else GENESIS
    seq = (rows[-1][0] if rows else 0) + 1
    e = Entry(case_id="", seq=seq, kind="grant", actor="mallory", recorded_at="2026-03-23T09:00:00.000000+00:00",
              effective=None, trigger=None, from_state=None, to_state=None, reference=None,
              payload={"actor": "mallory", "role": "registrar"}, prev_hash=prev, recorded_by="mallory").sealed()
    conn.execute(sa.text(
        "INSERT INTO register_entries (seq, kind, actor, recorded_by, recorded_at, payload, prev_hash, hash) "
        "VALUES (:seq, 'grant', 'mallory', 'mallory', :at, :payload, :prev, :hash)"),
        {"seq": seq, "at": e.recorded_at, "payload": canonical_json(e.payload), "prev": prev, "hash": e.hash})
    conn.execute(sa.text("INSERT INTO actor_roles VALUES ('mallory', 'registrar', :at, 'mallory')"),
                 {"at": e.recorded_at})
    # the strong attacker takes it out of the ledger's tail and back in among the old leaves
    return "register"


ATTACKS = {
    "edit-and-rehash": edit_and_rehash,
    "insert-forged": insert_forged,
    "remove-newest": remove_newest,
    "swap-two-logs": swap_logs,
    "delete-case": delete_case,
    "replace-entry": replace_entry,
}


@pytest.fixture
def setup(db_url: str, demo: Any) -> Iterator[tuple[Cli, Attacker, tuple[str, str]]]:
    cli = Cli(db_url)
    attacker = Attacker(db_url)
    yield cli, attacker, ("demo-dorotea", "demo-governo")
    attacker.close()


def _verify(cli: Cli, *args: str) -> tuple[int, str]:
    result = cli("audit", "verify", *args, code=None)
    return result.exit_code, result.output


@pytest.mark.parametrize("strength", ["naive", "strong"])
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_every_rewrite_after_a_digest_is_caught_and_named(setup: Any, attack: str, strength: str) -> None:
    cli, attacker, ids = setup
    digest = cli("audit", "digest").output.strip()
    assert cli("audit", "verify", "--digest", digest).exit_code == 0

    def work(conn: sa.Connection) -> None:
        named.append(ATTACKS[attack](attacker, conn, ids))
        if strength == "strong":
            attacker.rebuild_ledger(conn)

    named: list[str] = []
    attacker.run(work)

    code, out = _verify(cli, "--digest", digest)
    assert code == 9, out
    # the naive attacker is named down to the case (and entry); the strong one down to the ledger's range
    assert (named[0] if strength == "naive" else "ledger:") in out, out
    report = json.loads(cli("audit", "verify", "--digest", digest, "--json", code=9).stdout)
    assert not report["ok"] and report["problems"]

    plain_code, plain = _verify(cli)
    assert (plain_code == 9) == PLAIN_CATCHES[attack, strength], plain


PLAIN_CATCHES = {
    **{(attack, "naive"): True for attack in ATTACKS},
    # A strong attacker who rewrites the ledger too and leaves every derived fact as the log gives it
    # is invisible to plain verification; only a digest taken before shows it (the README's table).
    ("edit-and-rehash", "strong"): False,
    ("insert-forged", "strong"): True,  # the due-date index is keyed by entry number
    ("delete-case", "strong"): False,
    # These leave traces in what the log derives, or in the chain itself.
    ("remove-newest", "strong"): True,
    ("swap-two-logs", "strong"): True,
    ("replace-entry", "strong"): True,
}


@pytest.mark.parametrize("strength", ["naive", "strong"])
def test_a_forged_grant_is_caught(setup: Any, strength: str) -> None:
    cli, attacker, ids = setup
    digest = cli("audit", "digest").output.strip()

    def work(conn: sa.Connection) -> None:
        forge_grant(attacker, conn, ids)
        if strength == "strong":
            attacker.rebuild_ledger(conn)

    attacker.run(work)
    code, out = _verify(cli)
    assert code == 9 and "register log" in out  # not in the ledger, or the ledger grew
    if strength == "strong":
        # the rebuilt ledger holds it, as a new leaf at the end: an extension of the digest,
        # so the digest cannot object; plain verification names the leaf written as 'mallory'
        pass
    code, out = _verify(cli, "--digest", digest)
    assert code == 9


def test_a_derived_column_edited_is_named_by_plain_verify(setup: Any) -> None:
    cli, attacker, ids = setup
    attacker.run(lambda conn: conn.execute(sa.text("UPDATE cases SET state = 'closed' WHERE id = :c"), {"c": ids[0]}))
    code, out = _verify(cli)
    assert code == 9 and "cases.state" in out


def test_the_triggers_refuse_rewrites_in_place(db_url: str, demo: Any) -> None:
    """Without dropping triggers, no rewrite of an entry or the ledger gets through."""
    demo.grant_role("anna", "registrar")  # so that the register log has an entry to delete
    attacker = Attacker(db_url)
    try:
        statements = ["UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_entries",
                      "UPDATE ledger SET login = 'x'", "DELETE FROM ledger", "DELETE FROM register_entries"]
        if attacker.sqlite:
            statements.append(
                "INSERT OR REPLACE INTO audit_entries SELECT case_id, seq, kind, 'x', recorded_at, effective, "
                "trigger, from_state, to_state, reference, payload, request_id, prev_hash, hash, recorded_by "
                "FROM audit_entries")
            statements.append("INSERT OR REPLACE INTO ledger SELECT position, log, case_id, seq, entry_hash, 'x' "
                              "FROM ledger")
        else:
            statements += ["TRUNCATE audit_entries CASCADE", "TRUNCATE ledger", "TRUNCATE register_entries"]
        for statement in statements:
            with _named(statement), pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with attacker.engine.begin() as conn:
                    conn.execute(sa.text(statement))
    finally:
        attacker.close()
    assert Cli(db_url)("audit", "verify").exit_code == 0


@contextlib.contextmanager
def _named(statement: str) -> Iterator[None]:
    try:
        yield
    except BaseException as e:
        e.add_note(f"statement: {statement}")
        raise


def test_digest_is_one_line_and_proofs_check_offline(db_url: str, demo: Any) -> None:
    cli = Cli(db_url)
    old = Digest.parse(cli("audit", "digest").output)
    assert len(old.line) < 100 and old.size == sum(len(log.entries) for log in demo.logs()) + len(demo.register_log())
    demo.add_note("demo-dorotea", "Efter protokollet.")
    report = json.loads(cli("audit", "verify", "--digest", old.line, "--json").stdout)
    new = Digest.parse(report["consistency"]["to"])
    assert new.size == old.size + 1
    assert check_proof(old, new, report["consistency"]["proof"])
    assert not check_proof(replace(old, root="0" * 64), new, report["consistency"]["proof"])


def test_signed_digests(db_url: str, demo: Any, tmp_path: Any) -> None:
    cli = Cli(db_url)
    private, public, other = tmp_path / "k.pem", tmp_path / "k.pub", tmp_path / "o.pub"
    cli("audit", "keygen", str(private), str(public))
    cli("audit", "keygen", str(tmp_path / "o.pem"), str(other))
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    cli("audit", "keygen", str(private), str(public), code=5)  # never overwritten
    signed = cli("audit", "digest", "--sign", str(private)).output.strip()
    cli("audit", "verify", "--digest", signed, "--public-key", str(public))
    assert "signature" in cli("audit", "verify", "--digest", signed, "--public-key", str(other), code=9).output
    unsigned = cli("audit", "digest").output.strip()
    assert "not signed" in cli("audit", "verify", "--digest", unsigned, "--public-key", str(public), code=9).output
    forged = Digest.parse(signed)
    forged = replace(forged, size=forged.size - 1)
    assert cli("audit", "verify", "--digest", forged.line, "--public-key", str(public), code=9)


@pytest.mark.parametrize("line", ["", "wfl1", "wfl1 x " + "0" * 64, "wfl2 1 " + "0" * 64, "wfl1 1 " + "g" * 64])
def test_a_malformed_digest_is_a_clear_error(db_url: str, demo: Any, line: str) -> None:
    out = Cli(db_url)("audit", "verify", "--digest", line, code=5).output
    assert "malformed digest" in out


def test_no_digest_of_a_ledger_that_does_not_match(setup: Any) -> None:
    cli, attacker, ids = setup
    attacker.run(lambda conn: edit_and_rehash(attacker, conn, ids))
    assert "no digest taken" in cli("audit", "digest", code=9).output


def test_entries_written_around_the_ledger_are_named(setup: Any) -> None:
    cli, attacker, ids = setup

    def work(conn: sa.Connection) -> None:
        log = attacker.entries(conn, ids[0])
        extra = replace(log[-1], seq=log[-1].seq + 1, prev_hash=log[-1].hash, kind="note", trigger=None,
                        from_state=None, to_state=None, reference=None, payload={"text": "x"}, request_id=None)
        attacker.write_log(conn, ids[0], [*log, extra])

    attacker.run(work)
    out = _verify(cli)[1]
    assert "is not in the ledger" in out and ids[0] in out


def test_recorded_by_is_the_authenticated_login(wf: Workflow, db_url: str) -> None:
    case = wf.open_case("finansiering", title="Vem", effective="2026")
    entry = wf.history(case.id)[0]
    assert entry.recorded_by == wf.identity.login == entry.actor
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            login = conn.execute(sa.text("SELECT login FROM ledger ORDER BY position DESC")).scalar()
    finally:
        engine.dispose()
    assert login == wf.identity.login
