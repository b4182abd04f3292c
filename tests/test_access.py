"""Who may record: the owner's register, roles enabled for good, grants that fail closed.

Identity comes from authentication: the operating-system user on SQLite, the
login on PostgreSQL.  A person other than the login appears only when a login
holding ``service`` vouches for them (the web app), which is how these tests
act as several people on one machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from workflow import Decision, DecisionRef, Workflow
from workflow.core.errors import PermissionDenied


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read wf's English output (as wf --lang en); tests/test_i18n.py reads the Swedish."""
    monkeypatch.setenv("WF_LANG", "en")


def _as(db_url: str, clock: Any, user: str) -> Workflow:
    return Workflow(db_url, clock=clock, user=user)


def test_an_open_register_is_its_owners(wf: Workflow, cli: Cli) -> None:
    me = wf.identity
    assert me.owner and me.user == me.login
    case = wf.open_case("finansiering", title="Egen", effective="2026")
    first = wf.history(case.id)[0]
    assert first.recorded_by == me.login and first.actor == me.login
    # on one's own register one records for anyone
    wf.add_note(case.id, "För ordföranden.", actor="ordföranden")
    assert wf.history(case.id)[-1].actor == "ordföranden"
    assert "not enabled" in cli("roles", "list").output


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the file to another user")
def test_someone_elses_open_register_refuses(sqlite_url: str, clock: Any) -> None:
    with Workflow(sqlite_url, clock=clock) as owner:
        owner.open_case("finansiering", title="Ägarens", effective="2026")
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    os.chown(path, 65534, 65534)  # now another user's file
    with Workflow(sqlite_url, clock=clock) as other, pytest.raises(PermissionDenied, match="owner's alone"):
        other.open_case("finansiering", title="Intrång", effective="2026")
    assert "owner's alone" in Cli(sqlite_url)("case", "open", "finansiering", "--title", "X", code=10).output


def test_a_service_vouches_only_with_the_service_role(wf: Workflow, db_url: str, clock: Any) -> None:
    wf.grant_role("anna", "registrar")  # roles are now enabled, for good
    with _as(db_url, clock, "anna") as anna, pytest.raises(PermissionDenied, match="'service'"):
        anna.open_case("finansiering", title="A", effective="2026")
    wf.grant_role(wf.identity.login, "service")  # the owner may grant itself
    with _as(db_url, clock, "anna") as anna:
        case = anna.open_case("finansiering", title="A", effective="2026")
        entry = anna.history(case.id)[0]
        assert entry.recorded_by == "anna" and entry.actor == "anna"


@pytest.fixture
def enabled(wf: Workflow) -> Workflow:
    wf.grant_role(wf.identity.login, "service")
    return wf


def test_roles_fail_closed(enabled: Workflow, db_url: str, clock: Any) -> None:
    with _as(db_url, clock, "bertil") as bertil, pytest.raises(PermissionDenied, match="holds no role"):
        bertil.open_case("finansiering", title="B", effective="2026")
    enabled.grant_role("bertil", "officer")
    with _as(db_url, clock, "bertil") as bertil:
        case = bertil.open_case("finansiering", title="B", effective="2026")
    enabled.revoke_role("bertil", "officer")
    enabled.revoke_role(enabled.identity.login, "service")
    assert enabled.access().enabled and not enabled.access().grants
    # every grant revoked: no one records, the owner included, until a grant is made again
    with pytest.raises(PermissionDenied):
        enabled.add_note(case.id, "Ägaren utan roll.")
    assert enabled.enable_roles() is False  # never switched off, never twice


def test_self_grant_is_refused_and_only_admins_grant(enabled: Workflow, db_url: str, clock: Any) -> None:
    enabled.grant_role("cecilia", "secretary")
    with _as(db_url, clock, "cecilia") as cecilia:
        with pytest.raises(PermissionDenied, match="only the register's owner"):
            cecilia.grant_role("cecilia", "admin")
        with pytest.raises(PermissionDenied, match="only the register's owner"):
            cecilia.grant_role("david", "secretary")
    enabled.grant_role("cecilia", "admin")
    with _as(db_url, clock, "cecilia") as cecilia:
        with pytest.raises(PermissionDenied, match="of their own"):
            cecilia.grant_role("cecilia", "registrar")
        with pytest.raises(PermissionDenied, match="of their own"):
            cecilia.revoke_role("cecilia", "admin")
        assert cecilia.grant_role("david", "officer")
    kinds = [(e.kind, e.payload.get("actor"), e.payload.get("role"), e.recorded_by) for e in enabled.register_log()]
    assert kinds[-1] == ("grant", "david", "officer", "cecilia")
    assert enabled.verify().ok


def test_on_behalf_needs_a_role_the_definition_allows(enabled: Workflow, db_url: str, clock: Any) -> None:
    enabled.grant_role("erik", "officer")
    enabled.grant_role("frida", "secretary")
    with _as(db_url, clock, "erik") as erik:
        case = erik.open_case("finansiering", title="E", effective="2026")
        with pytest.raises(PermissionDenied, match="on behalf of 'ordföranden'"):
            erik.add_note(case.id, "För ordföranden.", actor="ordföranden")
    with _as(db_url, clock, "frida") as frida:
        rec = frida.advance(case.id, Decision(trigger="grant", actor="HSN",
                                              reference=DecisionRef.parse("HSN 2026-02-28 § 15"),
                                              amount="100000", ceiling="200000"))
    entry = rec.entries[0]
    assert (entry.actor, entry.recorded_by) == ("HSN", "frida")


def test_cli_roles(cli: Cli) -> None:
    cli("case", "open", "finansiering", "--title", "X", "--date", "2026")
    assert "unknown role 'chef'" in cli("roles", "grant", "anna", "chef", code=5).output
    out = cli("roles", "grant", "anna", "registrar")
    assert "granted registrar to anna" in out.output and "now enabled" in out.output
    assert "anna" in cli("roles", "list").output
    cli("roles", "revoke", "anna", "registrar")
    cli("roles", "revoke", "anna", "registrar", code=3)
    # the owner (this process's user) holds no role now: recording is refused, fail closed
    cli("case", "open", "finansiering", "--title", "Y", "--date", "2026", code=10)
    assert cli("audit", "verify").exit_code == 0
