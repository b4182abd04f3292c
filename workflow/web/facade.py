"""The facade the web app calls: :class:`~workflow.api.Workflow` with accounts and a paged case list.

One object holds the database (one engine and its connection pool for the
whole process); each request gets a light copy that records for the person
logged in (:meth:`WebWorkflow.for_person`), as ``Workflow(url, user=person)``
would, without opening the database again.  Every business rule stays in the
facade: the web app validates nothing itself.
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING

from workflow.accounts import AccountsMixin
from workflow.api import Workflow
from workflow.web.search import SearchMixin

if TYPE_CHECKING:
    from workflow.api import Recorded
    from workflow.core.decisions import Decision


# Workflow first: the order stays consistent when Workflow itself gains AccountsMixin among its bases.
class WebWorkflow(Workflow, SearchMixin, AccountsMixin):
    """The facade, with :class:`~workflow.accounts.AccountsMixin` and :class:`~workflow.web.search.SearchMixin`."""

    _is_copy = False

    def for_person(self, person: str | None) -> "WebWorkflow":
        """The same database and definitions, recording for ``person`` (the login itself for None)."""
        other = copy.copy(self)
        other._user = person.strip() if person else None
        other._listeners = []
        return other

    def close(self) -> None:
        """Close the database; only the object that opened it (copies share it and leave it open)."""
        if self._is_copy:
            return
        super().close()

    def __copy__(self) -> "WebWorkflow":
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other._is_copy = True
        return other

    def open_store(self) -> None:
        """Open the database now (schema checked), so the first request does not pay for it."""
        self._db  # noqa: B018
        if self._db.dialect == "sqlite":
            self._writer = threading.Lock()

    _writer: threading.Lock | None = None

    def advance(self, key: str, decision: "Decision", *, expected_version: int | None = None) -> "Recorded":
        """As the facade's; on SQLite the app's clerks queue here for the one writer the file allows,
        in turn, rather than in SQLite's busy-wait, which lets a late writer overtake one that waited long."""
        if self._writer is None:
            return super().advance(key, decision, expected_version=expected_version)
        with self._writer:
            return super().advance(key, decision, expected_version=expected_version)
