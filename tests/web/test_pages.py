"""The pages, as a clerk uses them over HTTP: logging in, finding a case, reading it, recording a decision,
the conflict page when another clerk decided first; CSRF on every form; roles by page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.web.live import PASSWORD, Served, csrf_of

REFERENCE = "HSN 2026-04-15 § 30"


def test_an_anonymous_visitor_to_the_root_is_shown_the_login_page(site: Served) -> None:
    page = httpx.get(site.url + "/")
    assert page.status_code == 200
    assert '<form method="post" action="/login"' in page.text
    assert 'lang="sv"' in page.text and "Logga in" in page.text
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain http here


@pytest.mark.parametrize("path", ["/cases", "/cases/demo-dorotea", "/due", "/meetings", "/definitions",
                                  "/cases/demo-dorotea/decide?trigger=approve_report_back"])
def test_every_page_needs_a_login(site: Served, path: str) -> None:
    page = httpx.get(site.url + path)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=")


def test_a_wrong_password_is_refused_and_says_so(site: Served) -> None:
    with httpx.Client(base_url=site.url) as client:
        form = client.get("/login")
        page = client.post("/login", data={"csrf": csrf_of(form.text), "name": "anna", "password": "fel-lösenord-1"})
    assert page.status_code == 401
    assert "Fel namn eller lösenord." in page.text
    assert 'aria-invalid="true"' in page.text


def test_a_form_without_the_csrf_token_is_refused(site: Served, anna: Any) -> None:
    page = anna.post("/cases/demo-dorotea/decide", data={"trigger": "approve_report_back", "version": "16",
                                                         "reference": REFERENCE})
    assert page.status_code == 403
    login = httpx.post(site.url + "/login", data={"name": "anna", "password": PASSWORD})
    assert login.status_code == 403


def test_find_a_case_by_diary_number_and_read_it(anna: Any) -> None:
    found = anna.get("/cases", params={"q": "HSN 501-2023"})
    assert found.status_code == 200
    assert 'href="/cases/demo-dorotea"' in found.text and "Gemensam systemledning i Dorotea" in found.text
    assert "Fortsatt finansiering" not in found.text
    by_title = anna.get("/cases", params={"q": "finansiering governo"})
    assert "demo-governo" in by_title.text and "demo-dorotea" not in by_title.text
    page = anna.get("/cases/demo-dorotea")
    assert page.status_code == 200
    for words in ("Var ärendet står", "Pilotprojekt", "Bevakningar", "Historik", "Region Västerbotten",
                  "Förslag P2", "Registrera beslut", "/cases/demo-dorotea/diagram.svg", "timeline.svg"):
        assert words in page.text, words
    assert anna.get("/cases/demo-dorotea/diagram.svg").headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in anna.get("/cases/demo-dorotea/timeline.svg").text


def test_english_on_request(anna: Any) -> None:
    page = anna.get("/cases/demo-dorotea", params={"lang": "en"})
    assert 'lang="en"' in page.text and "Where it stands" in page.text and "History" in page.text
    again = anna.get("/cases")  # the choice is kept in a cookie
    assert "Diary number or title" in again.text


@pytest.mark.parametrize(("params", "present", "absent"), [
    ({"definition": "finansiering"}, ["demo-governo"], ["demo-dorotea"]),
    ({"state": "pilot"}, ["demo-dorotea"], ["demo-governo"]),
    ({"body": "KS"}, ["demo-dorotea"], ["demo-governo"]),
    ({"overdue": "on"}, ["demo-dorotea"], ["demo-governo"]),
])
def test_the_case_list_filters(anna: Any, params: dict[str, str], present: list[str], absent: list[str]) -> None:
    page = anna.get("/cases", params=params)
    assert page.status_code == 200
    for p in present:
        assert f'href="/cases/{p}"' in page.text
    for a in absent:
        assert f'href="/cases/{a}"' not in page.text


def _form(client: Any, trigger: str = "approve_report_back") -> dict[str, str]:
    page = client.get("/cases/demo-dorotea/decide", params={"trigger": trigger})
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    assert {"csrf", "trigger", "version", "request_id"} <= set(fields)
    return fields


def test_record_a_decision_and_see_it_in_the_history(site: Served, anna: Any) -> None:
    form = _form(anna)
    page = anna.get("/cases/demo-dorotea/decide", params={"trigger": "approve_report_back"})
    assert 'id="f-reference"' in page.text and "obligatoriskt" in page.text
    done = anna.post("/cases/demo-dorotea/decide", data={**form, "reference": REFERENCE,
                                                          "recipients": "Hälso- och sjukvårdsdirektören\n"})
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/cases/demo-dorotea?recorded=")
    page = anna.get(done.headers["location"])
    assert "Beslutet registrerades" in page.text
    assert REFERENCE in page.text and "anna" in page.text
    entries = site.wf.history("demo-dorotea")
    assert entries[-1].recorded_by == "anna" and entries[-1].reference == REFERENCE or any(
        e.reference == REFERENCE and e.recorded_by == "anna" for e in entries)
    # The same form sent again (a double click, a retry) records nothing more.
    again = anna.post("/cases/demo-dorotea/decide", data={**form, "reference": REFERENCE,
                                                           "recipients": "Hälso- och sjukvårdsdirektören\n"})
    assert again.status_code == 303
    assert len(site.wf.history("demo-dorotea")) == len(entries)


def test_a_malformed_reference_is_shown_beside_its_input(site: Served, anna: Any) -> None:
    before = len(site.wf.history("demo-dorotea"))
    page = anna.post("/cases/demo-dorotea/decide", data={**_form(anna), "reference": "HSN igår"})
    assert page.status_code == 422
    assert "malformed decision reference" in page.text
    assert re.search(r'id="f-reference"[^>]*aria-invalid="true"', page.text)
    assert 'href="#f-reference"' in page.text
    assert 'value="HSN igår"' in page.text  # what was typed is kept
    missing = anna.post("/cases/demo-dorotea/decide", data=_form(anna))
    assert missing.status_code == 422 and "needs a decision reference" in missing.text
    assert len(site.wf.history("demo-dorotea")) == before


def test_the_conflict_page_when_another_clerk_decided_first(site: Served, anna: Any, login: Any) -> None:
    bo = login("bo")
    mine, theirs = _form(anna), _form(bo)
    assert mine["version"] == theirs["version"]
    first = bo.post("/cases/demo-dorotea/decide", data={**theirs, "reference": "HSN 2026-04-15 § 31"})
    assert first.status_code == 303
    page = anna.post("/cases/demo-dorotea/decide", data={**mine, "reference": REFERENCE})
    assert page.status_code == 409
    assert "Någon annan hann före" in page.text
    assert "HSN 2026-04-15 § 31" in page.text and "bo" in page.text
    assert REFERENCE not in [e.reference for e in site.wf.history("demo-dorotea")]


def test_roles_decide_what_a_page_allows(site: Served, login: Any) -> None:
    from workflow.web.facade import WebWorkflow

    owner = WebWorkflow(site.database)
    owner.grant_role(owner.identity.login, "service")  # the app vouches for people: roles are now enabled
    owner.grant_role("anna", "secretary")
    owner.grant_role("bo", "officer")
    owner.close()
    site.app.state.web.cache.forget()
    cecilia = login("cecilia")  # an account, but no role
    assert cecilia.get("/cases").status_code == 403
    assert "har ingen roll" in cecilia.get("/cases/demo-dorotea").text
    bo = login("bo")
    assert bo.get("/cases/demo-dorotea").status_code == 200
    refused = bo.post("/cases/demo-dorotea/decide", data={**_form(bo), "reference": REFERENCE, "actor": "HSN"})
    assert refused.status_code == 403  # an officer records for himself, not on the body's behalf
    anna = login("anna")
    done = anna.post("/cases/demo-dorotea/decide", data={**_form(anna), "reference": REFERENCE, "actor": "HSN"})
    assert done.status_code == 303
    last = [e for e in site.wf.history("demo-dorotea") if e.reference == REFERENCE][0]
    assert (last.actor, last.recorded_by) == ("HSN", "anna")


def test_due_meetings_and_processes(anna: Any) -> None:
    due = anna.get("/due")
    assert due.status_code == 200 and "Bevakning" in due.text and "försenad" in due.text
    meetings = anna.get("/meetings")
    assert 'href="/meetings/HSN/2026-05-08"' in meetings.text
    meeting = anna.get("/meetings/HSN/2026-05-08")
    assert "Föredragningslista" in meeting.text and "HSN 501-2023" in meeting.text
    agenda = anna.get("/meetings/HSN/2026-05-08/agenda.html")
    assert agenda.status_code == 200 and "Gemensam systemledning" in agenda.text
    processes = anna.get("/definitions")
    assert 'href="/definitions/systemledning"' in processes.text
    process = anna.get("/definitions/systemledning")
    assert "Pilotprojekt" in process.text and "/definitions/systemledning/diagram.svg" in process.text
    assert "<svg" in anna.get("/definitions/systemledning/diagram.svg").text
