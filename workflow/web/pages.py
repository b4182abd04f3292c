"""The pages: log in, the case list, a case, recording a decision, the due list, meetings, processes.

Plain HTML forms, usable with a keyboard and a screen reader and without
JavaScript.  Every form carries the session's CSRF token; a decision form also
carries the case version it was filled in against and a request id, so a
second clerk's decision in between is caught (the conflict page) and a double
submit records once.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from workflow.core.decisions import Decision
from workflow.core.errors import ConcurrentUpdate, InvalidInput, NotFound, PermissionDenied, WorkflowError
from workflow.i18n import format_date
from workflow.web import forms, views
from workflow.web.app import Visit, visit
from workflow.web.search import CaseQuery

router = APIRouter(include_in_schema=False)
V = Annotated[Visit, Depends(visit)]
PAGE = 25


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _check_csrf(v: Visit, form: dict[str, str]) -> None:
    from workflow.web.auth import csrf_ok

    if not csrf_ok(v.session, form.get("csrf")):
        raise PermissionDenied(v.t("the form is out of date or was not sent from this site: reload the page and "
                                   "try again"))


def _redirect(v: Visit, url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    v.finish(response)
    return response


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/cases"


# -- logging in --------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(v: V) -> Response:
    if v.principal is None:
        return v.render("login.html", next="/cases", error=None, name="")
    return _redirect(v, "/cases")


@router.get("/login", response_class=HTMLResponse)
def login_page(v: V, next: str | None = None) -> Response:  # noqa: A002 -- the query parameter's name
    return v.render("login.html", next=_safe_next(next), error=None, name="")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, v: V) -> Response:
    form = await _form(request)
    _check_csrf(v, form)
    name = form.get("name", "").strip()
    from starlette.concurrency import run_in_threadpool

    account = await run_in_threadpool(v.web.wf.authenticate, name, form.get("password", ""))
    if account is None:
        return v.render("login.html", status=401, next=_safe_next(form.get("next")),
                        error=v.t("Wrong name or password."), name=name)
    v.new_session(account.name, account.fingerprint)
    return _redirect(v, _safe_next(form.get("next")))


@router.post("/logout")
async def logout(request: Request, v: V) -> Response:
    form = await _form(request)
    _check_csrf(v, form)
    v.new_session(None, None)
    return _redirect(v, "/login")


# -- cases -------------------------------------------------------------------------


def _query(request: Request) -> tuple[CaseQuery, dict[str, str]]:
    q = request.query_params
    within = (q.get("within") or "").strip()
    if within and not within.isdigit():
        raise InvalidInput(f"due within: a number of days, not {within!r}", field="within")
    query = CaseQuery(definition=q.get("definition") or None, state=q.get("state") or None,
                      body=q.get("body") or None, overdue=q.get("overdue") == "on",
                      due_within=int(within) if within else None, text=q.get("q") or None)
    kept = {k: q[k] for k in ("q", "definition", "state", "body", "overdue", "within") if q.get(k)}
    return query, kept


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request, v: V, after: str | None = None) -> Response:
    v.require_reader()
    wf = v.wf()
    query, kept = _query(request)
    today = v.web.today()
    page = wf.page_of_cases(query, today=today, after=after, limit=PAGE)
    rows = [views.case_row(wf, c, today, v.lang) for c in page.cases]
    next_url = f"/cases?{urlencode({**kept, 'after': page.next})}" if page.next else None
    return v.render("cases.html", rows=rows, filters=kept, next_url=next_url, first_url=(
        f"/cases?{urlencode(kept)}" if after else None),
        definitions=views.definition_choices(wf, v.lang), states=views.state_choices(wf, v.lang, query.definition),
        bodies=views.body_choices(wf, v.lang))


@router.get("/cases/{key}", response_class=HTMLResponse)
def case_page(v: V, key: str, recorded: int | None = None) -> Response:
    v.require_reader()
    wf = v.wf()
    case = wf.case(key)
    return v.render("case.html", c=views.case_view(wf, case, v.web.today(), v.lang), recorded=recorded)


@router.get("/cases/{key}/diagram.svg")
def case_diagram(v: V, key: str) -> Response:
    from workflow.render.diagrams import case_diagram as draw

    v.require_reader()
    return Response(draw(v.wf(), key, "svg", v.lang, v.web.today()), media_type="image/svg+xml")


@router.get("/cases/{key}/timeline.svg")
def case_timeline(v: V, key: str) -> Response:
    from workflow.render.diagrams import case_timeline as draw

    v.require_reader()
    return Response(draw(v.wf(), key, v.web.today(), v.lang, "svg"), media_type="image/svg+xml")


# -- recording a decision ------------------------------------------------------------


def _decision_page(v: Visit, key: str, trigger: str, values: dict[str, str], errors: dict[str, str],
                   message: str | None = None, status: int = 200, conflict: dict[str, Any] | None = None) -> Response:
    from workflow.core import engine
    from workflow.core import present as p

    wf = v.wf()
    case = wf.case(key)
    d = wf.definition_of(case)
    possible = {x.trigger: x for x in engine.possibilities(d, case)}
    step = possible.get(trigger)
    if step is None and conflict is not None:
        return v.render("decide.html", status=status, case=case, step=None, trigger=trigger, first=[], rest=[],
                        values=values, errors=errors, message=message, version=str(case.version), request_id="",
                        open_rest=False, conflict=conflict, state=p.state_label(d, case.state, v.lang),
                        error_links=[])
    if step is None:
        allowed = ", ".join(x.label_sv if v.lang == "sv" else x.label_en for x in possible.values())
        raise NotFound(v.t("the step {step} is not possible in this case now; possible: {allowed}",
                           step=trigger, allowed=allowed or "-"))
    proposals = {pid: f"{pid}: {x['proposer']}" for pid, x in case.data.get("proposals", {}).items()
                 if x.get("status") in ("pending", "postponed")}
    first, rest = forms.form_inputs(
        step, v.lang, due_labels={n: p.due_label(d, n, v.lang) for n in step.sets_due},
        statement_labels={n: p.statement_label(d, n, v.lang) for n in step.statements},
        parties={k: x.name for k, x in d.parties.items()}, proposals=proposals)
    open_rest = any(i.name in values and values[i.name] for i in rest) or any(i.field in errors for i in rest)
    error_links = []
    for name in errors:
        found = next((i for i in [*first, *rest] if i.field == name), None)
        if found is not None:
            error_links.append((found.id, found.label))
    return v.render("decide.html", status=status, case=case, step=views.step_view(d, step, v.lang),
                    trigger=trigger, first=first, rest=rest, values=values, errors=errors, message=message,
                    version=values.get("version") or str(case.version),
                    request_id=values.get("request_id") or uuid.uuid4().hex, open_rest=open_rest,
                    conflict=conflict, state=p.state_label(d, case.state, v.lang), error_links=error_links)


@router.get("/cases/{key}/decide", response_class=HTMLResponse)
def decide_form(v: V, key: str, trigger: str) -> Response:
    v.require_reader()
    return _decision_page(v, key, trigger, {}, {})


@router.post("/cases/{key}/decide", response_class=HTMLResponse)
async def decide(request: Request, v: V, key: str) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    _check_csrf(v, form)
    v.require_reader()
    return await run_in_threadpool(_record, v, key, form)


def _record(v: Visit, key: str, form: dict[str, str]) -> Response:
    wf = v.wf()
    trigger = form.get("trigger", "")
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise InvalidInput("the form has no case version: reload it", field="version")
    try:
        mapping, actor = forms.read_form(form)
        mapping["request_id"] = form.get("request_id") or None
        decision = Decision.from_mapping({k: x for k, x in mapping.items() if x is not None}, actor=actor)
        done = wf.advance(key, decision, expected_version=version)
    except ConcurrentUpdate:
        case = wf.case(key)
        history = views.case_view(wf, case, v.web.today(), v.lang)["history"]
        newer = [h for h in history if h["seq"] > 0][-5:]
        values = {**form, "version": str(case.version)}
        return _decision_page(v, key, trigger, values, {}, status=409,
                              conflict={"version": version, "now": case.version, "entries": newer})
    except (InvalidInput, WorkflowError) as e:
        if isinstance(e, (PermissionDenied, NotFound)):
            raise
        field = e.field or ""
        return _decision_page(v, key, trigger, form, {field: str(e)} if field else {}, message=str(e),
                              status=409 if e.exit_code == 4 else 422)
    seq = done.entries[0].seq if done.entries else done.case.head_seq
    return _redirect(v, f"/cases/{done.case.id}?recorded={seq}#history")


# -- due dates (bevakning) ---------------------------------------------------------------


@router.get("/due", response_class=HTMLResponse)
def due_page(request: Request, v: V) -> Response:
    import datetime as dt

    from workflow.exchange.ical import describe

    v.require_reader()
    wf = v.wf()
    within = request.query_params.get("within") or "30"
    if not within.isdigit() or int(within) > 3660:
        raise InvalidInput(f"due within: a number of days, not {within!r}", field="within")
    today = v.web.today()
    rows = wf.due(within=dt.timedelta(days=int(within)), today=today, limit=500)
    definitions: dict[str, Any] = {}
    items = []
    for r in rows:
        did = str(r["definition_id"])
        if did not in definitions:
            try:
                definitions[did] = wf.definition(did)
            except WorkflowError:
                definitions[did] = None
        what, when = describe(definitions[did], r, v.lang)
        items.append({"case_id": r["case_id"], "numbers": r["numbers"], "title": r["title"], "what": what,
                      "when": when, "due_on": format_date(str(r["due_on"]), v.lang), "overdue": r["overdue"],
                      "urgent": r["urgent"]})
    return v.render("due.html", items=items, within=within)


@router.post("/due/feed", response_class=HTMLResponse)
async def due_feed(request: Request, v: V) -> Response:
    """Issue the person's calendar-feed token (replacing an earlier one) and show its URL once."""
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    _check_csrf(v, form)
    v.require_reader()
    wf = v.wf()
    secret = await run_in_threadpool(lambda: wf.issue_token(f"{v.person}:kalender", person=v.person, scope="feed"))
    v.web.cache.forget()
    url = str(request.url_for("due_ics")) + "?" + urlencode({"token": secret})
    return v.render("feed.html", url=url)


