"""The public entry point: :class:`Workflow` does everything the CLI does.

The store is opened on first use, so reading definitions never imports
SQLAlchemy.  The clock is injectable (``clock=``), so tests and back-registration
can say what "now" is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from workflow import events
from workflow.access import Access, Identity
from workflow.core import actions, derive, engine
from workflow.core.audit import ChainCheck, Entry, Problem, recorded_by, verify_chain
from workflow.core.case import Case, DiaryNumber
from workflow.core.decisions import Decision, DecisionRef, PartialDate, Proposal
from workflow.core.definition import Definition
from workflow.core.errors import AuditFailure, ConcurrentUpdate, DecisionRefused, InvalidInput
from workflow.meetings import MeetingsMixin
from workflow.migrating import MigratingMixin
from workflow.publishing import PublishingMixin
from workflow.registry import Registry, default_registry
from workflow.reminders import RemindersMixin

if TYPE_CHECKING:
    from workflow import ledger
    from workflow.store.repository import Found, Log, Store, UnitOfWork

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Recorded:
    """What recording a decision gave: the case after it and the entries written."""

    case: Case
    entries: tuple[Entry, ...]
    replayed: bool = False
    """True when the decision had been recorded before under the same request id."""


@dataclass
class VerifyReport:
    """The outcome of recomputing the audit chains."""

    cases: int = 0
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)
    ledger_size: int = 0
    consistency: "ledger.Consistency | None" = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        if self.problems:
            first = self.problems[0]
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise AuditFailure(f"audit log does not verify: {first}{more}")


class Workflow(MeetingsMixin, PublishingMixin, MigratingMixin, RemindersMixin):
    """Definitions, cases, decisions and the audit log, on one database."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        registry: Registry | None = None,
        clock: Clock = utc_now,
        timeout: float | None = None,
        user: str | None = None,
    ) -> None:
        self._url = database_url
        self._user = user.strip() if user is not None else None
        self._registry = registry
        self._own_registry = registry is not None  # a registry of the caller's: processes cannot rebuild it
        self._store: Store | None = None
        self._timeout = timeout
        self.clock = clock
        self._listeners: list[events.Listener] = []
        self._identity: Identity | None = None
        self._batches = threading.local()  # per thread: the changes of an open batch, told after it commits

    # -- parts, opened lazily ---------------------------------------------------

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = default_registry()
        return self._registry

    @property
    def _db(self) -> "Store":
        """The store, opened on first use; private: services use the narrow methods below."""
        if self._store is None:
            from workflow.paths import default_database_url
            from workflow.store.repository import DEFAULT_TIMEOUT, Store

            store = Store(self._url or default_database_url(), timeout=self._timeout or DEFAULT_TIMEOUT)
            try:
                store.ensure_schema()
            except BaseException:
                store.close()  # an old schema or no server: leave no connection behind
                raise
            self._store = store
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
            self._identity = None

    def __enter__(self) -> "Workflow":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- definitions ------------------------------------------------------------

    def definitions(self) -> list[Definition]:
        """The newest version of each known definition."""
        return self.registry.latest()

    def definition(self, definition_id: str, version: int | None = None) -> Definition:
        return self.registry.get(definition_id, version)

    def definition_at(self, definition_id: str, version: int) -> Definition:
        """A version of a definition: from the files this process knows, else as the register keeps it."""
        if self.registry.has(definition_id, version):
            return self.registry.get(definition_id, version)
        stored = self._db.definition_source(definition_id, version)
        if stored is None:
            return self.registry.get(definition_id, version)
        return self.registry.add_text(stored[0], f"<database: {definition_id} v{version}>")

    def definition_of(self, case: Case, uow: "UnitOfWork | None" = None) -> Definition:
        """The exact definition version a case was opened under (kept in the database)."""
        if self.registry.has(case.definition_id, case.definition_version):
            return self.registry.get(case.definition_id, case.definition_version)
        if uow is not None:
            stored = uow.definition_source(case.definition_id, case.definition_version)
        else:
            stored = self._db.definition_source(case.definition_id, case.definition_version)
        if stored is None:
            return self.registry.get(case.definition_id, case.definition_version)
        return self.registry.add_text(stored[0], f"<database: {case.definition_id} v{case.definition_version}>")

    # -- cases ------------------------------------------------------------------

    def open_case(
        self,
        definition_id: str,
        *,
        title: str,
        numbers: Iterable[str | DiaryNumber] = (),
        actor: str | None = None,
        effective: str | PartialDate | None = None,
        parties: Iterable[str] | None = None,
        case_id: str | None = None,
        version: int | None = None,
    ) -> Case:
        """Open a case of a definition; ``numbers`` are diary numbers, ``PARTY=NUMBER`` or plain.

        ``actor`` is whom the recorder opens it for; by default the recorder.
        """
        definition = self.definition(definition_id, version)
        dnrs = [n if isinstance(n, DiaryNumber) else parse_diary_number(n) for n in numbers]
        when = PartialDate.parse(effective) if isinstance(effective, str) else effective
        with self._db.unit_of_work() as uow:
            who = self._permit(definition, None, actor, uow)
            definition = self.ensure_published(uow, definition, self.identity, self.access_in(uow))
            case, entries = engine.open_case(
                definition, case_id=case_id or new_case_id(), title=title, numbers=dnrs, actor=who,
                now=self.clock(), effective=when, parties=parties,
            )
            case, entries = self._stamped(case, entries)
            uow.create(case, entries, definition, definition.text)
        return case

    def case(self, key: str) -> Case:
        """A case by its id or any of its diary numbers."""
        return self._db.case(key)

    def cases(
        self,
        *,
        definition: str | None = None,
        state: str | None = None,
        overdue: bool = False,
        due_before: str | dt.date | None = None,
        today: dt.date | None = None,
        limit: int | None = None,
    ) -> list[Case]:
        """Cases matching every filter; ``overdue`` means an open due date before ``today``."""
        return list(self.iter_cases(definition=definition, state=state, overdue=overdue, due_before=due_before,
                                    today=today, limit=limit))

    def iter_cases(
        self,
        *,
        definition: str | None = None,
        state: str | None = None,
        overdue: bool = False,
        due_before: str | dt.date | None = None,
        today: dt.date | None = None,
        limit: int | None = None,
    ) -> Iterator[Case]:
        """:meth:`cases` as a stream, oldest first: read a page at a time, one page in memory."""
        before = _as_date(due_before) if due_before is not None else None
        day = today or self.clock().date()
        return self._db.iter_cases(
            definition=definition, state=state, overdue_on=day if overdue else None,
            due_before=before, limit=limit,
        )

    def triggers(self, key: str) -> list[engine.Possibility]:
        """What can happen to the case now, and what each step needs."""
        case = self.case(key)
        return engine.possibilities(self.definition_of(case), case)

    def advance(self, key: str, decision: Decision, *, expected_version: int | None = None) -> Recorded:
        """Record a decision on a case: state, version and audit entries in one transaction.

        Everything the decision needs -- the case, the recorder's roles, an
        earlier recording under the same request id, the definition kept with
        the case, the day the case was opened -- is read on one connection, in
        the transaction that writes it.  With ``decision.request_id`` set,
        recording the same decision again answers with what was recorded the
        first time and writes nothing.  ``expected_version`` refuses the
        decision if the case has moved on since the caller read it.  A blank
        ``decision.actor`` is the recorder; another name is recorded on that
        actor's behalf, for roles the definition allows to.
        """
        try:
            with self._db.unit_of_work() as uow:
                done, after, entries = self._decide_in(uow, key, decision, expected_version, typed=True)
                if done is not None:
                    return done
        except ConcurrentUpdate:
            # The same request sent twice at once: the loser answers with the winner's recording.
            if decision.request_id:
                with self._db.unit_of_work() as uow:
                    done = _recorded_before(uow.case(key), decision, uow.entries_for_request)
                if done is not None:
                    return done
            raise
        self._notify(after, entries)
        return Recorded(after, tuple(entries))

    def _decide_in(self, uow: "UnitOfWork", key: str, decision: Decision, expected_version: int | None = None,
                   *, typed: bool = False) -> tuple[Recorded | None, Case, list[Entry]]:
        """Record a decision within ``uow``: (what was recorded before under its request id, or None; the case
        after; the entries written).

        One statement reads the case and all the decision may need besides
        (:meth:`UnitOfWork.find`); the roles come from the store's view of the
        register log, read again only when the log moved.  ``typed``: the
        reference was typed, so a paragraph of a meeting this register plans
        (whose paragraphs the meeting assigns) is refused.
        """
        found = uow.find(key, decision.request_id)
        case = found.case
        view = uow.view()
        ref = decision.reference
        if typed and ref is not None and ref.paragraph and (ref.body, str(ref.date)) in view.meetings:
            raise DecisionRefused(
                f"{ref.body} {ref.date} is a meeting planned in this register: "
                "its paragraphs are assigned when its items are decided, not typed", field="reference")
        definition = self.definition_of(case, uow)
        identity = self.identity
        who = self._permitted(definition, decision.trigger, decision.actor, identity, Access(view.enabled, view.grants))
        if who != decision.actor:
            decision = replace(decision, actor=who)
        if found.request_seq is not None:
            done = _recorded_before(case, decision, uow.entries_for_request)
            if done is not None:
                return done, case, []
        if expected_version is not None and expected_version != case.version:
            raise ConcurrentUpdate(case.label, expected_version)
        after, entries = engine.decide(definition, case, decision, self.clock(), _opened_on(case, decision, found),
                                       recorded_by=identity.user)
        uow.update(case, after, entries)
        return None, after, entries

    def add_note(self, key: str, text: str, *, actor: str | None = None) -> Recorded:
        return self._act(key, actor, lambda d, c, a: engine.note(d, c, text, a, self.clock()))

    def _notify(self, case: Case, entries: Sequence[Entry]) -> None:
        """Tell the listeners of a committed change; inside :meth:`batch`, once the batch has committed."""
        deferred = getattr(self._batches, "deferred", None)
        if deferred is not None:
            deferred.append((case, entries))
        else:
            events.notify(case, entries, self._listeners)

    @contextlib.contextmanager
    def batch(self) -> Iterator["Workflow"]:
        """Everything done through this object inside the block is one transaction: all of it, or nothing.

        For many decisions in one go -- back-registering a file of old decisions --
        without a commit (and a wait for the disk) per decision.  Every act inside
        reads what the acts before it wrote.  A failure anywhere inside rolls the
        whole back, also one its caller caught and went on from.  Listeners hear
        of the changes after the commit, in order; of none if it rolled back.
        """
        if getattr(self._batches, "deferred", None) is not None:
            raise InvalidInput("a batch is open already")
        deferred: list[tuple[Case, Sequence[Entry]]] = []
        self._batches.deferred = deferred
        try:
            with self._db.batch():
                yield self
        finally:
            self._batches.deferred = None
        for case, entries in deferred:
            events.notify(case, entries, self._listeners)

    def add_listener(self, listener: "events.Listener") -> "events.Listener":
        """Call ``listener(case, entries, recipients)`` after each decision this object commits.

        See :mod:`workflow.events`: never before the commit, never for a
        refused or replayed decision; a listener that raises is logged only.
        """
        if not callable(listener):
            raise TypeError(f"a listener must be callable, not {type(listener).__name__}")
        self._listeners.append(listener)
        return listener

    # -- acts that are not state changes ---------------------------------------

    def _act(self, key: str, actor: str | None,
             act: Callable[[Definition, Case, str], tuple[Case, list[Entry]]]) -> Recorded:
        with self._db.unit_of_work() as uow:
            after, entries = self._act_in(uow, key, actor, act)
        self._notify(after, entries)
        return Recorded(after, tuple(entries))

    def _act_in(self, uow: "UnitOfWork", key: str, actor: str | None,
                act: Callable[[Definition, Case, str], tuple[Case, list[Entry]]]) -> tuple[Case, list[Entry]]:
        case = uow.case(key)
        definition = self.definition_of(case, uow)
        who = self._permit(definition, None, actor, uow)
        after, entries = self._stamped(*act(definition, case, who))
        uow.update(case, after, entries)
        return after, entries

    def propose(self, key: str, proposal: Proposal) -> Recorded:
        """Record a proposal (from a working committee, KS, an officer's report) ahead of the decision."""
        return self._act(key, proposal.actor, lambda d, c, a: actions.propose(
            d, c, replace(proposal, actor=a), self.clock()))

    def proposal_outcome(self, key: str, proposal_id: str, reference: DecisionRef, outcome: str, *,
                         actor: str | None = None, next_meeting: PartialDate | None = None) -> Recorded:
        """The body sent a proposal back (``returned``, återremiss) or postponed it (``postponed``, bordläggning)."""
        return self._act(key, actor, lambda d, c, a: actions.proposal_outcome(
            d, c, proposal_id, reference, outcome, a, self.clock(), next_meeting))

    def delegate(self, key: str, task: str, to: str, *, actor: str | None = None, may_subdelegate: bool = False,
                 effective: PartialDate | None = None) -> Recorded:
        """Pass an assigned task on; refused unless its holder has the right to sub-delegate."""
        return self._act(key, actor, lambda d, c, a: actions.delegate(
            d, c, task, to, may_subdelegate, a, self.clock(), effective))

    def report_urgent(self, key: str, reference: DecisionRef, *, actor: str | None = None,
                      which: str | None = None) -> Recorded:
        """Record that the chair's urgent decisions were reported to the body at ``reference``."""
        return self._act(key, actor, lambda d, c, a: actions.report_urgent(d, c, reference, a, self.clock(), which))

    def minutes_posted(self, key: str, reference: DecisionRef, posted: PartialDate, *,
                       actor: str | None = None) -> Recorded:
        """Record when the minutes of a decision were posted; the appeal period runs from then."""
        return self._act(key, actor, lambda d, c, a: actions.minutes_posted(
            d, c, reference, posted, a, self.clock()))

    def link(self, key: str, other: str, relation: str = "related", *,
             actor: str | None = None) -> tuple[Recorded, Recorded]:
        """Link two cases in both directions; ``relation`` is what ``other`` is to ``key``."""
        with self._db.unit_of_work() as uow:
            a, b = uow.case(key), uow.case(other)
            da, db = self.definition_of(a, uow), self.definition_of(b, uow)
            who = self._permit(da, None, actor, uow)
            self._permit(db, None, actor, uow)
            (a2, ea), (b2, eb) = actions.link((da, db), (a, b), relation, who, self.clock())
            (a2, ea), (b2, eb) = self._stamped(a2, ea), self._stamped(b2, eb)
            uow.update(a, a2, ea)
            uow.update(b, b2, eb)
        self._notify(a2, ea)
        self._notify(b2, eb)
        return Recorded(a2, tuple(ea)), Recorded(b2, tuple(eb))

    def open_child(self, parent: str, definition_id: str, *, title: str, actor: str | None = None,
                   numbers: Iterable[str | DiaryNumber] = (), effective: str | PartialDate | None = None,
                   case_id: str | None = None) -> Case:
        """Open a case as a child of ``parent``: both are opened/linked in one transaction."""
        definition = self.definition(definition_id)
        dnrs = [n if isinstance(n, DiaryNumber) else parse_diary_number(n) for n in numbers]
        when = PartialDate.parse(effective) if isinstance(effective, str) else effective
        with self._db.unit_of_work() as uow:
            up = uow.case(parent)
            up_definition = self.definition_of(up, uow)
            who = self._permit(definition, None, actor, uow)
            self._permit(up_definition, None, actor, uow)
            child, entries = engine.open_case(
                definition, case_id=case_id or new_case_id(), title=title, numbers=dnrs, actor=who, now=self.clock(),
                effective=when, parties=[p for p in up.data.get("parties", []) if p in definition.parties],
            )
            (up2, eu), (child2, ec) = actions.link((up_definition, definition), (up, child), "child",
                                                   who, self.clock())
            child2, all_entries = self._stamped(child2, [*entries, *ec])
            up2, eu = self._stamped(up2, eu)
            uow.create(child2, all_entries, definition, definition.text, updates=[(up, up2, eu)])
        return child2

    def due(self, *, within: dt.timedelta | None = None, today: dt.date | None = None,
            limit: int | None = None) -> list[dict[str, object]]:
        """Open due dates and unreported urgent decisions across cases, soonest first: overdue ones, and those within ``within``."""
        day = today or self.clock().date()
        rows = self._db.due_items(day + within if within is not None else None, limit)
        for r in rows:
            r["overdue"] = not r["urgent"] and r["due_on"] < day
        return rows

    def history(self, key: str | Case) -> list[Entry]:
        """Every audit entry of the case (given by id, diary number, or as read), in order."""
        return self._db.entries(key.id if isinstance(key, Case) else self.case(key).id)

    def iter_history(self, key: str | Case) -> Iterator[Entry]:
        """:meth:`history` as a stream: the entries read a batch at a time, whatever the log's length."""
        return self._db.iter_entries(key.id if isinstance(key, Case) else self.case(key).id)

    # -- who records, and who may -----------------------------------------------

    @property
    def identity(self) -> Identity:
        """Who this object records as: the login the database (or the OS) authenticated, and the person."""
        if self._identity is None:
            login = self._db.login()
            self._identity = Identity(login=login, user=self._user or login, owner=self._db.is_owner())
        return self._identity

    def _stamped(self, case: Case, entries: Sequence[Entry]) -> tuple[Case, list[Entry]]:
        """The entries with their recorder, and the case whose head is the last of them.

        Entries the core sealed with the recorder already (it was passed in) are kept as they are.
        """
        stamped = recorded_by(entries, self.identity.user)
        if stamped and stamped[-1].hash == case.head_hash:
            return case, stamped
        return replace(case, head_hash=stamped[-1].hash), stamped

    def _permit(self, definition: Definition, trigger: str | None, actor: str | None, uow: "UnitOfWork") -> str:
        """The actor an act is recorded as (the recorder, unless another is named), once it is permitted."""
        view = uow.view()
        return self._permitted(definition, trigger, actor, self.identity, Access(view.enabled, view.grants))

    @staticmethod
    def _permitted(definition: Definition, trigger: str | None, actor: str | None, identity: Identity,
                   access: Access) -> str:
        from workflow.access import check_record

        who = (actor or "").strip() or identity.user
        check_record(definition, trigger, identity, who, access)
        return who

    def access_in(self, uow: "UnitOfWork") -> Access:
        view = uow.view()
        return Access(view.enabled, view.grants)

    def access(self) -> Access:
        """Whether roles are enabled, and who holds which (as the register log gives them)."""
        from workflow.access import replay

        return replay(self._db.register_log())

    def actor_roles(self) -> dict[str, set[str]]:
        """Actor -> roles granted in the register."""
        return self.access().grants

    def register_log(self) -> list[Entry]:
        """The register's own log: roles enabled, granted and revoked, imports."""
        return self._db.register_log()

    def _register(self, make: "Callable[[Identity, Access], list[tuple[str, dict[str, object]]]]") -> list[Entry]:
        """Append register entries that ``make`` drafts from who records and the access before them."""
        with self._db.unit_of_work() as uow:
            uow.lock_register()
            return self._register_in(uow, make)

    def _register_in(self, uow: "UnitOfWork",
                     make: "Callable[[Identity, Access], list[tuple[str, dict[str, object]]]]") -> list[Entry]:
        from workflow.access import grant_rows, granted_when, replay
        from workflow.core.audit import GENESIS

        identity = self.identity
        log = uow.register_log()
        access = replay(log)
        drafts = make(identity, access)
        if not drafts:
            return []
        if any(kind == "roles_enabled" for kind, _ in drafts):  # the clerks who come next find the definitions
            drafts = [*drafts, *self.publish_known_in(uow, log)]
        prev, seq, at = (log[-1].hash if log else GENESIS), (log[-1].seq if log else 0), engine.stamp(self.clock())
        entries = []
        for kind, payload in drafts:
            seq += 1
            e = Entry(case_id="", seq=seq, kind=kind, actor=identity.user, recorded_at=at, effective=None,
                      trigger=None, from_state=None, to_state=None, reference=None, payload=dict(payload),
                      prev_hash=prev, recorded_by=identity.user).sealed()
            entries.append(e)
            prev = e.hash
        whole = [*log, *entries]
        uow.append_register(entries, grant_rows(replay(whole), granted_when(whole)))
        for e in entries:  # a published definition's text is kept with the cases opened under it
            if e.kind == "definition_published":
                p = e.payload
                uow.remember_definition_text(str(p["id"]), int(p["version"]), str(p["digest"]), str(p["text"]))
        return entries

    def enable_roles(self) -> bool:
        """Turn the register from its owner's alone into one where only granted roles record; never undone."""
        from workflow.access import check_admin

        def make(identity: Identity, access: Access) -> list[tuple[str, dict[str, object]]]:
            check_admin(identity, access, "enable roles")
            return [] if access.enabled else [("roles_enabled", {})]

        return bool(self._register(make))

    def grant_role(self, actor: str, role: str) -> bool:
        """Grant ``role`` to ``actor`` (enabling roles if they were not); False if it was held already."""
        from workflow.access import check_grant

        def make(identity: Identity, access: Access) -> list[tuple[str, dict[str, object]]]:
            who, what = check_grant(identity, access, self.definitions(), actor, role)
            if what in access.holds(who):
                return []
            return [*([] if access.enabled else [("roles_enabled", {})]), ("grant", {"actor": who, "role": what})]

        return bool(self._register(make))

    def revoke_role(self, actor: str, role: str) -> bool:
        """Revoke a granted role; False if it was not held."""
        from workflow.access import check_grant

        def make(identity: Identity, access: Access) -> list[tuple[str, dict[str, object]]]:
            who, what = check_grant(identity, access, self.definitions(), actor, role, revoking=True)
            return [("revoke", {"actor": who, "role": what})] if what in access.holds(who) else []

        return bool(self._register(make))

    # -- narrow ports for the services around the facade (exchange, ledger, demo) --

    def logs(self, case_ids: Iterable[str] | None = None, *, ordered: bool = False) -> "Iterator[Log]":
        """Every case (or the given ones) with its audit log, one at a time, by case id, a page in memory.

        ``ordered``: every case by its id as Python orders strings (the order of
        a canonical export), whatever the database's collation.
        """
        if case_ids is None and ordered and not self._db.orders_like_python():
            case_ids = sorted(self._db.case_ids())
        return self._db.iter_logs(case_ids)

    def stored_definition(self, definition_id: str, version: int) -> tuple[str, str] | None:
        """(source text, digest) of a definition version kept in the database with its cases."""
        return self._db.definition_source(definition_id, version)

    def insert_verified(self, definitions: Sequence[tuple[Definition, str]],
                        items: Iterable[tuple[Case, Sequence[Entry]]],
                        provenance: dict[str, object] | None = None,
                        progress: Callable[[int], None] | None = None) -> None:
        """Insert whole cases whose logs were verified (an import), all or nothing.

        The cases keep their logs as they were recorded elsewhere (their
        provenance); the import itself -- who, when, the file's digest, the
        cases -- is an entry of this register's log, and so of its ledger.
        Importing needs the owner or an administrator.  ``items`` may be a
        stream (each checked as it comes): it is written a batch at a time, in
        one transaction.
        """
        from workflow.access import check_admin
        from workflow.store.bulk import insert_cases

        check_admin(self.identity, self.access(), "import cases")
        ids: list[str] = []
        entries = [0]

        def counted() -> Iterator[tuple[Case, Sequence[Entry]]]:
            for case, log in items:
                ids.append(case.id)
                entries[0] += len(log)
                yield case, log

        def record() -> list[tuple[str, dict[str, object]]]:
            return [("import", {**(provenance or {}), "cases": sorted(ids), "entries": entries[0]})]

        insert_cases(self._db, definitions, counted(), progress=progress,
                     then=lambda uow: self._register_in(uow, lambda _i, _a: record()))

    @property
    def database(self) -> str:
        """The database URL, its password hidden."""
        from workflow.store.repository import redact

        return redact(self._db.url)

    # -- the audit log and the ledger ---------------------------------------------

    def verify(self, key: str | None = None, *, digest: "ledger.Digest | None" = None,
               public_key: bytes | None = None, replay: bool = True, processes: int | None = None) -> VerifyReport:
        """Recompute the hash chains, replay each log, compare every stored fact with it, check the ledger.

        The case row (state, data, opening and last-entry times), its diary
        numbers with their parties and its rows of the due-date index are all
        derived from the log (:mod:`workflow.core.derive`); a stored value the
        replayed log does not give is reported by table, column and key.  The
        register log is checked the same way against the grants it gives, and
        the ledger against the entries.  With ``digest``, the ledger must
        extend the one the digest describes (:mod:`workflow.ledger`); with
        ``public_key``, the digest must be signed with its private half.

        The passes: the chains, hashed from the entries as stored in one
        ordered scan; the replay of every intact log (``replay=False`` leaves it
        out), in ``processes`` processes (by default one per core) for a
        register of many cases; the register log; the ledger, in one ordered
        scan with its root computed as the leaves go by.
        """
        report = VerifyReport()
        ids = [self.case(key).id] if key else None
        # 1. The chains, from the entries as stored: one ordered scan, hashing what is stored.
        chains = ChainCheck()
        chains.feed(self._db.entry_rows(ids))
        for case_id, head_seq, last_seq in self._db.head_mismatches(ids):
            chains.head(case_id, head_seq, last_seq)
        report.entries = chains.entries
        broken = chains.problems
        # 2. Every log whose chain holds replayed and compared with what is stored beside it: a pass of its
        # own, spread over processes for a large register.
        if replay:
            report.cases, replayed = self._replay_pass(ids, frozenset(broken), processes)
        else:
            report.cases, replayed = (len(ids) if ids else self._db.count_cases()), {}
        for case_id in sorted({*broken, *replayed}):
            report.problems.extend(broken.get(case_id) or replayed.get(case_id, []))
        if key is None:
            for orphan in self._db.orphan_entry_cases():
                report.problems.append(Problem(orphan, None, "has audit entries but the case is gone"))
            report.problems.extend(self._register_problems())
            report.problems.extend(self._ledger_problems(report, digest, public_key))
        return report

    REPLAY_IN_PROCESSES = 20_000
    """From this many cases on, :meth:`verify` replays the logs in several processes."""

    def _replay_pass(self, ids: Sequence[str] | None, skip: frozenset[str], processes: int | None,
                     ) -> tuple[int, dict[str, list[Problem]]]:
        """(cases, case id -> problems) of replaying every log (not those in ``skip``) and comparing."""
        parts = processes if processes is not None else min(os.cpu_count() or 1, 8)
        if ids is None and parts > 1 and not self._own_registry and self._url is not None \
                and ":memory:" not in self._url and self._db.count_cases() >= self.REPLAY_IN_PROCESSES:
            return _replay_in_processes(self._url, self._timeout, self._db.case_bounds(parts), skip)
        return self._replay_logs(self._db.iter_logs(ids, with_due=True), skip)

    def _replay_logs(self, logs: "Iterable[Log]", skip: frozenset[str]) -> tuple[int, dict[str, list[Problem]]]:
        cases, problems = 0, {}
        for log in logs:
            cases += 1
            if log.case.id not in skip:
                found = self._replay_problems(log.case, log.entries, log.due)
                if found:
                    problems[log.case.id] = found
        return cases, problems

    def _register_problems(self) -> list[Problem]:
        from workflow.access import grant_rows, granted_when, replay

        log = self._db.register_log()
        problems = [replace(p, log="register") for p in verify_chain("", log)]
        if not problems:
            wanted = grant_rows(replay(log), granted_when(log))
            stored = self._db.stored_grants()
            if wanted != stored:
                extra = [f"{r['actor']}:{r['role']}" for r in stored if r not in wanted]
                missing = [f"{r['actor']}:{r['role']}" for r in wanted if r not in stored]
                problems.append(Problem("", None, "the roles table differs from the grants the log gives"
                                        + (f"; not granted in the log: {', '.join(extra)}" if extra else "")
                                        + (f"; granted but missing: {', '.join(missing)}" if missing else ""),
                                        log="register"))
        return problems

    def _ledger_problems(self, report: VerifyReport, digest: "ledger.Digest | None",
                         public_key: bytes | None) -> list[Problem]:
        from workflow import ledger

        read = ledger.read(self._db.ledger_rows(), *self._vouching_and_imported(), keep_leaves=digest is not None)
        problems = [p for _, p in read.rows_problems]
        for log, case_id, seq in self._db.unledgered():
            problems.append(Problem(case_id or "", seq, "is not in the ledger: it was written with the "
                                    "ledger's trigger off", log="register" if log == "register" else "case"))
        report.ledger_size = read.size
        if digest is not None:
            if public_key is not None:
                problems.extend(ledger.signature_problems(digest, public_key))
            report.consistency = ledger.against(read, digest)
            problems.extend(report.consistency.problems)
        return problems

    def _vouching_and_imported(self) -> tuple[frozenset[str], frozenset[str]]:
        """Logins that ever held ``service`` or own the register, and the cases imported, as the register log
        says."""
        from workflow.access import SERVICE

        log = self._db.register_log()
        vouching = {e.payload["actor"] for e in log if e.kind == "grant" and e.payload.get("role") == SERVICE}
        # the register's owner may record for people it vouches for (an open register's web app)
        vouching |= self._db.owner_logins()
        imported = frozenset(c for e in log if e.kind == "import" for c in e.payload.get("cases", []))
        return frozenset(vouching), imported

    def digest(self, private_key: bytes | None = None) -> "ledger.Digest":
        """The ledger's size and root, signed with ``private_key`` (PEM) if given.

        Refused (:class:`AuditFailure`) while the ledger does not match the
        entries: a digest must not bless a rewritten log.
        """
        from workflow import ledger

        read = ledger.read(self._db.ledger_rows(), *self._vouching_and_imported(), keep_leaves=False)
        strays = self._db.unledgered()
        if read.rows_problems or strays:
            first = read.rows_problems[0][1] if read.rows_problems else Problem(
                strays[0][1] or "", strays[0][2], "is not in the ledger")
            raise AuditFailure(f"no digest taken: the ledger does not match the entries ({first}); "
                               "see the audit verification")
        taken = read.digest()
        return ledger.sign(taken, private_key) if private_key is not None else taken

    def _replay_problems(self, case: Case, entries: list[Entry], due: list[dict[str, object]]) -> list[Problem]:
        try:
            migrated = any(e.kind == "migrated" for e in entries)
            replayed = engine.replay(self.definition_of(case), entries,
                                     (lambda v: self.definition_at(case.definition_id, v)) if migrated else None)
        except engine.ReplayError as e:
            return [Problem(case.id, None, f"the log does not replay: {e}")]
        differs = derive.differences(replayed, case, due)
        if differs:
            return [Problem(case.id, None, "the stored case differs from its replayed log in: " + ", ".join(differs))]
        return []


