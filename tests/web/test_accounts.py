"""Accounts and tokens are entries of the register log: created by an administrator, never a password or a token in
clear, a new password or a disabled account ends the sessions made before; the single sign-on header when enabled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from tests.web.live import PASSWORD, Served, serve


def run(database: str, *args: str) -> Any:
    from workflow_cli.serve import serve as command

    return CliRunner().invoke(command, list(args), env={"WF_DATABASE_URL": database})


def test_accounts_and_tokens_are_register_entries_with_no_secret_in_clear(demo_url: str) -> None:
    from workflow.web.facade import WebWorkflow

    assert run(demo_url, "account", "add", "dora", "--password", "ett-långt-lösenord").exit_code == 0
    assert run(demo_url, "account", "add", "dora", "--password", "ett-långt-lösenord").exit_code != 0
    short = run(demo_url, "account", "add", "eva", "--password", "kort")
    assert short.exit_code != 0 and "at least 10 characters" in str(short.exception)
    token = run(demo_url, "token", "issue", "diariet").output.strip()
    listed = run(demo_url, "token", "list", "--json").output
    assert "diariet" in listed and token not in listed
    wf = WebWorkflow(demo_url)
    kinds = [e.kind for e in wf.register_log()]
    assert "account_created" in kinds and "token_issued" in kinds
    if demo_url.startswith("sqlite:///"):  # the file's bytes; on PostgreSQL, every row of every table
        raw = Path(demo_url.removeprefix("sqlite:///")).read_bytes()
    else:
        from tests.conftest import dump

        raw = repr(dump(demo_url)).encode("utf-8")
    assert "ett-långt-lösenord".encode() not in raw and token.encode() not in raw
    assert wf.authenticate("dora", "ett-långt-lösenord") is not None
    assert wf.authenticate("dora", "fel") is None and wf.authenticate("ingen", "ett-långt-lösenord") is None
    assert wf.verify().ok  # the register log, with its new entries, still verifies
    wf.close()


def test_a_new_password_or_a_disabled_account_ends_the_sessions(site: Served, login: Any) -> None:
    anna = login("anna")
    assert anna.get("/cases").status_code == 200
    assert run(site.database, "account", "password", "anna", "--password", "ett-nytt-lösenord").exit_code == 0
    site.app.state.web.cache.forget()
    assert anna.get("/cases").status_code == 303  # back to the login page
    bo = login("bo")
    assert run(site.database, "account", "disable", "bo").exit_code == 0
    site.app.state.web.cache.forget()
    assert bo.get("/cases").status_code == 303
    with httpx.Client(base_url=site.url) as client:
        from tests.web.live import csrf_of

        page = client.get("/login")
        refused = client.post("/login", data={"csrf": csrf_of(page.text), "name": "bo", "password": PASSWORD})
        assert refused.status_code == 401


def test_the_single_sign_on_header_only_when_enabled(demo_url: str) -> None:
    with serve(demo_url) as plain:
        assert httpx.get(plain.url + "/cases", headers={"X-Remote-User": "anna"}).status_code == 303
    with serve(demo_url, trusted_header="X-Remote-User") as behind_proxy:
        page = httpx.get(behind_proxy.url + "/cases", headers={"X-Remote-User": "anna"})
        assert page.status_code == 200 and "Inloggad som anna" in page.text
        assert httpx.get(behind_proxy.url + "/api/cases", headers={"X-Remote-User": "anna"}).status_code == 200