# -- meetings -------------------------------------------------------------------------


@router.get("/meetings", response_class=HTMLResponse)
def meetings_page(v: V, body: str | None = None) -> Response:
    v.require_reader()
    wf = v.wf()
    found = wf.meetings(body or None)
    return v.render("meetings.html", meetings=[{
        "body": m.body, "date": m.date.isoformat(), "date_text": format_date(m.date, v.lang), "place": m.place or "",
        "state": m.state, "items": len(m.agenda)} for m in found], body=body or "",
        bodies=views.body_choices(wf, v.lang))


@router.get("/meetings/{body}/{date}", response_class=HTMLResponse)
def meeting_page(v: V, body: str, date: str) -> Response:
    from workflow.documents.context import meeting_context

    v.require_reader()
    wf = v.wf()
    m = wf.meeting(body, date)
    kind = "minutes" if m.paragraphs else "agenda"
    return v.render("meeting.html", m=meeting_context(wf, m, kind, v.lang), state=m.state,
                    has_minutes=bool(m.paragraphs), adjusted=bool(m.adjusted))


@router.get("/meetings/{body}/{date}/{document}")
def meeting_document(v: V, body: str, date: str, document: str) -> Response:
    from workflow import documents
    from workflow.documents.context import meeting_context

    v.require_reader()
    kind, _, suffix = document.partition(".")
    if kind not in documents.KINDS or suffix not in ("html", "pdf"):
        raise NotFound(f"no document {document!r}: agenda, minutes, extract or notice, as .html or .pdf")
    wf = v.wf()
    m = wf.meeting(body, date)
    page = documents.html(kind, meeting_context(wf, m, kind, v.lang))
    if suffix == "html":
        return HTMLResponse(page)
    name = f"{kind}-{m.body}-{m.date.isoformat()}.pdf"
    return Response(documents.pdf(page), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- process definitions ------------------------------------------------------------------


@router.get("/definitions", response_class=HTMLResponse)
def definitions_page(v: V) -> Response:
    v.require_reader()
    wf = v.wf()
    return v.render("definitions.html", definitions=[
        {"id": d.id, "version": d.version, "label": d.label.get(v.lang), "description": d.description or "",
         "states": len(d.states), "steps": len(d.transitions)} for d in wf.definitions()])


@router.get("/definitions/{definition_id}", response_class=HTMLResponse)
def definition_page(v: V, definition_id: str) -> Response:
    from workflow.core import present as p

    v.require_reader()
    d = v.wf().definition(definition_id)
    return v.render("definition.html", d=d, label=d.label.get(v.lang), states=[
        {"id": s.id, "label": s.label.get(v.lang), "final": s.final, "initial": s.initial} for s in d.states.values()],
        steps=[{"label": tr.label.get(v.lang), "from": ", ".join(p.state_label(d, s, v.lang) for s in tr.sources),
                "to": p.state_label(d, tr.dest, v.lang) if tr.dest != "=" else v.t("(stays)"),
                "bodies": ", ".join(tr.bodies), "needs": views.needs_text(sorted(tr.requires), v.lang)}
               for tr in d.transitions])


@router.get("/definitions/{definition_id}/diagram.svg")
def definition_diagram(v: V, definition_id: str) -> Response:
    from workflow.render.diagrams import process_diagram

    v.require_reader()
    return Response(process_diagram(v.wf().definition(definition_id), "svg", v.lang), media_type="image/svg+xml")