def _recorded_before(case: Case, decision: Decision,
                     entries_for_request: Callable[[str, str], list[Entry]]) -> Recorded | None:
    """What a decision with the same request id recorded, if any; another decision under it is refused."""
    if not decision.request_id:
        return None
    done = entries_for_request(case.id, decision.request_id)
    if not done:
        return None
    first = done[0]
    wanted = {**decision.to_json(), "actor": (decision.actor or "").strip()}
    differs = sorted(k for k, v in wanted.items() if k in first.payload and first.payload[k] != v)
    if first.trigger != decision.trigger or differs:
        raise InvalidInput(
            f"request id {decision.request_id!r} was already used for another decision "
            f"({first.trigger} {first.reference or ''}, recorded as entry {first.seq}"
            + (f"; differs in: {', '.join(differs)}" if differs else "") + ")", field="request_id"
        )
    return Recorded(case, tuple(done), replayed=True)


def _opened_on(case: Case, decision: Decision, found: "Found") -> PartialDate | None:
    """The day the case was opened, for a decision dated before it was entered in the register."""
    ref = decision.reference
    entered = dt.date.fromisoformat(case.opened_at[:10]) if case.opened_at else None
    if ref is None or entered is None or ref.date.last_day() >= entered:
        return None
    said = found.opened_on
    return PartialDate.parse(said) if said else PartialDate.of(entered)


