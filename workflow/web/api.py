"""The HTTP API: cases, what can happen to them, decisions, history, due dates, exports.

For the tools a secretariat works in (diary and meeting systems).  JSON in and
out, described by the OpenAPI document at ``/openapi.json``:

* **Who**: ``Authorization: Bearer <token>`` (``wf serve token issue NAME``), or
  the browser's session (then unsafe methods need the ``X-CSRF-Token`` header).
* **Concurrency**: a case's ``ETag`` is its version (``"7"``); a decision sent
  with ``If-Match: "7"`` is refused with 412 and the current version when the
  case moved on in between.
* **Retries**: ``Idempotency-Key`` is the decision's request id; the same key
  twice records once (the second answer is the first recording, with
  ``Idempotent-Replayed: true``).
* **Errors** are problem details (RFC 9457, ``application/problem+json``) with
  the kind and exit code ``wf`` gives the same mistake.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from workflow.core.decisions import Decision
from workflow.core.errors import InvalidInput, PermissionDenied
from workflow.web import forms
from workflow.web.app import Visit, visit
from workflow.web.problems import PROBLEM_JSON, PROBLEM_SCHEMA, plain_problem
from workflow.web.search import CaseQuery

DESCRIPTION = __doc__.split("\n\n", 1)[1] if __doc__ else ""

router = APIRouter()
V = Annotated[Visit, Depends(visit)]
SECURED: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
PROBLEMS: dict[int | str, dict[str, Any]] = {str(code): {"description": text, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for code, text in ((401, "Not logged in: no or an unknown token."),
                               (403, "Not permitted: the caller's roles do not allow it (exit code 10)."),
                               (404, "Not found (exit code 3)."),
                               (422, "Invalid input (exit code 5)."))}


def _reader(v: Visit) -> Visit:
    v.require_reader()
    return v


def _unsafe(request: Request, v: Visit) -> None:
    """A browser session must prove the request came from this site's pages."""
    from workflow.web.auth import csrf_ok

    if v.principal is not None and v.principal.how != "token" and not csrf_ok(
            v.session, request.headers.get("x-csrf-token")):
        raise PermissionDenied("a request with the browser's session needs the X-CSRF-Token header of the page")


def etag(version: int) -> str:
    return f'"{version}"'


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def case_document(v: Visit, key: str) -> tuple[dict[str, Any], int]:
    from workflow.core import engine
    from workflow.core.present import case_json

    wf = v.wf()
    case = wf.case(key)
    d = wf.definition_of(case)
    data = case_json(case, d, engine.possibilities(d, case), v.web.today(), wf.history(case))
    return json.loads(json.dumps(data, default=str)), case.version


@router.get("/me", summary="Who the caller is", openapi_extra={"security": SECURED}, responses=PROBLEMS)
def me(v: V) -> JSONResponse:
    person = v.person
    roles = sorted(v.access.holds(person)) if v.access is not None else []
    return _json({"person": person, "how": v.principal.how if v.principal else None,
                  "roles": roles, "roles_enabled": bool(v.access and v.access.enabled)})


@router.get("/cases", summary="Cases, filtered and searched, newest first, a page at a time",
            openapi_extra={"security": SECURED}, responses=PROBLEMS)
