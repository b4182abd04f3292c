"""The ASGI application: pages for the secretariat and the HTTP API, over one :class:`WebWorkflow`.

``create_app(WebConfig(...))`` gives a FastAPI application; ``wf serve`` runs it
with uvicorn.  Pages are server-rendered HTML (Jinja2), usable without
JavaScript; the API is JSON described at ``/openapi.json``.  Both call the same
facade, so every business rule is the library's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from workflow.core.errors import PermissionDenied, WorkflowError
from workflow.i18n import LANGUAGES, t
from workflow.web import auth
from workflow.web.problems import PROBLEM_JSON, plain_problem, problem, status_for

if TYPE_CHECKING:
    import jinja2

    from workflow.access import Access
    from workflow.accounts import Accounts
    from workflow.web.facade import WebWorkflow

HERE = Path(__file__).resolve().parent
API_PREFIX = "/api"


@dataclass
class WebConfig:
    """How ``wf serve`` runs the app."""

    database_url: str | None = None
    trusted_header: str | None = None
    """The header a reverse proxy names the authenticated person in (off when None)."""
    secret_file: Path | None = None
    secret: bytes | None = None
    """The session key itself (tests); else read from ``secret_file``."""
    today: Callable[[], dt.date] | None = None
    """What day it is (tests); default: the clock of the facade."""
    clock: Callable[[], dt.datetime] | None = None


def login_required() -> StarletteHTTPException:
    """What a page or path that needs a login raises for an anonymous request (401: the handler answers)."""
    return StarletteHTTPException(401, "login required")


@dataclass
class Web:
    """What every request shares: the facade, the session signer, the accounts cache, the templates."""

    config: WebConfig
    wf: "WebWorkflow"
    signer: auth.Signer
    cache: auth.AccountsCache
    env: "jinja2.Environment"

    def today(self) -> dt.date:
        if self.config.today is not None:
            return self.config.today()
        return self.wf.clock().date()


@dataclass
class Visit:
    """One request: its language, session and principal."""

    request: Request
    web: Web
    lang: str
    session: auth.Session
    session_is_new: bool
    principal: auth.Principal | None
    set_lang: str | None = None
    accounts: "Accounts | None" = None
    access: "Access | None" = None
    extra_cookies: dict[str, str] = field(default_factory=dict)

    def t(self, message: str, **values: object) -> str:
        return t(message, self.lang, **values)

    @property
    def person(self) -> str:
        if self.principal is None:
            raise login_required()
        return self.principal.person

    def wf(self) -> "WebWorkflow":
        """The facade recording for the person logged in."""
        return self.web.wf.for_person(self.person)

    def require_reader(self) -> None:
        """Refuse a person the register gives no role to (once roles are enabled)."""
        person = self.person
        if self.principal is not None and self.principal.scope != "api":
            raise PermissionDenied(self.t("the token of {person} opens only the calendar feed", person=person))
        access = self.access
        if access is not None and access.enabled and not access.holds(person):
            raise PermissionDenied(self.t("{person} holds no role in this register: an administrator grants one",
                                          person=person))

    def may_admin(self) -> bool:
        from workflow.access import is_admin

        if self.principal is None or self.access is None:
            return False
        wf = self.wf()
        return is_admin(wf.identity, self.access) and self.principal.person != wf.identity.login

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        page = self.web.env.get_template(template).render(
            t=self.t, lang=self.lang, person=self.principal.person if self.principal else None,
            csrf=self.session.csrf, path=self.request.url.path, query=str(self.request.url.query),
            **context)
        response = HTMLResponse(page, status_code=status)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        """Set the cookies this visit made: a new session, a chosen language."""
        secure = self.request.url.scheme == "https"
        if self.session_is_new:
            response.set_cookie(auth.SESSION_COOKIE, self.web.signer.sign(self.session), httponly=True,
                                samesite="lax", secure=secure, path="/", max_age=auth.SESSION_HOURS * 3600)
        if self.set_lang:
            response.set_cookie(auth.LANG_COOKIE, self.set_lang, httponly=True, samesite="lax", secure=secure,
                                path="/", max_age=365 * 24 * 3600)
        for name, value in self.extra_cookies.items():
            response.set_cookie(name, value, httponly=True, samesite="lax", secure=secure, path="/")

    def new_session(self, person: str | None, fingerprint: str | None, how: str = "session") -> None:
        self.session = auth.new_session(person, fingerprint, how)
        self.session_is_new = True


def _environment() -> "jinja2.Environment":
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def visit(request: Request) -> Visit:
    """Who asks and in which language: the dependency of every route."""
    web: Web = request.app.state.web
    asked = request.query_params.get("lang")
    set_lang = asked if asked in LANGUAGES else None
    cookie_lang = request.cookies.get(auth.LANG_COOKIE)
    lang = set_lang or (cookie_lang if cookie_lang in LANGUAGES else None) or "sv"
    session = web.signer.read(request.cookies.get(auth.SESSION_COOKIE))
    is_new = session is None
    if session is None:
        session = auth.new_session()
    accounts, access = web.cache.get()
    principal = None
    header = web.config.trusted_header
    bearer = request.headers.get("authorization", "")
    if header and request.headers.get(header, "").strip():
        person = request.headers[header].strip()
        principal = auth.Principal(person, "header")
        if session.person != person:
            session, is_new = auth.new_session(person, None, "header"), True
    elif bearer[:7].lower() == "bearer ":
        token = accounts.token_for(bearer[7:].strip())
        if token is not None:
            principal = auth.Principal(token.person, "token", token.scope)
    elif session.person is not None and session.how == "session":
        account = accounts.active(session.person)
        if account is not None and account.fingerprint == session.fingerprint:
            principal = auth.Principal(account.name, "session")
        else:
            session, is_new = auth.new_session(), True
    return Visit(request, web, lang, session, is_new, principal, set_lang, accounts, access)


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX + "/") or request.url.path == API_PREFIX


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The application, on the database ``config`` names (``WF_DATABASE_URL``, else the default SQLite file)."""
    from workflow.web.facade import WebWorkflow

    config = config or WebConfig()
    kwargs: dict[str, Any] = {}
    if config.clock is not None:
        kwargs["clock"] = config.clock
    wf = WebWorkflow(config.database_url, **kwargs)
    wf.open_store()
    secret = config.secret or auth.load_secret(config.secret_file)
    web = Web(config, wf, auth.Signer(secret), auth.AccountsCache(wf), _environment())

    from workflow.web import api, pages

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        wf.close()

    app = FastAPI(title="kansli-workflow", version="1", openapi_url="/openapi.json", docs_url=None,
                  redoc_url=None, description=api.DESCRIPTION, lifespan=lifespan)
    app.state.web = web
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router, prefix=API_PREFIX)
    app.openapi = lambda: api.openapi_document(app)  # type: ignore[method-assign]

    def _login(request: Request) -> Response:
        if is_api(request):
            return JSONResponse(plain_problem(401, "LoginRequired", "not logged in",
                                              "log in, or send an API token (Authorization: Bearer ...)", 10,
                                              request.url.path),
                                status_code=401, media_type=PROBLEM_JSON,
                                headers={"WWW-Authenticate": 'Bearer realm="wf"'})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(WorkflowError)
    def _error(request: Request, e: WorkflowError) -> Response:
        if is_api(request):
            return JSONResponse(problem(e, request.url.path), status_code=status_for(e), media_type=PROBLEM_JSON)
        v = visit(request)
        return v.render("error.html", status=status_for(e), error=e, kind=type(e).__name__)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, e: StarletteHTTPException) -> Response:
        if e.status_code == 401:
            return _login(request)
        if is_api(request) or e.status_code == 405:
            return JSONResponse(plain_problem(e.status_code, "HTTPError", str(e.detail), str(e.detail),
                                              3 if e.status_code == 404 else 2, request.url.path),
                                status_code=e.status_code, media_type=PROBLEM_JSON)
        v = visit(request)
        return v.render("error.html", status=e.status_code, error=v.t("No such page."), kind="NotFound")

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, e: RequestValidationError) -> Response:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        detail = f"{where}: {first.get('msg', 'invalid request')}"
        return JSONResponse(plain_problem(422, "InvalidInput", "invalid input", detail, 5, request.url.path),
                            status_code=422, media_type=PROBLEM_JSON)

    @app.exception_handler(Exception)
    def _internal(request: Request, e: Exception) -> Response:
        """The last guard, as ``wf``'s: never a traceback for a user (exit code 70: a bug)."""
        import logging

        logging.getLogger("workflow.web").exception("internal error at %s", request.url.path)
        doc = plain_problem(500, "InternalError", "internal error (a bug)", f"internal error: {type(e).__name__}",
                            70, request.url.path)
        return JSONResponse(doc, status_code=500, media_type=PROBLEM_JSON)

    return app