def new_case_id() -> str:
    return uuid.uuid4().hex[:12]


def parse_diary_number(text: str) -> DiaryNumber:
    """``"HSN 501-2023"`` or ``"kommun=KS-2023-0136-106"`` (party given explicitly)."""
    party, sep, number = text.partition("=")
    if sep and party.strip() and " " not in party.strip():
        return DiaryNumber(number.strip(), party.strip())
    return DiaryNumber(text.strip())


def _as_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    p = PartialDate.parse(value)
    if not p.is_full:
        raise InvalidInput(f"malformed date {value!r}: a full date YYYY-MM-DD is needed here")
    return p.first_day()


def _replay_in_processes(url: str, timeout: float | None, bounds: list[tuple[str | None, str | None]],
                         skip: frozenset[str]) -> tuple[int, dict[str, list[Problem]]]:
    """The replay pass in one worker process per range of case ids, each with its own connection.

    The workers are fresh interpreters running :func:`_replay_worker` (not
    multiprocessing's, which would run the caller's main module again in each).
    """
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    workers = []
    for after, upto in bounds:
        errors = tempfile.TemporaryFile("w+")
        proc = subprocess.Popen([sys.executable, "-c", "from workflow.api import _replay_worker; _replay_worker()"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, env=env, text=True)
        assert proc.stdin is not None
        proc.stdin.write(json.dumps({"url": url, "timeout": timeout, "after": after, "upto": upto,
                                     "skip": sorted(skip)}))
        proc.stdin.close()
        workers.append((proc, errors))
    cases, problems = 0, {}
    for proc, errors in workers:
        assert proc.stdout is not None
        with proc.stdout:
            out = proc.stdout.read()
        proc.wait()
        errors.seek(0)
        err = errors.read().strip()
        errors.close()
        if proc.returncode != 0:
            raise AuditFailure(f"a verification process failed: {err.splitlines()[-1] if err else proc.returncode}")
        done = json.loads(out)
        cases += done["cases"]
        for case_id, found in done["problems"].items():
            problems[case_id] = [Problem(*p) for p in found]
    return cases, problems


def _replay_worker() -> None:
    """A worker of :func:`_replay_in_processes`: its range from stdin, (cases, problems) as JSON on stdout."""
    import json
    import sys

    job = json.loads(sys.stdin.read())
    with Workflow(job["url"], timeout=job["timeout"]) as wf:
        logs = wf._db.iter_logs(None, with_due=True, after=job["after"], upto=job["upto"])
        cases, problems = wf._replay_logs(logs, frozenset(job["skip"]))
    json.dump({"cases": cases, "problems": {c: [[p.case_id, p.seq, p.problem, p.log] for p in found]
                                            for c, found in problems.items()}}, sys.stdout)
