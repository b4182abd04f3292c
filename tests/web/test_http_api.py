"""The HTTP API as the tools around the register use it: tokens, cases, triggers, decisions with If-Match and
Idempotency-Key, history, due dates and exports; problem details with the CLI's kinds and exit codes; the OpenAPI
document; a client that is not Python (curl) records a decision."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.web.live import Served

REFERENCE = "HSN 2026-04-15 § 30"


def issue(database: str, name: str, *args: str) -> str:
    """``wf serve token issue NAME``, as an administrator runs it."""
    from workflow_cli.serve import serve

    done = CliRunner().invoke(serve, ["token", "issue", name, *args], env={"WF_DATABASE_URL": database})
    assert done.exit_code == 0, done.output
    token = done.output.strip()
    assert token.startswith("wft_")
    return token


@pytest.fixture
def token(site: Served) -> str:
    secret = issue(site.database, "diariet")
    site.app.state.web.cache.forget()
    return secret


def api(site: Served, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=site.url + "/api", headers=headers, timeout=30)


def test_the_openapi_document_validates_and_is_public(site: Served) -> None:
    from openapi_spec_validator import validate

    doc = httpx.get(site.url + "/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.")
    decide = doc["paths"]["/api/cases/{key}/decisions"]["post"]
    headers = {p["name"] for p in decide["parameters"] if p["in"] == "header"}
    assert {"If-Match", "Idempotency-Key"} <= headers
    assert "412" in decide["responses"]
    assert doc["components"]["schemas"]["Problem"]["required"][-1] == "exit_code"
    assert "reference" in doc["components"]["schemas"]["Decision"]["properties"]


def test_every_api_path_but_the_document_needs_a_login(site: Served) -> None:
    doc = httpx.get(site.url + "/openapi.json").json()
    with httpx.Client(base_url=site.url, timeout=30) as client:
        for path, ops in doc["paths"].items():
            url = path.replace("{key}", "demo-dorotea").replace("{definition_id}", "systemledning")
            for method in ops:
                answer = client.request(method.upper(), url, json={} if method == "post" else None)
                assert answer.status_code == 401, (method, path, answer.status_code)
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.json()["exit_code"] == 10
        assert client.get("/api/cases", headers={"Authorization": "Bearer wft_not-a-token"}).status_code == 401


def test_a_decision_with_etag_if_match_and_idempotency_key(site: Served, token: str) -> None:
    with api(site, token) as client:
        read = client.get("/cases/HSN 501-2023")
        assert read.status_code == 200
        etag = read.headers["etag"]
        assert etag == f'"{read.json()["version"]}"'
        steps = client.get("/cases/demo-dorotea/triggers").json()["triggers"]
        step = next(s for s in steps if s["trigger"] == "approve_report_back")
        assert step["fields"] == ["reference"]
        body = {"trigger": "approve_report_back", "decision": REFERENCE, "to": ["Hälso- och sjukvårdsdirektören"]}
        first = client.post("/cases/demo-dorotea/decisions", json=body,
                            headers={"If-Match": etag, "Idempotency-Key": "dnr-4711"})
        assert first.status_code == 201, first.text
        assert first.headers["etag"] == f'"{first.json()["case"]["version"]}"'
        again = client.post("/cases/demo-dorotea/decisions", json=body,
                            headers={"If-Match": etag, "Idempotency-Key": "dnr-4711"})
        assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
        assert again.json()["entries"] == first.json()["entries"]
        history = client.get("/cases/demo-dorotea/history").json()["entries"]
        assert [e["reference"] for e in history].count(REFERENCE) == len(first.json()["entries"])
        assert history[-1]["recorded_by"] == "diariet"
        stale = client.post("/cases/demo-dorotea/decisions", headers={"If-Match": etag},
                            json={"trigger": "extend_pilot", "decision": "HSN 2026-04-16 § 31",
                                  "due": "pilot_end=2027-09"})
        assert stale.status_code == 412
        problem = stale.json()
        assert problem["current_version"] == first.json()["case"]["version"]
        assert problem["kind"] == "ConcurrentUpdate" and problem["exit_code"] == 7
        assert stale.headers["etag"] == first.headers["etag"]


@pytest.mark.parametrize(("body", "status", "kind", "code", "field"), [
    ({"trigger": "approve_report_back", "decision": "HSN igår"}, 422, "InvalidInput", 5, "reference"),
    ({"trigger": "approve_report_back"}, 422, "MissingRequirement", 5, "reference"),
    ({"trigger": "start_pilot", "decision": REFERENCE}, 409, "TransitionNotAllowed", 4, None),
    ({"trigger": "approve_report_back", "decision": REFERENCE, "colour": "red"}, 422, "InvalidInput", 5, None),
])
def test_errors_are_problem_details_with_the_cli_kinds_and_exit_codes(
        site: Served, token: str, body: dict[str, Any], status: int, kind: str, code: int, field: str | None) -> None:
    with api(site, token) as client:
        answer = client.post("/cases/demo-dorotea/decisions", json=body)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert (problem["kind"], problem["exit_code"], problem.get("field")) == (kind, code, field)
        assert problem["status"] == status and problem["type"].startswith("urn:kansli-workflow:problem:")
        missing = client.get("/cases/HSN 999-1999")
        assert missing.status_code == 404 and missing.json()["exit_code"] == 3


def test_cases_are_paged_by_a_cursor(site: Served, token: str) -> None:
    with api(site, token) as client:
        seen: list[str] = []
        after = None
        while True:
            page = client.get("/cases", params={"limit": 2, **({"after": after} if after else {})}).json()
            seen += [c["id"] for c in page["cases"]]
            after = page["next"]
            if not after:
                break
        assert len(seen) == len(set(seen)) == 6
        found = client.get("/cases", params={"q": "KS-2023-0136"}).json()["cases"]
        assert [c["id"] for c in found] == ["demo-dorotea"]
        assert client.get("/due").status_code == 200
        exported = client.get("/cases/demo-governo/export").json()
        assert [c["id"] for c in exported["cases"]] == ["demo-governo"]


def test_roles_and_revoked_tokens_by_api(site: Served) -> None:
    from workflow.web.facade import WebWorkflow

    owner = WebWorkflow(site.database)
    owner.grant_role(owner.identity.login, "service")
    owner.grant_role("bo", "officer")
    nobody, bo = owner.issue_token("gast"), owner.issue_token("bo")
    owner.close()
    site.app.state.web.cache.forget()
    with api(site, nobody) as client:
        refused = client.get("/cases/demo-dorotea")
        assert refused.status_code == 403 and refused.json()["exit_code"] == 10
    with api(site, bo) as client:
        assert client.get("/cases/demo-dorotea").status_code == 200
        above = client.post("/cases/demo-dorotea/decisions",
                            json={"trigger": "approve_report_back", "decision": REFERENCE, "actor": "HSN"})
        assert above.status_code == 403 and above.json()["kind"] == "PermissionDenied"
        assert above.json().get("field") == "actor"
    from workflow_cli.serve import serve

    done = CliRunner().invoke(serve, ["token", "revoke", "bo"], env={"WF_DATABASE_URL": site.database})
    assert done.exit_code == 0
    site.app.state.web.cache.forget()
    with api(site, bo) as client:
        assert client.get("/cases/demo-dorotea").status_code == 401


def test_a_browser_session_needs_the_csrf_header_for_the_api(site: Served, anna: Any) -> None:
    body = {"trigger": "approve_report_back", "decision": REFERENCE}
    refused = anna.post("/api/cases/demo-dorotea/decisions", json=body)
    assert refused.status_code == 403
    page = anna.get("/cases")
    from tests.web.live import csrf_of

    done = anna.post("/api/cases/demo-dorotea/decisions", json=body, headers={"X-CSRF-Token": csrf_of(page.text)})
    assert done.status_code == 201


def test_the_calendar_feed_takes_its_token_in_the_url(site: Served, anna: Any) -> None:
    from tests.web.live import csrf_of

    page = anna.post("/due/feed", data={"csrf": csrf_of(anna.get("/due").text)})
    assert page.status_code == 200
    import re

    url = re.search(r'value="(http[^"]+due\.ics\?token=[^"]+)"', page.text)
    assert url, page.text
    feed = httpx.get(url.group(1).replace("&amp;", "&"))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in feed.text and "Gemensam systemledning" in feed.text
    assert httpx.get(site.url + "/api/due.ics?token=wft_wrong").status_code == 401
    from workflow.web.facade import WebWorkflow

    with WebWorkflow(site.database) as reader:
        tokens = reader.accounts().tokens
    assert tokens["anna:kalender"].scope == "feed"
    site.app.state.web.cache.forget()
    feed_only = httpx.get(site.url + "/api/cases", headers={"Authorization": "Bearer " + url.group(1).split("=")[-1]})
    assert feed_only.status_code == 403


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_records_a_decision(site: Served, token: str) -> None:
    """A client that is not Python: curl reads the ETag, records with If-Match and an Idempotency-Key twice
    (recorded once), and a stale If-Match gets 412 with the current version."""
    base = site.url + "/api/cases/demo-dorotea"
    auth = f"Authorization: Bearer {token}"

    def curl(*args: str) -> tuple[int, dict[str, str], str]:
        out = subprocess.run(["curl", "-sS", "-i", "-H", auth, *args], capture_output=True, text=True, check=True,
                             timeout=60).stdout
        head, _, body = out.replace("\r\n", "\n").partition("\n\n")
        lines = head.splitlines()
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        return int(lines[0].split()[1]), headers, body

    status, headers, _ = curl(base)
    assert status == 200
    etag = headers["etag"]
    decision = json.dumps({"trigger": "approve_report_back", "decision": REFERENCE}, ensure_ascii=False)
    post = ["-X", "POST", "-H", "Content-Type: application/json", "-H", f"If-Match: {etag}",
            "-H", "Idempotency-Key: curl-1", "--data-binary", decision, base + "/decisions"]
    status, headers, body = curl(*post)
    assert status == 201, body
    written = json.loads(body)["entries"]
    assert written[0]["reference"] == REFERENCE and written[0]["recorded_by"] == "diariet"
    status, headers, body = curl(*post)
    assert status == 200 and headers["idempotent-replayed"] == "true"
    status, headers, body = curl(base + "/history")
    assert [e["reference"] for e in json.loads(body)["entries"]].count(REFERENCE) == len(written)
    status, headers, body = curl("-X", "POST", "-H", "Content-Type: application/json", "-H", f"If-Match: {etag}",
                                 "--data-binary", decision, base + "/decisions")
    assert status == 412
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["current_version"] == int(headers["etag"].strip('"')) > int(etag.strip('"'))