def list_cases(v: V, q: str | None = None, definition: str | None = None, state: str | None = None,
               body: str | None = None, overdue: bool = False,
               due_within: Annotated[int | None, Query(ge=0, le=3660)] = None,
               after: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> JSONResponse:
    _reader(v)
    wf = v.wf()
    page = wf.page_of_cases(CaseQuery(definition, state, body, overdue, due_within, q), today=v.web.today(),
                            after=after, limit=limit)
    return _json({"cases": [json.loads(json.dumps(c.to_json(), default=str)) for c in page.cases],
                  "next": page.next})


@router.get("/cases/{key}", summary="A case: where it stands, due dates, who is awaited, what can happen next",
            openapi_extra={"security": SECURED, "responses": {"200": {"headers": {
                "ETag": {"description": "The case's version, for If-Match.", "schema": {"type": "string"}}}}}},
            responses=PROBLEMS)
def get_case(v: V, key: str) -> JSONResponse:
    _reader(v)
    data, version = case_document(v, key)
    return _json(data, headers={"ETag": etag(version)})


@router.get("/cases/{key}/triggers", summary="What can happen to the case now, and what each step needs",
            openapi_extra={"security": SECURED}, responses=PROBLEMS)
def triggers(v: V, key: str) -> JSONResponse:
    from workflow.core.fields import requirement_field

    _reader(v)
    wf = v.wf()
    case = wf.case(key)
    out = []
    for p in wf.triggers(case.id):
        item = p.to_json()
        item["fields"] = sorted({requirement_field(r).name for r in p.requires})
        out.append(item)
    return _json({"case": case.id, "version": case.version, "triggers": out}, headers={"ETag": etag(case.version)})


@router.get("/cases/{key}/history", summary="Every entry of the case's audit log, in order",
            openapi_extra={"security": SECURED}, responses=PROBLEMS)
def history(v: V, key: str) -> JSONResponse:
    from workflow.core.present import entry_summary

    _reader(v)
    wf = v.wf()
    case = wf.case(key)
    d = wf.definition_of(case)
    return _json({"case": case.id, "version": case.version, "entries": [
        {**e.to_json(), "summary": entry_summary(e, d, v.lang)} for e in wf.history(case)]},
        headers={"ETag": etag(case.version)})


@router.get("/cases/{key}/export", summary="The case with its full log, as `wf export` writes it",
            openapi_extra={"security": SECURED}, responses=PROBLEMS)
def export(v: V, key: str) -> Response:
    from workflow.exchange.cases import export_bytes

    _reader(v)
    return Response(export_bytes(v.wf(), [key]), media_type="application/json")


DECISION_DOC = {
    "security": SECURED,
    "parameters": [
        {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
         "description": "The case's ETag as read: refused with 412 if the case moved on since."},
        {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
         "description": "The decision's request id: sent again, the decision is recorded once."},
        {"name": "X-CSRF-Token", "in": "header", "required": False, "schema": {"type": "string"},
         "description": "Needed with a browser session (not with a token)."},
    ],
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Decision"}}}},
    "responses": {
        "201": {"description": "Recorded: the case after the decision and the entries written.",
                "headers": {"ETag": {"schema": {"type": "string"}}, "Location": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"type": "object"}}}},
        "200": {"description": "Recorded before under the same Idempotency-Key: what was recorded then.",
                "content": {"application/json": {"schema": {"type": "object"}}}},
        "409": {"description": "Refused by the rules (exit code 4) or changed meanwhile (exit code 7).",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
        "412": {"description": "If-Match is not the case's version: the problem carries the current one.",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
    },
}


@router.post("/cases/{key}/decisions", summary="Record a decision", status_code=201, openapi_extra=DECISION_DOC,
             responses=PROBLEMS)
async def record(request: Request, v: V, key: str) -> Response:
    from starlette.concurrency import run_in_threadpool

    _reader(v)
    _unsafe(request, v)
    try:
        body = json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidInput(f"the body is not JSON: {e}")
    if not isinstance(body, dict):
        raise InvalidInput("the body is a JSON object: {\"trigger\": ..., \"decision\": ...}")
    if "request_id" in body:
        raise InvalidInput("send the request id as the Idempotency-Key header", field="request_id")
    match = request.headers.get("if-match")
    key_header = request.headers.get("idempotency-key")
    return await run_in_threadpool(_record, request, v, key, body, match, key_header)


def _record(request: Request, v: Visit, key: str, body: dict[str, Any], match: str | None,
            idempotency: str | None) -> Response:
    from workflow.core.errors import ConcurrentUpdate

    wf = v.wf()
    expected = None
    if match is not None and match.strip() != "*":
        text = match.strip().removeprefix("W/").strip('"')
        if not text.isdigit():
            raise InvalidInput(f"If-Match: the case's ETag as read (\"7\"), not {match!r}", field="version")
        expected = int(text)
    mapping = dict(body)
    if idempotency is not None:
        mapping["request_id"] = idempotency
    decision = Decision.from_mapping(mapping)
    try:
        done = wf.advance(key, decision, expected_version=expected)
    except ConcurrentUpdate as e:
        case = wf.case(key)
        status = 412 if expected is not None else 409
        doc = plain_problem(status, "ConcurrentUpdate", "conflict: the case was changed by someone else; read it "
                            "again and retry", str(e), e.exit_code, request.url.path, current_version=case.version)
        return JSONResponse(doc, status_code=status, media_type=PROBLEM_JSON, headers={"ETag": etag(case.version)})
    out = {"case": json.loads(json.dumps(done.case.to_json(), default=str)),
           "entries": [e.to_json() for e in done.entries], "replayed": done.replayed}
    headers = {"ETag": etag(done.case.version), "Location": f"{request.url.path.rsplit('/', 1)[0]}"}
    if done.replayed:
        headers["Idempotent-Replayed"] = "true"
    return _json(out, 200 if done.replayed else 201, headers)


@router.get("/due", summary="Open due dates and unreported urgent decisions, soonest first",
            openapi_extra={"security": SECURED}, responses=PROBLEMS)
def due(v: V, within: Annotated[int | None, Query(ge=0, le=3660)] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> JSONResponse:
    _reader(v)
    wf = v.wf()
    rows = wf.due(within=dt.timedelta(days=within) if within is not None else None, today=v.web.today(),
                  limit=limit)
    return _json([json.loads(json.dumps(r, default=str)) for r in rows])


@router.get("/due.ics", name="due_ics", summary="The due dates as a calendar feed (iCalendar) to subscribe to",
            openapi_extra={"security": [{"feed": []}, {"bearer": []}],
                           "responses": {"200": {"description": "An iCalendar file.",
                                                 "content": {"text/calendar": {"schema": {"type": "string"}}}}}},
            responses=PROBLEMS)
def due_ics(request: Request, v: V, token: str | None = None) -> Response:
    """The calendar takes no headers: the feed token is in the URL (``?token=``)."""
    from workflow.exchange.ical import due_items, ics
    from workflow.web.auth import Principal

    if token:
        found = v.accounts.token_for(token) if v.accounts is not None else None
        if found is None:
            from workflow.web.app import login_required

            raise login_required()
        v.principal = Principal(found.person, "token", "api")
    _reader(v)
    wf = v.wf()
    rows = wf.due(today=v.web.today(), limit=5000)
    return Response(ics(due_items(wf, rows, v.lang), wf.clock()), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="bevakning.ics"'})


@router.get("/definitions", summary="The process definitions", openapi_extra={"security": SECURED},
            responses=PROBLEMS)
def definitions(v: V) -> JSONResponse:
    from workflow.core.present import definition_json

    _reader(v)
    return _json([{k: x for k, x in definition_json(d).items() if k != "source"} for d in v.wf().definitions()])


@router.get("/definitions/{definition_id}", summary="A process definition", openapi_extra={"security": SECURED},
            responses=PROBLEMS)
def definition(v: V, definition_id: str) -> JSONResponse:
    from workflow.core.present import definition_json

    _reader(v)
    return _json(definition_json(v.wf().definition(definition_id)))


@router.get("/meetings", summary="Planned meetings, by date", openapi_extra={"security": SECURED},
            responses=PROBLEMS)
def meetings(v: V, body: str | None = None) -> JSONResponse:
    _reader(v)
    return _json([{"body": m.body, "date": m.date.isoformat(), "place": m.place, "time": m.time, "state": m.state,
                   "items": len(m.agenda)} for m in v.wf().meetings(body)])


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document of the routes, with the schemas and security the routes name by reference."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["Decision"] = forms.decision_schema()
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A token from `wf serve token issue NAME`."},
        "session": {"type": "apiKey", "in": "cookie", "name": "wf_session",
                    "description": "The browser's session; unsafe methods also need X-CSRF-Token."},
        "feed": {"type": "apiKey", "in": "query", "name": "token", "description": "A calendar-feed token."},
    }
    # FastAPI adds its own 422 shape for query validation; ours is the problem document.
    for path in doc.get("paths", {}).values():
        for op in path.values():
            if isinstance(op, dict) and "422" in op.get("responses", {}):
                op["responses"]["422"] = PROBLEMS["422"]
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = doc
    return doc
