"""The repository: cases and audit entries to tables and back.

Every decision is one transaction: the case row is updated only if its version
is still the one that was read (optimistic locking), and its audit entries are
inserted in the same transaction, so a decision is either wholly there or not
at all.  On SQLite, write transactions start with ``BEGIN IMMEDIATE`` and wait
for a busy database up to a timeout; on PostgreSQL the version check in the
``UPDATE`` decides between two clerks.

The hot path -- one decision: find the case, decide, write, commit -- runs
pre-built SQL text on the driver's own cursor (:class:`_Statements`), not
SQLAlchemy constructs: one statement finds the case by id or diary number
together with everything else the decision may need (its diary numbers, the
day it was opened, an earlier recording under the request id, the head of the
register log), one updates it, one appends its entries.  The roles and the
planned meetings the register log gives are read again only when that head
moved (:class:`RegisterView`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import math
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event, exc

from workflow.core import derive
from workflow.core.audit import Entry, canonical_json
from workflow.core.case import Case, DiaryNumber
from workflow.core.definition import Definition
from workflow.core.derive import URGENT_PREFIX
from workflow.core.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    DuplicateCase,
    PermissionDenied,
    SchemaOutdated,
    StorageError,
)
from workflow.store.tables import (
    actor_roles,
    audit_entries,
    case_numbers,
    cases,
    definition_versions,
    ledger,
    register_entries,
)

HEAD_REVISION = "0006"
"""The newest migration; a test checks it equals Alembic's head."""

DEFAULT_TIMEOUT = 10.0

Change = tuple[Case, Case, Sequence[Entry]]
"""A case as read, the case after a change, and the entries of the change."""


class Log(NamedTuple):
    """A stored case, its audit log and (when asked for) its rows of the due-date index."""

    case: Case
    entries: list[Entry]
    due: list[dict[str, Any]]

_ACTOR_ROLES = sa.select(actor_roles.c.actor, actor_roles.c.role)
_OPENED_ON = sa.select(audit_entries.c.effective).where(
    audit_entries.c.case_id == sa.bindparam("case_id"), audit_entries.c.seq == 1)



_ENTRY_COLUMNS = ("case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, to_state, reference, "
                  "payload, request_id, prev_hash, hash")
_SCANS = itertools.count(1)  # names of server-side cursors
_CASE_COLUMNS_C = ("c.id, c.definition_id, c.definition_version, c.state, c.title, c.version, c.data, c.opened_at, "
                   "c.updated_at, c.head_seq, c.head_hash")
_CASE_COLUMNS = ("id, definition_id, definition_version, state, title, version, data, opened_at, updated_at, "
                 "head_seq, head_hash")


class _Statements:
    """The hot path's statements as SQL text for one driver, built once per store.

    Executing a Core construct costs 35-50 µs of Python per statement; the
    same statement handed to the driver costs a few.  The tables are the ones
    of :mod:`workflow.store.tables`; a test runs every statement on both
    databases.
    """

    def __init__(self, dialect: str) -> None:
        p = self.mark = "?" if dialect == "sqlite" else "%s"
        if dialect == "sqlite":
            numbers = ("(SELECT json_group_array(json_array(n.number, n.party)) FROM (SELECT number, party "
                       "FROM case_numbers WHERE case_id = c.id ORDER BY position) AS n)")
        else:
            numbers = ("(SELECT json_agg(json_build_array(n.number, n.party) ORDER BY n.position)::text "
                       "FROM case_numbers AS n WHERE n.case_id = c.id)")
        # By id first, then by diary number (as the key was always looked up); COALESCE stops at the first.
        self.lookup = (
            "SELECT c.id, c.definition_id, c.definition_version, c.state, c.title, c.version, c.data, "
            f"c.opened_at, c.updated_at, c.head_seq, c.head_hash, {numbers}, "
            "(SELECT effective FROM audit_entries WHERE case_id = c.id AND seq = 1), "
            f"(SELECT seq FROM audit_entries WHERE case_id = c.id AND request_id = {p}), "
            "(SELECT coalesce(max(seq), 0) FROM register_entries) "
            f"FROM cases AS c WHERE c.id = coalesce((SELECT id FROM cases WHERE id = {p}), "
            f"(SELECT case_id FROM case_numbers WHERE number = {p}))"
        )
        self.register_head = "SELECT coalesce(max(seq), 0) FROM register_entries"
        self.request_entries = (
            f"SELECT {_ENTRY_COLUMNS}, recorded_by FROM audit_entries WHERE case_id = {p} AND seq >= "
            f"(SELECT seq FROM audit_entries WHERE case_id = {p} AND request_id = {p}) ORDER BY seq")
        self.update = (f"UPDATE cases SET state = {p}, version = {p}, data = {p}, updated_at = {p}, head_seq = {p}, "
                       f"head_hash = {p}, definition_version = {p} WHERE id = {p} AND version = {p}")
        self.insert_entry = (f"INSERT INTO audit_entries ({_ENTRY_COLUMNS}, recorded_by) "
                             f"VALUES ({', '.join([p] * 15)})")
        self.insert_entry_unrecorded = f"INSERT INTO audit_entries ({_ENTRY_COLUMNS}) VALUES ({', '.join([p] * 14)})"
        self.delete_due = f"DELETE FROM due_dates WHERE case_id = {p} AND name = {p}"
        self.insert_due = (f"INSERT INTO due_dates (case_id, name, date, due_on, meeting, status) "
                           f"VALUES ({p}, {p}, {p}, {p}, {p}, {p})")
        self.insert_case = ("INSERT INTO cases (id, definition_id, definition_version, state, title, version, data, "
                            f"opened_at, updated_at, head_seq, head_hash) VALUES ({', '.join([p] * 11)})")
        self.insert_number = f"INSERT INTO case_numbers (number, case_id, party, position) VALUES ({p}, {p}, {p}, {p})"
        self.definition = f"SELECT source, digest FROM definition_versions WHERE id = {p} AND version = {p}"
        self.insert_definition = (f"INSERT INTO definition_versions (id, version, digest, source) "
                                  f"VALUES ({p}, {p}, {p}, {p})")
        self._p = p
        self._pair = "json_array(number, case_id)" if dialect == "sqlite" else "json_build_array(number, case_id)::text"
        self.grants = "SELECT actor, role FROM actor_roles"
        self.roles_enabled = "SELECT 1 FROM register_entries WHERE kind = 'roles_enabled' LIMIT 1"
        self.planned = "SELECT payload FROM register_entries WHERE kind = 'meeting_planned'"
        self.dates_as_text = dialect == "sqlite"  # SQLAlchemy's Date on SQLite is ISO text

    def vacancy(self, numbers: int) -> str:
        """Whether a case id and ``numbers`` diary numbers are taken: (the id, [a taken number, its case])."""
        p = self._p
        taken = (f"(SELECT {self._pair} FROM case_numbers WHERE number IN ({', '.join([p] * numbers)}) LIMIT 1)"
                 if numbers else "NULL")
        return f"SELECT (SELECT id FROM cases WHERE id = {p}), {taken}"


