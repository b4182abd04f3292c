"""One page of cases, however many there are: filters, search and keyset paging.

The case list of the web app and of the HTTP API must stay fast at a million
cases, so a page is one query that walks the ``(opened_at, id)`` index from a
cursor (the last case of the previous page, newest first) and stops after a
page: never an ``OFFSET``, never a count of everything.  A diary number is found
through the primary key of ``case_numbers`` (exact, or as a prefix); a title by
``LIKE``, which the walk stops as soon as a page is full.

The query belongs with the repository; it lives here, beside the one interface
that needs it, as a mixin of the facade (:class:`workflow.web.facade.WebWorkflow`),
until :class:`~workflow.store.repository.Store` grows a page method of its own.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workflow.core.case import Case
from workflow.core.errors import InvalidInput

if TYPE_CHECKING:
    from workflow.store.repository import Store

MAX_PAGE = 200
FEW = 1000
"""Up to this many cases whose diary numbers begin with the search are fetched by id; more are found by walking."""


@dataclass(frozen=True)
class CaseQuery:
    """What a list of cases is filtered by; every field optional."""

    definition: str | None = None
    state: str | None = None
    body: str | None = None
    """Cases registered by the body: a diary number in its series (``HSN 501-2023``, ``KS-2023-0136``)."""
    overdue: bool = False
    due_within: int | None = None
    """Days: cases with an open due date within so many days from today (overdue ones included)."""
    text: str | None = None
    """A diary number (or its beginning) or words of the title."""


@dataclass
class CasePage:
    cases: list[Case] = field(default_factory=list)
    next: str | None = None
    """The cursor of the next page, or None on the last page."""


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.opened_at, case.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        opened, case_id = json.loads(raw)
        if not isinstance(opened, str) or not isinstance(case_id, str):
            raise ValueError
        return opened, case_id
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput(f"not a page cursor: {text[:40]!r}", field="after")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SearchMixin:
    """``page_of_cases``, on the facade it is mixed into."""

    if TYPE_CHECKING:
        @property
        def _db(self) -> Store: ...

    def page_of_cases(self, query: CaseQuery, *, today: dt.date, after: str | None = None,
                      limit: int = 25) -> CasePage:
        """Cases matching ``query``, newest first, ``limit`` of them after the cursor ``after``."""
        import sqlalchemy as sa

        from workflow.core.derive import URGENT_PREFIX
        from workflow.store.tables import case_numbers, cases, due_dates

        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"a page holds 1 to {MAX_PAGE} cases, not {limit}", field="limit")
        q = sa.select(cases)
        if query.definition:
            q = q.where(cases.c.definition_id == query.definition)
        if query.state:
            q = q.where(cases.c.state == query.state)
        if query.body:
            body = _like_escape(query.body.strip())
            q = q.where(sa.select(case_numbers.c.case_id).where(
                case_numbers.c.case_id == cases.c.id,
                sa.or_(case_numbers.c.number.like(f"{body} %", escape="\\"),
                       case_numbers.c.number.like(f"{body}-%", escape="\\"))).exists())
        until = None
        if query.overdue:
            until = today
        if query.due_within is not None:
            if not 0 <= query.due_within <= 3660:
                raise InvalidInput("due within: 0 to 3660 days", field="due_within")
            until = today + dt.timedelta(days=query.due_within + 1)
        if until is not None:
            q = q.where(sa.select(due_dates.c.case_id).where(
                due_dates.c.case_id == cases.c.id, due_dates.c.status == "open", due_dates.c.due_on < until,
                ~due_dates.c.name.startswith(URGENT_PREFIX)).exists())
        text = (query.text or "").strip()
        store = self._db
        few: list[str] | None = None
        if text:
            if len(text) > 200:
                raise InvalidInput("search for at most 200 characters", field="q")
            # A diary number, exactly or its beginning, is looked up in the primary key of the numbers
            # (or a case id in the cases'); only text that begins no diary number searches the titles.
            numbered = sa.select(case_numbers.c.case_id).where(
                case_numbers.c.number >= text, case_numbers.c.number < text + "\U0010ffff")
            with store.reading() as conn:
                ids = [str(r[0]) for r in conn.execute(numbered.limit(FEW + 1))]
                by_id = conn.execute(sa.select(cases.c.id).where(cases.c.id == text)).first() is not None
            if len(ids) > FEW:  # a wide prefix ("HSN"): walk the cases newest first, probing each
                q = q.where(sa.or_(cases.c.id.in_(numbered), cases.c.id == text))
            elif ids or by_id:  # a few: fetch those by their primary key, and order them here
                few = [*ids, text]
            else:
                words = [w for w in text.split() if w]
                q = q.where(sa.and_(*(cases.c.title.ilike(f"%{_like_escape(w)}%", escape="\\") for w in words)))
        cursor = decode_cursor(after) if after else None
        if few is not None:
            with store.reading() as conn:
                found = store._load_cases(conn, q.where(cases.c.id.in_(few)))
            found = sorted((c for c in found if cursor is None or (c.opened_at, c.id) < cursor),
                           key=lambda c: (c.opened_at, c.id), reverse=True)[:limit + 1]
        else:
            if cursor is not None:
                q = q.where(sa.tuple_(cases.c.opened_at, cases.c.id) < sa.tuple_(sa.literal(cursor[0]),
                                                                                 sa.literal(cursor[1])))
            q = q.order_by(cases.c.opened_at.desc(), cases.c.id.desc()).limit(limit + 1)
            with store.reading() as conn:
                found = store._load_cases(conn, q)
        more = len(found) > limit
        found = found[:limit]
        return CasePage(found, encode_cursor(found[-1]) if more and found else None)