class Found(NamedTuple):
    """A case as one decision needs it, from one statement (see :meth:`UnitOfWork.find`)."""

    case: Case
    opened_on: str | None
    """What the case's ``opened`` entry says it was opened on (its ``effective``), if anything."""
    request_seq: int | None
    """The entry an earlier recording under the request id asked about starts at, if any."""
    register_head: int
    """The number of the register log's last entry: when it moved, roles and meetings may have changed."""


@dataclass(frozen=True)
class RegisterView:
    """What the register log gives that every decision checks, as of its entry ``head``."""

    head: int
    enabled: bool
    grants: dict[str, set[str]]
    meetings: frozenset[tuple[str, str]]
    """(body, date) of every planned meeting."""


def os_user() -> str:
    """The operating-system user running this process, as the system knows it (not $USER)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # no passwd entry (a container's bare uid), or not POSIX
        import getpass

        return getpass.getuser()


class LedgerRow(NamedTuple):
    """One leaf of the ledger, with the hash its entry has now (``None``: the entry is gone)."""

    position: int
    log: str
    case_id: str | None
    seq: int
    entry_hash: str
    login: str
    current_hash: str | None
    recorded_by: str | None = None
    """Who the entry itself says entered it."""


def redact(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


class Store:
    """One database: SQLite (a file) or PostgreSQL."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        self._login: str | None = None
        self._owner: bool | None = None
        self._view: RegisterView | None = None
        self._begin_hook: Any = None
        self._definitions: dict[tuple[str, int], tuple[str, str]] = {}
        """(id, version) -> (source, digest) of definitions the database keeps: a kept version never changes."""
        self._local = threading.local()
        try:
            parsed = sa.engine.make_url(url)
        except (exc.ArgumentError, ValueError):  # ValueError: e.g. a malformed port, "0://:"
            raise StorageError(f"not a database URL: {url!r} (e.g. sqlite:///path/wf.sqlite3)")
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                folder = Path(parsed.database).expanduser().parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StorageError(f"cannot create the database folder {folder}: {e.strerror}")
            kwargs["connect_args"] = {"timeout": timeout}
        elif self.dialect == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": max(1, int(timeout))}
            kwargs["pool_pre_ping"] = False
        try:
            self.engine = sa.create_engine(url, **kwargs)
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as e:
            raise StorageError(f"cannot use database {redact(url)}: {e}")
        self.sql = _Statements(self.dialect)
        if self.dialect == "sqlite":
            self._sqlite_setup(timeout)

    def _sqlite_setup(self, timeout: float) -> None:
        login = os_user()

        @event.listens_for(self.engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()
            # The ledger trigger records who wrote each entry; on SQLite that is the OS user.
            dbapi_conn.create_function("wf_login", 0, lambda: login)

        @event.listens_for(self.engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            """Every transaction SQLAlchemy begins on this engine begins on SQLite too (the driver's own
            transaction handling is off): ``BEGIN IMMEDIATE`` to write, ``BEGIN`` to read."""
            # Straight to the driver: through exec_driver_sql this costs ten times as much.
            statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get("wf_write", False) else "BEGIN"
            driver = conn.connection.driver_connection
            if driver.in_transaction:  # type: ignore[union-attr]  # begun on the driver by a unit of work
                return
            if conn.dispatch.before_cursor_execute:  # whoever listens to SQLAlchemy's statements sees it too
                conn.dispatch.before_cursor_execute(conn, None, statement, (), None, False)
            try:
                driver.execute(statement)  # type: ignore[union-attr]
            except conn.dialect.loaded_dbapi.Error as e:  # "database is locked": as SQLAlchemy would raise it
                raise exc.DBAPIError.instance(statement, (), e, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect)

        self._begin_hook = _begin

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions and errors ------------------------------------------------

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except exc.OperationalError as e:
            text = str(e.orig) if e.orig is not None else str(e)
            if "locked" in text or "busy" in text:
                raise StorageError(
                    "the database stayed busy (locked by another writer) past the timeout; try again"
                )
            raise StorageError(f"cannot use database {redact(self.url)}: {text.strip().splitlines()[0]}")
        except exc.DBAPIError as e:
            text = str(e.orig) if e.orig is not None else str(e)
            if getattr(e.orig, "sqlstate", None) == "42501":  # insufficient privilege: the database's own refusal
                raise PermissionDenied(f"the database refused this login: {text.strip().splitlines()[0]}")
            raise StorageError(f"database error: {text.strip().splitlines()[0] if text.strip() else e}")

    @contextlib.contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        batch = self._batch()
        if batch is not None:  # inside a batch: read what it wrote so far
            with self._errors():
                yield batch.conn
            return
        with self._errors(), self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        batch = self._batch()
        if batch is not None:
            with self._errors(), batch.joined():
                yield batch.conn
            return
        with self._errors(), self.engine.connect() as conn:
            conn = conn.execution_options(wf_write=True)
            with conn.begin():
                yield conn

    def _batch(self) -> "UnitOfWork | None":
        return getattr(self._local, "batch", None)

    @contextlib.contextmanager
    def batch(self) -> Iterator["UnitOfWork"]:
        """One transaction for everything this thread does until the block ends: all of it, or nothing.

        Every unit of work, read and write of the store started inside the
        block (by this thread) joins it; the block commits when it ends
        normally and rolls back on any exception -- also when a unit of work
        inside it failed and its caller went on.
        """
        if self._batch() is not None:
            raise StorageError("a batch is already open in this thread")
        with self.unit_of_work() as uow:
            self._local.batch = uow
            try:
                yield uow
                if uow.failed:
                    raise StorageError("a change inside the batch failed; nothing of it was written")
            finally:
                self._local.batch = None

    # -- schema -----------------------------------------------------------------

    def revision(self) -> str | None:
        """The schema revision the database is at, or ``None`` for an empty database."""
        with self.reading() as conn:
            if self.dialect == "sqlite":  # one cheap query instead of the reflection machinery
                exists: object = conn.execute(sa.text(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")).first()
            elif self.dialect == "postgresql":
                exists = conn.execute(sa.text("SELECT to_regclass('alembic_version')")).scalar()
            else:
                exists = sa.inspect(conn).has_table("alembic_version")
            if not exists:
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` with the Alembic migrations."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self._errors(), self.engine.connect() as conn:
            conn = conn.execution_options(wf_write=True)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()

    def ensure_schema(self) -> None:
        """Create the schema in an empty database; refuse one that needs an upgrade."""
        current = self.revision()
        if current == HEAD_REVISION:
            return
        if current is None:
            self.upgrade()
            return
        raise SchemaOutdated(current, HEAD_REVISION)

    # -- definitions ------------------------------------------------------------

    def remember_definition(self, conn: sa.Connection, definition: Definition, source: str) -> None:
        UnitOfWork(self, conn).remember_definition(definition, source)

    def owner_logins(self) -> set[str]:
        """The logins that own the register: the SQLite file's owner; on PostgreSQL, the logins in the ledger
        that are members of the role owning the tables."""
        if self.dialect == "postgresql":
            with self.reading() as conn:
                return {r[0] for r in conn.execute(sa.text(
                    "SELECT DISTINCT l.login FROM ledger l JOIN pg_roles r ON r.rolname = l.login "
                    "WHERE pg_has_role(l.login, (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_entries' "
                    "AND schemaname = current_schema()), 'MEMBER')"))}
        path = sa.engine.make_url(self.url).database
        if not path or path == ":memory:":
            return {self.login()}
        try:
            import pwd

            return {pwd.getpwuid(Path(path).expanduser().stat().st_uid).pw_name}
        except (ImportError, KeyError, OSError):
            return set()

    def definition_versions(self) -> list[tuple[str, int, str]]:
        """(id, version, digest) of every definition version the register keeps."""
        with self.reading() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(sa.select(
                definition_versions.c.id, definition_versions.c.version, definition_versions.c.digest)
                .order_by(definition_versions.c.id, definition_versions.c.version))]

    def definition_use(self) -> dict[tuple[str, int], dict[str, int]]:
        """(definition id, version) -> state -> how many cases."""
        out: dict[tuple[str, int], dict[str, int]] = {}
        with self.reading() as conn:
            for did, version, state, n in conn.execute(sa.select(
                    cases.c.definition_id, cases.c.definition_version, cases.c.state, sa.func.count())
                    .group_by(cases.c.definition_id, cases.c.definition_version, cases.c.state)):
                out.setdefault((did, version), {})[state] = int(n)
        return out

    def definition_source(self, definition_id: str, version: int) -> tuple[str, str] | None:
        kept = self._definitions.get((definition_id, version))
        if kept is not None:
            return kept
        with self.reading() as conn:
            uow = UnitOfWork(self, conn)
            found = uow.definition_source(definition_id, version)
        if self._batch() is None:  # read as committed
            self._definitions.update(uow.kept)
        return found

    def _definition_source(self, conn: sa.Connection, definition_id: str, version: int) -> tuple[str, str] | None:
        return UnitOfWork(self, conn).definition_source(definition_id, version)

    # -- cases ------------------------------------------------------------------

    def create_case(
        self, case: Case, entries: Sequence[Entry], definition: Definition, source: str,
        updates: Sequence[Change] = (),
    ) -> None:
        """Insert a new case with its first entries, and any changes to other cases, in one transaction."""
        with self.unit_of_work() as uow:
            uow.create(case, entries, definition, source, updates)

    def _create(self, conn: sa.Connection, case: Case, entries: Sequence[Entry], definition: Definition,
                source: str, updates: Sequence[Change]) -> None:
        UnitOfWork(self, conn).create(case, entries, definition, source, updates)

    def record(self, before: Case, after: Case, entries: Sequence[Entry]) -> None:
        """Write a decision: the new case row and its entries, or nothing.

        Raises :class:`ConcurrentUpdate` if the case changed since ``before`` was read.
        """
        with self.unit_of_work() as uow:
            uow.update(before, after, entries)

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator["UnitOfWork"]:
        """One connection and one write transaction for everything one decision or act reads and writes.

        It commits when the block ends normally and rolls back on any
        exception; on SQLite it holds the write lock from its first statement
        (``BEGIN IMMEDIATE``), on PostgreSQL the version check of each update
        decides between two writers.  Nothing inside calls back into the API.
        """
        batch = self._batch()
        if batch is not None:
            with self._errors(), batch.joined():
                yield batch
            return
        with self._errors():
            # Straight from the pool, begun and committed on the driver: a SQLAlchemy connection (for the
            # statements that are not on the hot path) is made over the same one only when asked for.
            uow = UnitOfWork(self, None, self.engine.raw_connection())
            try:
                uow.begin()
                yield uow
                uow.commit()
            except BaseException:
                uow.rollback()
                raise
            finally:
                uow.close()
            self._definitions.update(uow.kept)  # committed: what it read of definitions stays so

    def _update(self, conn: sa.Connection, before: Case, after: Case, entries: Sequence[Entry]) -> None:
        UnitOfWork(self, conn).update(before, after, entries)

    def _append(self, conn: sa.Connection, entries: Sequence[Entry]) -> None:
        UnitOfWork(self, conn).append(entries)

    def _sync_due(self, conn: sa.Connection, case: Case, before: Case | None = None) -> None:
        UnitOfWork(self, conn).sync_due(case, before)

    def case(self, key: str) -> Case:
        """A case by id or by any of its diary numbers."""
        with self.reading() as conn:
            return self._case(conn, key)

    def _case(self, conn: sa.Connection, key: str) -> Case:
        return UnitOfWork(self, conn).find(key).case

    def register_view(self, uow: "UnitOfWork", head: int) -> RegisterView:
        """The roles and planned meetings as of register entry ``head``: read again only when it moved."""
        view = self._view
        if view is None or view.head != head:
            grants: dict[str, set[str]] = {}
            for actor, role in uow.rows(self.sql.grants):
                grants.setdefault(actor, set()).add(role)
            enabled = bool(uow.rows(self.sql.roles_enabled))
            meetings = set()
            for (payload,) in uow.rows(self.sql.planned):
                p = json.loads(payload)
                meetings.add((str(p.get("body")), str(p.get("date"))))
            view = self._view = RegisterView(head, enabled, grants, frozenset(meetings))
        return view

    def _load_cases(self, conn: sa.Connection, query: sa.Select[Any]) -> list[Case]:
        rows = conn.execute(query).mappings().all()
        if not rows:
            return []
        numbers: dict[str, list[DiaryNumber]] = {}
        ids = [r["id"] for r in rows]
        for chunk in range(0, len(ids), 500):
            for n in conn.execute(
                sa.select(case_numbers).where(case_numbers.c.case_id.in_(ids[chunk:chunk + 500]))
                .order_by(case_numbers.c.case_id, case_numbers.c.position)
            ).mappings():
                numbers.setdefault(n["case_id"], []).append(DiaryNumber(n["number"], n["party"]))
        return [_case(r, numbers.get(r["id"], [])) for r in rows]

    def cases(
        self,
        *,
        definition: str | None = None,
        state: str | None = None,
        overdue_on: dt.date | None = None,
        due_before: dt.date | None = None,
        limit: int | None = None,
    ) -> list[Case]:
        """Cases matching every filter given, oldest first."""
        return list(self.iter_cases(definition=definition, state=state, overdue_on=overdue_on,
                                    due_before=due_before, limit=limit))

    def iter_cases(
        self,
        *,
        definition: str | None = None,
        state: str | None = None,
        overdue_on: dt.date | None = None,
        due_before: dt.date | None = None,
        limit: int | None = None,
        page: int = 500,
    ) -> Iterator[Case]:
        """Cases matching every filter given, oldest first, read a page at a time (one page in memory).

        With a due-date filter and a limit, the way in follows how many cases
        match, so that a page costs about the same whatever their share: when few
        have an open due date before the day, they are looked up by date (the
        ``ix_due_dates_open`` index) and sorted; when many do, the cases are
        walked oldest first (``ix_cases_opened``) and each one's due dates
        probed until the page is full -- about ``limit / share`` probes.  The
        switch is at about sqrt(limit x cases) matches, so neither costs more
        than that.  Without a limit, pages follow each other by (opened_at, id).
        """
        dates = [d for d in (overdue_on, due_before) if d is not None]
        before = min(dates) if dates else None  # an open due date before both is one before the earlier
        where: list[str] = []
        params: list[Any] = []
        if definition:
            where.append(f"c.definition_id = {self.sql.mark}")
            params.append(definition)
        if state:
            where.append(f"c.state = {self.sql.mark}")
            params.append(state)
        due = None
        if before is not None:
            due = (before.isoformat() if self.sql.dates_as_text else before, URGENT_PREFIX + "%")
        if due is not None and limit is not None and self._few_due(due, limit):
            yield from self._cases_by_due(due, where, params, limit)
            return
        if due is not None:
            m = self.sql.mark
            # Each case's own due dates by its key; SQLite is kept (the unary +) from walking the date index
            # for every case, which holds more of them the more are overdue.
            plus = "+" if self.dialect == "sqlite" else ""
            where.append(f"EXISTS (SELECT 1 FROM due_dates AS d WHERE d.case_id = c.id AND {plus}d.status = 'open' "
                         f"AND {plus}d.due_on < {m} AND d.name NOT LIKE {m})")
            params.extend(due)
        left = limit
        after: tuple[str, str] | None = None
        while left is None or left > 0:
            size = page if left is None else min(page, left)
            # a row value, so that the (opened_at, id) index is searched, not scanned from its start
            keyset = [f"(c.opened_at, c.id) > ({self.sql.mark}, {self.sql.mark})"]
            clauses = [*where, *(keyset if after else [])]
            sql = (f"SELECT {_CASE_COLUMNS_C} FROM cases AS c{' WHERE ' + ' AND '.join(clauses) if clauses else ''} "
                   f"ORDER BY c.opened_at, c.id LIMIT {int(size)}")
            with self.reading() as conn:
                u = UnitOfWork(self, conn)
                rows = u.rows(sql, (*params, *(after or ())))
                found = self._with_numbers(u, rows)
            yield from found
            if len(rows) < size:
                return
            after = (rows[-1][7], rows[-1][0])
            if left is not None:
                left -= len(rows)

    def _few_due(self, due: tuple[Any, str], limit: int) -> bool:
        """Whether fewer cases than about sqrt(limit x cases) have an open due date before the day."""
        with self.reading() as conn:
            u = UnitOfWork(self, conn)
            if self.dialect == "sqlite":
                estimate = u.rows("SELECT coalesce(max(rowid), 0) FROM cases")[0][0]
            else:
                estimate = u.rows("SELECT reltuples::bigint FROM pg_class WHERE oid = 'cases'::regclass")[0][0]
            switch = max(1000, int(math.sqrt(max(limit, 1) * max(int(estimate), 1))))
            m = self.sql.mark
            found = u.rows(f"SELECT count(*) FROM (SELECT 1 FROM due_dates WHERE status = 'open' AND due_on < {m} "
                           f"AND name NOT LIKE {m} LIMIT {switch}) AS d", due)[0][0]
        return int(found) < switch

    def _cases_by_due(self, due: tuple[Any, str], where: list[str], params: list[Any], limit: int) -> list[Case]:
        m = self.sql.mark
        join = "CROSS JOIN" if self.dialect == "sqlite" else "JOIN"  # SQLite: the due dates drive the join
        sql = (f"SELECT {_CASE_COLUMNS_C} FROM (SELECT DISTINCT case_id FROM due_dates WHERE status = 'open' "
               f"AND due_on < {m} AND name NOT LIKE {m}) AS d {join} cases AS c ON c.id = d.case_id"
               f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY c.opened_at, c.id LIMIT {int(limit)}")
        with self.reading() as conn:
            u = UnitOfWork(self, conn)
            return self._with_numbers(u, u.rows(sql, (*due, *params)))

    @staticmethod
    def _with_numbers(u: "UnitOfWork", rows: list[Any]) -> list[Case]:
        """Cases from their rows (in :data:`_CASE_COLUMNS` order), with their diary numbers read in one go."""
        if not rows:
            return []
        numbers: dict[str, list[DiaryNumber]] = {}
        ids = [r[0] for r in rows]
        for cid, number, party in u.rows(
                f"SELECT case_id, number, party FROM case_numbers WHERE case_id IN ({', '.join([u.sql.mark] * len(ids))}) "
                "ORDER BY case_id, position", ids):
            numbers.setdefault(cid, []).append(DiaryNumber(number, party))
        loads = json.loads
        return [Case(r[0], r[1], r[2], r[3], r[4], numbers.get(r[0], []), loads(r[6]), r[5], r[7], r[8], r[9], r[10])
                for r in rows]

    def due_items(self, until: dt.date | None, limit: int | None = None) -> list[dict[str, Any]]:
        """Open due dates (and unreported urgent decisions) of all cases, up to ``until``, soonest first.

        Read off the ``ix_due_dates_open`` index in its order, so a page stops after ``limit`` rows.
        """
        m = self.sql.mark
        params: list[Any] = []
        bound = ""
        if until is not None:
            bound = f" AND d.due_on <= {m}"
            params.append(until.isoformat() if self.sql.dates_as_text else until)
        sql = ("SELECT d.case_id, d.name, d.date, d.due_on, d.meeting, d.status, c.title, c.state, c.definition_id "
               f"FROM due_dates AS d JOIN cases AS c ON c.id = d.case_id WHERE d.status = 'open'{bound} "
               f"ORDER BY d.due_on, d.case_id, d.name{f' LIMIT {int(limit)}' if limit else ''}")
        keys = ("case_id", "name", "date", "due_on", "meeting", "status", "title", "state", "definition_id")
        to_date = dt.date.fromisoformat
        with self.reading() as conn:
            u = UnitOfWork(self, conn)
            rows = [dict(zip(keys, r, strict=True)) for r in u.rows(sql, params)]
            ids = sorted({r["case_id"] for r in rows})
            numbers: dict[str, list[str]] = {}
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                for cid, number in u.rows(f"SELECT case_id, number FROM case_numbers WHERE case_id IN "
                                          f"({', '.join([m] * len(chunk))}) ORDER BY case_id, position", chunk):
                    numbers.setdefault(cid, []).append(number)
        for r in rows:
            if isinstance(r["due_on"], str):
                r["due_on"] = to_date(r["due_on"])
            r["numbers"] = numbers.get(r["case_id"], [])
            r["urgent"] = r["name"].startswith(URGENT_PREFIX)
        return rows

    # -- the log ----------------------------------------------------------------

    def entries(self, case_id: str) -> list[Entry]:
        with self.reading() as conn:
            return self._entries(conn, case_id)

    def iter_entries(self, case_id: str) -> Iterator[Entry]:
        """A case's entries in order, streamed: one batch of rows in memory."""
        loads = json.loads
        for r in self._scan(f"SELECT {_ENTRY_COLUMNS}, recorded_by FROM audit_entries WHERE case_id = "
                            f"{self.sql.mark} ORDER BY seq", (case_id,), batch=1000):
            yield Entry(*r[:10], loads(r[10]), *r[11:])  # type: ignore[misc,call-arg]

    def orders_like_python(self) -> bool:
        """Whether the database orders case ids as Python orders strings (by code point): SQLite, and
        PostgreSQL under the C collation."""
        if self.dialect != "postgresql":
            return True
        with self.reading() as conn:
            collation = str(UnitOfWork(self, conn).rows(
                "SELECT datcollate FROM pg_database WHERE datname = current_database()")[0][0])
        return collation in ("C", "POSIX") or collation.startswith("C.")

    def case_ids(self) -> list[str]:
        with self.reading() as conn:
            return [r[0] for r in UnitOfWork(self, conn).rows("SELECT id FROM cases")]

    def _entries(self, conn: sa.Connection, case_id: str) -> list[Entry]:
        rows = conn.execute(
            sa.select(audit_entries).where(audit_entries.c.case_id == case_id)
            .order_by(audit_entries.c.seq)
        ).mappings()
        return [_entry(r) for r in rows]

    def entries_for_request(self, case_id: str, request_id: str) -> list[Entry]:
        """The entries a decision with this request id wrote, if it was recorded."""
        with self.reading() as conn:
            return self._entries_for_request(conn, case_id, request_id)

    def _entries_for_request(self, conn: sa.Connection, case_id: str, request_id: str) -> list[Entry]:
        return UnitOfWork(self, conn).entries_for_request(case_id, request_id)

    def iter_logs(self, case_ids: Iterable[str] | None = None, *, with_due: bool = False,
                  after: str | None = None, upto: str | None = None, page: int = 500) -> Iterator[Log]:
        """Every case (or the given ones) with its log, one case at a time, by case id, a page at a time.

        Without ``case_ids``, the cases after ``after`` up to ``upto`` (ids, in the
        database's order), read page by page from where the last page ended: the
        memory held is one page's, whatever the number of cases.  ``with_due``
        also reads each case's rows of the due-date index, for verification to
        compare with what the log gives.
        """
        if case_ids is not None:
            ids = list(case_ids)
            for i in range(0, len(ids), page):
                chunk = ids[i:i + page]
                marks = ", ".join([self.sql.mark] * len(chunk))
                by_id = {log.case.id: log for log in self._logs(f"id IN ({marks})", f"case_id IN ({marks})",
                                                                chunk, chunk, with_due)}
                yield from (by_id[cid] for cid in chunk if cid in by_id)
            return
        last = after if after is not None else ""
        while True:
            bound = "" if upto is None else f" AND id <= {self.sql.mark}"
            with self.reading() as conn:
                first_last = UnitOfWork(self, conn).rows(
                    f"SELECT min(id), max(id), count(*) FROM (SELECT id FROM cases WHERE id > {self.sql.mark}{bound} "
                    f"ORDER BY id LIMIT {int(page)}) AS p", (last,) if upto is None else (last, upto))[0]
            if not first_last[2]:
                return
            lo, hi = first_last[0], first_last[1]
            m = self.sql.mark
            yield from self._logs(f"id >= {m} AND id <= {m}", f"case_id >= {m} AND case_id <= {m}",
                                  (lo, hi), (lo, hi), with_due)
            if first_last[2] < page:
                return
            last = hi

    def _logs(self, where_case: str, where_rows: str, case_params: Sequence[Any], row_params: Sequence[Any],
              with_due: bool) -> Iterator[Log]:
        """The logs of the cases ``where_case`` selects, read in one transaction on the driver."""
        loads, to_date = json.loads, dt.date.fromisoformat
        with self.reading() as conn:
            u = UnitOfWork(self, conn)
            found = u.rows(f"SELECT {_CASE_COLUMNS} FROM cases WHERE {where_case} ORDER BY id", case_params)
            numbers: dict[str, list[DiaryNumber]] = {}
            for cid, number, party in u.rows(f"SELECT case_id, number, party FROM case_numbers WHERE {where_rows} "
                                             "ORDER BY case_id, position", row_params):
                numbers.setdefault(cid, []).append(DiaryNumber(number, party))
            logs: dict[str, list[Entry]] = {}
            for r in u.rows(f"SELECT {_ENTRY_COLUMNS}, recorded_by FROM audit_entries WHERE {where_rows} "
                            "ORDER BY case_id, seq", row_params):
                logs.setdefault(r[0], []).append(Entry(*r[:10], loads(r[10]), *r[11:]))  # type: ignore[misc,call-arg]
            due: dict[str, list[dict[str, Any]]] = {}
            if with_due:
                for cid, name, date, due_on, meeting, status in u.rows(
                        f"SELECT case_id, name, date, due_on, meeting, status FROM due_dates WHERE {where_rows}",
                        row_params):
                    due.setdefault(cid, []).append({
                        "case_id": cid, "name": name, "date": date,
                        "due_on": to_date(due_on) if isinstance(due_on, str) else due_on,
                        "meeting": meeting, "status": status})
        for r in found:
            cid = r[0]
            case = Case(cid, r[1], r[2], r[3], r[4], numbers.get(cid, []), loads(r[6]), r[5], r[7], r[8], r[9], r[10])
            yield Log(case, logs.get(cid, []), due.get(cid, []))

    def _scan(self, statement: str, params: Sequence[Any] = (), batch: int = 5000) -> Iterator[Any]:
        """The rows of one query, streamed in one read transaction (a server-side cursor on PostgreSQL)."""
        error = self.engine.dialect.loaded_dbapi.Error
        with self.reading() as conn:
            driver: Any = conn.connection.driver_connection
            if self.engine.dispatch.before_cursor_execute:
                conn.dispatch.before_cursor_execute(conn, None, statement, params, None, False)
            cur = driver.cursor(name=f"wf_scan_{next(_SCANS)}") if self.dialect == "postgresql" else driver.cursor()
            try:
                try:
                    cur.execute(statement, params)
                    rows = cur.fetchmany(batch)
                    while rows:
                        yield from rows
                        rows = cur.fetchmany(batch)
                except error as e:
                    raise exc.DBAPIError.instance(statement, params, e, error, dialect=self.engine.dialect)
            finally:
                cur.close()

    def entry_rows(self, case_ids: Sequence[str] | None = None) -> Iterator[tuple[Any, ...]]:
        """Every audit entry as stored (payload as its text), by case and sequence number: one ordered scan."""
        where = ""
        if case_ids is not None:
            where = f" WHERE case_id IN ({', '.join([self.sql.mark] * len(case_ids))})"
        return self._scan(f"SELECT {_ENTRY_COLUMNS}, recorded_by FROM audit_entries{where} ORDER BY case_id, seq",
                          tuple(case_ids or ()))

    def head_mismatches(self, case_ids: Sequence[str] | None = None) -> list[tuple[str, int, int | None]]:
        """(case id, the seq its row says is last, the last seq its log has) of every case whose row does not
        name its log's last entry (by number and hash)."""
        where = ""
        if case_ids is not None:
            where = f" AND c.id IN ({', '.join([self.sql.mark] * len(case_ids))})"
        with self.reading() as conn:
            return [(r[0], r[1], r[2]) for r in UnitOfWork(self, conn).rows(
                "SELECT c.id, c.head_seq, l.seq FROM cases AS c LEFT JOIN audit_entries AS l ON l.case_id = c.id "
                "AND l.seq = (SELECT max(a.seq) FROM audit_entries AS a WHERE a.case_id = c.id) "
                "WHERE ((l.seq IS NULL AND c.head_seq <> 0) OR l.seq <> c.head_seq OR l.hash <> c.head_hash)"
                f"{where} ORDER BY c.id", tuple(case_ids or ()))]

    def count_cases(self) -> int:
        with self.reading() as conn:
            return int(UnitOfWork(self, conn).rows("SELECT count(*) FROM cases")[0][0])

    def case_bounds(self, parts: int) -> list[tuple[str | None, str | None]]:
        """``parts`` ranges of case ids (after, up to], in the database's order, of about as many cases each."""
        total = self.count_cases()
        marks: list[str | None] = [None]
        with self.reading() as conn:
            u = UnitOfWork(self, conn)
            for k in range(1, parts):
                row = u.rows(f"SELECT id FROM cases ORDER BY id LIMIT 1 OFFSET {int(total * k // parts)}")
                if row and row[0][0] != marks[-1]:
                    marks.append(row[0][0])
        marks.append(None)
        return list(zip(marks[:-1], marks[1:], strict=True))

    # -- identity ---------------------------------------------------------------

    def login(self) -> str:
        """Who this store writes as: the PostgreSQL session user, or the operating-system user."""
        if self._login is None:
            if self.dialect == "postgresql":
                with self.reading() as conn:
                    self._login = str(conn.execute(sa.text("SELECT session_user")).scalar())
            else:
                self._login = os_user()
        return self._login

    def is_owner(self) -> bool:
        """Whether the login owns the register: the SQLite file, or (a member of) the tables' owner role."""
        if self._owner is None:
            if self.dialect == "postgresql":
                with self.reading() as conn:
                    self._owner = bool(conn.execute(sa.text(
                        "SELECT pg_has_role(session_user, tableowner, 'MEMBER') FROM pg_tables "
                        "WHERE tablename = 'audit_entries' AND schemaname = current_schema()")).scalar())
            else:
                path = sa.engine.make_url(self.url).database
                if not path or path == ":memory:":
                    self._owner = True
                else:
                    try:
                        self._owner = Path(path).expanduser().stat().st_uid == os.geteuid()
                    except OSError:
                        self._owner = False
        return self._owner

    # -- the register log and the roles it gives --------------------------------

    @staticmethod
    def _actor_roles(conn: sa.Connection) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for actor, role in conn.execute(_ACTOR_ROLES):
            out.setdefault(actor, set()).add(role)
        return out

    def register_log(self) -> list[Entry]:
        with self.reading() as conn:
            return self._register_log(conn)

    @staticmethod
    def _register_log(conn: sa.Connection) -> list[Entry]:
        rows = conn.execute(sa.select(register_entries).order_by(register_entries.c.seq)).mappings()
        return [_register_entry(r) for r in rows]

    def actor_roles(self) -> dict[str, set[str]]:
        """Actor -> roles, as the ``actor_roles`` table holds them."""
        with self.reading() as conn:
            return self._actor_roles(conn)

    def stored_grants(self) -> list[dict[str, Any]]:
        """The rows of ``actor_roles``, for verification to compare with the register log."""
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(
                sa.select(actor_roles).order_by(actor_roles.c.actor, actor_roles.c.role)).mappings()]

    def _append_register(self, conn: sa.Connection, entries: Sequence[Entry], rows: Sequence[dict[str, Any]]) -> None:
        """Append register entries and set ``actor_roles`` to what the whole log now gives."""
        conn.execute(register_entries.insert(), [
            {"seq": e.seq, "kind": e.kind, "actor": e.actor, "recorded_by": e.recorded_by or e.actor,
             "recorded_at": e.recorded_at, "payload": canonical_json(e.payload), "prev_hash": e.prev_hash,
             "hash": e.hash} for e in entries])
        conn.execute(actor_roles.delete())
        if rows:
            conn.execute(actor_roles.insert(), list(rows))

    # -- the ledger -------------------------------------------------------------

    def ledger_size(self) -> int:
        with self.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(ledger)).scalar() or 0)

    def ledger_rows(self) -> Iterator[tuple[Any, ...]]:
        """Every leaf in position order, with the current hash of the entry it names and who that entry says
        entered it: one ordered scan, in :class:`LedgerRow`'s field order."""
        return self._scan(
            "SELECT l.position, l.log, l.case_id, l.seq, l.entry_hash, l.login, coalesce(a.hash, r.hash), "
            "coalesce(a.recorded_by, r.recorded_by) FROM ledger AS l "
            "LEFT JOIN audit_entries AS a ON l.log = 'case' AND a.case_id = l.case_id AND a.seq = l.seq "
            "LEFT JOIN register_entries AS r ON l.log = 'register' AND r.seq = l.seq ORDER BY l.position")

    def unledgered(self) -> list[tuple[str, str | None, int]]:
        """(log, case id, seq) of entries the ledger does not hold: written with its trigger off."""
        with self.reading() as conn:
            out: list[tuple[str, str | None, int]] = [("case", r[0], r[1]) for r in conn.execute(
                sa.select(audit_entries.c.case_id, audit_entries.c.seq).where(~sa.exists().where(
                    ledger.c.log == "case", ledger.c.case_id == audit_entries.c.case_id,
                    ledger.c.seq == audit_entries.c.seq)).order_by(audit_entries.c.case_id, audit_entries.c.seq))]
            out += [("register", None, r[0]) for r in conn.execute(
                sa.select(register_entries.c.seq).where(~sa.exists().where(
                    ledger.c.log == "register", ledger.c.seq == register_entries.c.seq)))]
            return out

    def orphan_entry_cases(self) -> list[str]:
        """Case ids that have audit entries but no case row (a deleted case)."""
        with self.reading() as conn:
            return [r[0] for r in conn.execute(
                sa.select(audit_entries.c.case_id).distinct().where(
                    audit_entries.c.case_id.not_in(sa.select(cases.c.id))
                )
            )]


class UnitOfWork:
    """What one decision reads and writes, on one connection in one transaction (see :meth:`Store.unit_of_work`).

    The statements of the hot path go to the driver's cursor as pre-built
    text (:class:`_Statements`); the rest through SQLAlchemy on ``conn``, in
    the same transaction.
    """

    def __init__(self, store: Store, conn: sa.Connection | None, pooled: Any = None) -> None:
        self._store = store
        self._conn = conn
        self._pooled = pooled if pooled is not None else conn.connection  # type: ignore[union-attr]
        self._driver: Any = self._pooled.driver_connection
        self._dialect = store.engine.dialect
        self.sql = store.sql
        self._cur: Any = None
        self._listened = bool(store.engine.dispatch.before_cursor_execute)
        self.failed = False
        self.register_head: int | None = None
        self.kept: dict[tuple[str, int], tuple[str, str]] = {}

    @property
    def conn(self) -> sa.Connection:
        """A SQLAlchemy connection in this unit of work's transaction, for the statements not on the hot path."""
        if self._conn is None:
            self._conn = sa.Connection(self._store.engine, connection=self._pooled).execution_options(wf_write=True)
        return self._conn

    # -- the driver -------------------------------------------------------------------

    def _run(self, statement: str, params: Sequence[Any] | Sequence[Sequence[Any]] = (), many: bool = False) -> Any:
        cur = self._cur
        if cur is None:
            cur = self._cur = self._driver.cursor()
        if self._listened:  # whoever listens to SQLAlchemy's statements sees these too
            self.conn.dispatch.before_cursor_execute(self.conn, cur, statement, params, None, many)
        try:
            if many:
                cur.executemany(statement, params)
            else:
                cur.execute(statement, params)
        except self._dialect.loaded_dbapi.Error as e:  # as SQLAlchemy would have raised it
            raise self._failure(e, statement, params, cur)
        return cur

    def _failure(self, e: Exception, statement: str, params: Any, cur: Any = None) -> Exception:
        """The driver's error as SQLAlchemy would raise it; a connection that broke is not given back to the pool."""
        if self._dialect.is_disconnect(e, self._driver, cur):  # type: ignore[arg-type]
            self._pooled.invalidate(e)
        return exc.DBAPIError.instance(statement, params, e, self._dialect.loaded_dbapi.Error, dialect=self._dialect)

    # -- the transaction (see Store.unit_of_work) ------------------------------------------

    def begin(self) -> None:
        if self._store.dialect == "sqlite":  # PostgreSQL's driver begins with the first statement
            self._run("BEGIN IMMEDIATE")
        hook = self._store._begin_hook
        if any(fn is not hook for fn in self._store.engine.dispatch.begin):
            self.conn.begin()  # someone else listens: SQLAlchemy's transaction on the same connection tells them

    def commit(self) -> None:
        conn = self._conn
        if conn is not None and conn.in_transaction():
            conn.commit()  # SQLAlchemy began it (on the same connection) and commits it: its events see it
            return
        if self._store.engine.dispatch.commit:
            self.conn.dispatch.commit(self.conn)
        try:
            self._driver.commit()
        except self._dialect.loaded_dbapi.Error as e:
            raise self._failure(e, "COMMIT", ())

    def rollback(self) -> None:
        conn = self._conn
        try:
            if conn is not None and conn.in_transaction():
                conn.rollback()
            else:
                self._driver.rollback()
        except Exception:  # the connection is gone; the pool throws it away
            self._pooled.invalidate()

    def close(self) -> None:
        if self._cur is not None:
            self._cur.close()
        if self._conn is not None:
            self._conn.close()
        else:
            self._pooled.close()

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self._run(statement, params).fetchall())

    @contextlib.contextmanager
    def joined(self) -> Iterator[None]:
        """A unit of work joining this one (a batch): a failure inside it fails the whole."""
        try:
            yield
        except BaseException:
            self.failed = True
            raise

    # -- reading ----------------------------------------------------------------------

    def find(self, key: str, request_id: str | None = None) -> Found:
        """The case by id or diary number, with what a decision on it may need, in one statement."""
        r = self._run(self.sql.lookup, (request_id, key, key.strip())).fetchone()
        if r is None:
            raise CaseNotFound(key)
        numbers = [DiaryNumber(n, p) for n, p in json.loads(r[11])] if r[11] else []
        case = Case(r[0], r[1], r[2], r[3], r[4], numbers, json.loads(r[6]), r[5], r[7], r[8], r[9], r[10])
        self.register_head = int(r[14])
        return Found(case, r[12], r[13], self.register_head)

    def case(self, key: str) -> Case:
        return self.find(key).case

    def view(self) -> RegisterView:
        """What the register log gives every decision to check (cached in the store by the log's head)."""
        if self.register_head is None:
            self.register_head = int(self._run(self.sql.register_head).fetchone()[0])
        return self._store.register_view(self, self.register_head)

    def access(self) -> "tuple[bool, dict[str, set[str]]]":
        """(roles enabled, actor -> roles), as the register log gave them."""
        view = self.view()
        return view.enabled, view.grants

    def register_log(self) -> list[Entry]:
        return self._store._register_log(self.conn)

    def remember_definition_text(self, definition_id: str, version: int, digest: str, text: str) -> None:
        """Keep a published definition's text (a row of ``definition_versions``), unless it is kept already."""
        if self._store._definition_source(self.conn, definition_id, version) is None:
            self.conn.execute(definition_versions.insert().values(
                id=definition_id, version=version, digest=digest, source=text))

    def lock_register(self) -> None:
        """Hold the register until this unit of work ends, so that what it reads of the register log and of
        cases is what the previous register act committed (PostgreSQL; SQLite's write lock does this already)."""
        if self._store.dialect == "postgresql":
            self.conn.execute(sa.text("SELECT pg_advisory_xact_lock(727072)"))

    def meeting_planned(self, body: str, date: str) -> bool:
        """Whether the register plans a meeting of ``body`` on ``date``."""
        return (body, date) in self.view().meetings

    def append_register(self, entries: Sequence[Entry], grant_rows: Sequence[dict[str, Any]]) -> None:
        try:
            self._store._append_register(self.conn, entries, grant_rows)
        except exc.IntegrityError:  # another writer appended the same register entry number first
            raise ConcurrentUpdate("the register log", entries[0].seq - 1 if entries else 0)

    def definition_source(self, definition_id: str, version: int) -> tuple[str, str] | None:
        """(source text, digest) of a definition version the database keeps (remembered once read)."""
        key = (definition_id, version)
        kept = self._store._definitions.get(key) or self.kept.get(key)
        if kept is None:
            row = self._run(self.sql.definition, key).fetchone()
            if row is None:
                return None
            kept = self.kept[key] = (row[0], row[1])  # remembered by the store once this commits
        return kept

    def remember_definition(self, definition: Definition, source: str) -> None:
        """Keep the definition's text with the cases opened under it, unless it is kept already."""
        if self.definition_source(definition.id, definition.version) is None:
            self._run(self.sql.insert_definition, (definition.id, definition.version, definition.digest, source))

    def entries_for_request(self, case_id: str, request_id: str) -> list[Entry]:
        """The entries a decision with this request id wrote, if it was recorded: from its entry up to the next
        decision, request or opening."""
        loads = json.loads
        out: list[Entry] = []
        for r in self._run(self.sql.request_entries, (case_id, case_id, request_id)).fetchall():
            e = Entry(*r[:10], loads(r[10]), *r[11:])  # type: ignore[misc,call-arg]
            if out and (e.kind == "decision" or e.request_id is not None or e.kind == "opened"):
                break
            out.append(e)
        return out

    def opened_on(self, case_id: str) -> str | None:
        """The date the case's ``opened`` entry gives (when it was opened, as the record says), if any."""
        return self.conn.execute(_OPENED_ON, {"case_id": case_id}).scalar()  # type: ignore[no-any-return]

    def update(self, before: Case, after: Case, entries: Sequence[Entry]) -> None:
        """Write a change; :class:`ConcurrentUpdate` if the case moved on since ``before`` was read."""
        try:
            cur = self._run(self.sql.update, (
                after.state, after.version, canonical_json(after.data), after.updated_at, after.head_seq,
                after.head_hash, after.definition_version, before.id, before.version))
            if cur.rowcount != 1:
                raise ConcurrentUpdate(before.label, before.version)
            self.append(entries)
        except exc.IntegrityError:
            raise ConcurrentUpdate(before.label, before.version)
        if after.data.get("due") != before.data.get("due") or after.data.get("urgent") != before.data.get("urgent"):
            self.sync_due(after, before)

    def append(self, entries: Sequence[Entry]) -> None:
        """Insert entries (the database's trigger enters each in the ledger)."""
        if not entries:
            return
        if all(e.recorded_by is None for e in entries):  # drafted without a recorder: as schemas before 0004 hold
            statement = self.sql.insert_entry_unrecorded
            rows: list[tuple[Any, ...]] = [
                (e.case_id, e.seq, e.kind, e.actor, e.recorded_at, e.effective, e.trigger, e.from_state,
                 e.to_state, e.reference, e.payload_text(), e.request_id, e.prev_hash, e.hash)
                for e in entries]
        else:
            statement = self.sql.insert_entry
            rows = [(e.case_id, e.seq, e.kind, e.actor, e.recorded_at, e.effective, e.trigger, e.from_state,
                     e.to_state, e.reference, e.payload_text(), e.request_id, e.prev_hash, e.hash,
                     e.recorded_by) for e in entries]
        if len(rows) == 1:
            self._run(statement, rows[0])
        else:
            self._run(statement, rows, many=True)

    def sync_due(self, case: Case, before: Case | None = None) -> None:
        """Keep the due-date index table equal to the case's due dates, touching only the rows that changed."""
        old = derive.due_rows(before) if before is not None else {}
        new = derive.due_rows(case)
        stale = [(case.id, name) for name, row in old.items() if new.get(name) != row]
        fresh = [new[name] for name in sorted(new) if old.get(name) != new[name]]
        if stale:
            self._run(self.sql.delete_due, stale, many=True)
        if fresh:
            text = self.sql.dates_as_text
            self._run(self.sql.insert_due, [
                (r["case_id"], r["name"], r["date"], r["due_on"].isoformat() if text else r["due_on"],
                 r["meeting"], r["status"]) for r in fresh], many=True)

    def create(self, case: Case, entries: Sequence[Entry], definition: Definition, source: str,
               updates: Sequence[Change] = ()) -> None:
        """Insert a new case with its first entries (and changes to other cases); :class:`DuplicateCase` if its
        id or a diary number is taken."""
        try:
            numbers = [n.number for n in case.numbers]
            free = self._run(self.sql.vacancy(len(numbers)), (case.id, *numbers)).fetchone()
            if free[1] is not None:
                number, other = json.loads(free[1])
                raise DuplicateCase(f"diary number {number!r} already belongs to case {other}")
            if free[0] is not None:
                raise DuplicateCase(f"case {case.id} already exists")
            self.remember_definition(definition, source)
            row = derive.case_row(case)
            self._run(self.sql.insert_case, (
                row["id"], row["definition_id"], row["definition_version"], row["state"], row["title"],
                row["version"], row["data"], row["opened_at"], row["updated_at"], row["head_seq"], row["head_hash"]))
            if case.numbers:
                self._run(self.sql.insert_number, [(r["number"], r["case_id"], r["party"], r["position"])
                                                   for r in derive.number_rows(case)], many=True)
            self.append(entries)
            self.sync_due(case)
            for before, after, more in updates:
                self.update(before, after, more)
        except exc.IntegrityError as e:
            if updates:
                raise ConcurrentUpdate(updates[0][0].label, updates[0][0].version)
            raise DuplicateCase(f"a case or diary number given was created meanwhile ({e.orig})")


def _case(r: Any, numbers: list[DiaryNumber]) -> Case:
    return Case(
        id=r["id"], definition_id=r["definition_id"], definition_version=r["definition_version"],
        state=r["state"], title=r["title"], numbers=numbers,
        data=json.loads(r["data"]), version=r["version"], opened_at=r["opened_at"],
        updated_at=r["updated_at"], head_seq=r["head_seq"], head_hash=r["head_hash"],
    )


def _entry(r: Any) -> Entry:
    return Entry(
        case_id=r["case_id"], seq=r["seq"], kind=r["kind"], actor=r["actor"],
        recorded_at=r["recorded_at"], effective=r["effective"], trigger=r["trigger"],
        from_state=r["from_state"], to_state=r["to_state"], reference=r["reference"],
        payload=json.loads(r["payload"]), request_id=r["request_id"],
        prev_hash=r["prev_hash"], hash=r["hash"], recorded_by=r["recorded_by"],
    )


REGISTER = ""
"""The case id a register entry is hashed under: no case has an empty id."""


def _register_entry(r: Any) -> Entry:
    return Entry(
        case_id=REGISTER, seq=r["seq"], kind=r["kind"], actor=r["actor"], recorded_at=r["recorded_at"],
        effective=None, trigger=None, from_state=None, to_state=None, reference=None,
        payload=json.loads(r["payload"]), prev_hash=r["prev_hash"], hash=r["hash"], recorded_by=r["recorded_by"],
    )
