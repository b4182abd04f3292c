"""The peers, re-measured: the same workload through other Python state-machine libraries.

    .venv/bin/python bench/peers.py [--cases 40] [--rounds 5]

The workload, for every library: open a case, then five transitions, each a
durable commit with an audit row, on SQLite in WAL mode with
``synchronous=FULL`` (the library's own settings for the engine).  Each
transition loads the case afresh, as a request would.  The libraries run in
one process, interleaved round by round; the figure is CPU time (user +
system, ``time.process_time``) per transition -- the opening's share
included -- and wall time for reference.  Prints one JSON object.

* ``django-fsm-2 + django-fsm-log``: a Django model with an ``FSMField``,
  ``@transition`` methods, a ``StateLog`` row per transition (django-fsm-log),
  ``transaction.atomic()`` with ``BEGIN IMMEDIATE``;
* ``SpiffWorkflow + serializer``: a BPMN process of five manual tasks, the
  workflow deserialized, run one task, serialized again and stored with a log
  row;
* ``transitions + SQLAlchemy ORM``: one shared ``Machine``, the ORM row added
  as its model for the transition, a log row through the ORM; and the same
  with a ``Machine`` built for the row at each transition ("machine per
  model", as the library's first example and the issue's table have it);
* ``python-statemachine + SQLAlchemy ORM``: a ``StateMachine`` bound to the
  ORM row's state field, a log row through the ORM;
* ``kansli-workflow``: :meth:`Workflow.open_case` and five
  :meth:`Workflow.advance` by diary number -- with what it does besides:
  the engine's checks of every decision, roles, the chained SHA-256 entry
  sealed with the authenticated recorder, the due-date index, and the
  database's ledger trigger.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

STATES = ["s0", "s1", "s2", "s3", "s4", "s5"]
TRIGGERS = ["t1", "t2", "t3", "t4", "t5"]
TRANSITIONS_PER_CASE = len(TRIGGERS)


def _sqlite_pragmas(dbapi_conn: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


# -- django-fsm-2 + django-fsm-log ------------------------------------------------------------


def django_fsm(folder: Path) -> Callable[[int], None]:
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(folder / "django.sqlite3"),
                               "OPTIONS": {"transaction_mode": "IMMEDIATE"}}},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_fsm_log", "peerapp"],
        USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.AutoField", LOGGING_CONFIG=None,
    )
    from django.db.backends.signals import connection_created

    connection_created.connect(lambda sender, connection, **kw: _sqlite_pragmas(connection.connection))
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from peerapp.models import Case  # type: ignore[import-not-found]

    with connection.schema_editor() as editor:
        editor.create_model(Case)

    def one_case(_i: int) -> None:
        with transaction.atomic():
            pk = Case.objects.create(title="bench").pk
        for trigger in TRIGGERS:
            with transaction.atomic():
                case = Case.objects.get(pk=pk)
                getattr(case, trigger)()
                case.save()

    return one_case


# -- SpiffWorkflow with its serializer --------------------------------------------------------

_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="bench">
  <bpmn:process id="flow" isExecutable="true">
    <bpmn:startEvent id="start"/>
    {tasks}
    <bpmn:endEvent id="end"/>
    {flows}
  </bpmn:process>
</bpmn:definitions>
"""


def spiff(folder: Path) -> Callable[[int], None]:
    import sqlite3

    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    nodes = ["start", *TRIGGERS, "end"]
    tasks = "\n    ".join(f'<bpmn:manualTask id="{t}" name="{t}"/>' for t in TRIGGERS)
    flows = "\n    ".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                          for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)))
    path = folder / "flow.bpmn"
    path.write_text(_BPMN.format(tasks=tasks, flows=flows))
    parser = BpmnParser()
    parser.add_bpmn_file(str(path))
    spec = parser.get_spec("flow")
    serializer = BpmnWorkflowSerializer()
    db = sqlite3.connect(folder / "spiff.sqlite3", isolation_level=None)
    _sqlite_pragmas(db)
    db.execute("CREATE TABLE workflows (id INTEGER PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL)")
    db.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, workflow_id INTEGER NOT NULL, task TEXT NOT NULL, "
               "at TEXT NOT NULL)")

    def one_case(_i: int) -> None:
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        db.execute("BEGIN IMMEDIATE")
        wid = db.execute("INSERT INTO workflows (state, body) VALUES (?, ?)",
                         ("start", serializer.serialize_json(wf))).lastrowid
        db.execute("COMMIT")
        for _ in TRIGGERS:
            db.execute("BEGIN IMMEDIATE")
            (body,) = db.execute("SELECT body FROM workflows WHERE id = ?", (wid,)).fetchone()
            wf = serializer.deserialize_json(body)
            task = wf.get_next_task(state=TaskState.READY, manual=True)
            task.run()
            wf.do_engine_steps()
            db.execute("UPDATE workflows SET state = ?, body = ? WHERE id = ?",
                       (task.task_spec.name, serializer.serialize_json(wf), wid))
            db.execute("INSERT INTO log (workflow_id, task, at) VALUES (?, ?, datetime('now'))",
                       (wid, task.task_spec.name))
            db.execute("COMMIT")

    return one_case


# -- the two ORM peers --------------------------------------------------------------------------


def _orm(folder: Path, name: str) -> tuple[Any, Any, Any, Any]:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session, declarative_base

    Base: Any = declarative_base()

    class PCase(Base):
        __tablename__ = "cases"
        id = sa.Column(sa.Integer, primary_key=True)
        title = sa.Column(sa.String(200), nullable=False)
        state = sa.Column(sa.String(20), nullable=False)

    class PLog(Base):
        __tablename__ = "log"
        id = sa.Column(sa.Integer, primary_key=True)
        case_id = sa.Column(sa.Integer, sa.ForeignKey("cases.id"), nullable=False)
        trigger = sa.Column(sa.String(20), nullable=False)
        source = sa.Column(sa.String(20), nullable=False)
        target = sa.Column(sa.String(20), nullable=False)
        at = sa.Column(sa.String(40), nullable=False)

    engine = sa.create_engine(f"sqlite:///{folder / name}")
    sa.event.listen(engine, "connect", lambda dbapi_conn, _rec: _sqlite_pragmas(dbapi_conn))
    Base.metadata.create_all(engine)
    return engine, Session, PCase, PLog


def _orm_workload(folder: Path, name: str, fire: Callable[[Any, str], None]) -> Callable[[int], None]:
    """The workload over the ORM: open a case row, then per trigger load the row in a transaction of its
    own, ``fire(row, trigger)`` (the library moves ``row.state``) and add a log row."""
    import datetime as dt

    engine, Session, PCase, PLog = _orm(folder, name)

    def one_case(_i: int) -> None:
        with Session(engine) as session, session.begin():
            case = PCase(title="bench", state="s0")
            session.add(case)
            session.flush()
            pk = case.id
        for trigger in TRIGGERS:
            with Session(engine) as session, session.begin():
                case = session.get(PCase, pk)
                source = case.state
                fire(case, trigger)
                session.add(PLog(case_id=pk, trigger=trigger, source=source, target=case.state,
                                 at=dt.datetime.now(dt.UTC).isoformat()))

    return one_case


def transitions_orm(folder: Path, per_model: bool = False) -> Callable[[int], None]:
    """transitions over the ORM: one shared ``Machine`` the row joins as a model for its transition (the
    cheapest way the library documents), or -- ``per_model`` -- a ``Machine`` built for the row each time
    (its first example's way, and the issue's)."""
    from transitions import Machine

    spec: dict[str, Any] = dict(states=STATES, auto_transitions=False,
                                transitions=[{"trigger": t, "source": a, "dest": b}
                                             for t, a, b in zip(TRIGGERS, STATES, STATES[1:], strict=False)])
    machine = Machine(model=None, initial="s0", **spec)

    def fire(case: Any, trigger: str) -> None:
        if per_model:
            Machine(model=case, initial=case.state, **spec)
            case.trigger(trigger)
            return
        machine.add_model(case, initial=case.state)
        try:
            case.trigger(trigger)
        finally:
            machine.remove_model(case)

    return _orm_workload(folder, "transitions.sqlite3", fire)


def statemachine_orm(folder: Path) -> Callable[[int], None]:
    from statemachine import State, StateMachine

    class Flow(StateMachine):
        s0 = State(initial=True)
        s1 = State()
        s2 = State()
        s3 = State()
        s4 = State()
        s5 = State(final=True)
        t1 = s0.to(s1)
        t2 = s1.to(s2)
        t3 = s2.to(s3)
        t4 = s3.to(s4)
        t5 = s4.to(s5)

    return _orm_workload(folder, "statemachine.sqlite3",
                         lambda case, trigger: Flow(model=case, state_field="state").send(trigger))


# -- this engine --------------------------------------------------------------------------------

STEPS = [("commission_pre_study", "HSN 2023-01-10 § 3"), ("commission_pre_study", "KS 2023-01-12 § 4"),
         ("approve_pre_study", "HSN 2023-03-01 § 5"), ("start_pilot", "HSN 2023-04-01 § 6"),
         ("approve_report_back", "HSN 2023-09-01 § 7")]


def kansli(folder: Path) -> Callable[[int], None]:
    from workflow import Workflow
    from workflow.core.decisions import Decision, DecisionRef

    wf = Workflow(f"sqlite:///{folder / 'kansli.sqlite3'}")
    decisions = [Decision(trigger, DecisionRef.parse(ref), "registrator") for trigger, ref in STEPS]

    def one_case(i: int) -> None:
        dnr = f"HSN {i}-2023"
        wf.open_case("systemledning", title="bench", numbers=[dnr], actor="registrator", effective="2023")
        for decision in decisions:
            wf.advance(dnr, decision)

    return one_case


PEERS: dict[str, Callable[[Path], Callable[[int], None]]] = {
    "django-fsm-2 + django-fsm-log": django_fsm,
    "SpiffWorkflow + serializer": spiff,
    "transitions + SQLAlchemy ORM": transitions_orm,
    "transitions + SQLAlchemy ORM, machine per model": lambda folder: transitions_orm(folder, per_model=True),
    "python-statemachine + SQLAlchemy ORM": statemachine_orm,
    "kansli-workflow (Workflow.advance)": kansli,
}


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("django-fsm-2", "django-fsm-log", "Django", "SpiffWorkflow", "transitions",
                                     "python-statemachine", "SQLAlchemy")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40, help="cases per library per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs: dict[str, Callable[[int], None]] = {}
        for name, make in PEERS.items():
            folder = Path(tmp) / str(len(runs))
            folder.mkdir()
            runs[name] = make(folder)
            runs[name](10**6)  # warm: imports, caches, the first connection
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        wall: dict[str, list[float]] = {name: [] for name in runs}
        n = 0
        for _ in range(args.rounds):
            for name, one_case in runs.items():
                c, w = time.process_time(), time.perf_counter()
                for i in range(args.cases):
                    one_case(n + i)
                transitions = args.cases * TRANSITIONS_PER_CASE
                cpu[name].append((time.process_time() - c) / transitions * 1e6)
                wall[name].append((time.perf_counter() - w) / transitions * 1e6)
            n += args.cases
    print(json.dumps({
        "cases_per_round": args.cases, "rounds": args.rounds, "versions": versions(),
        "cpu_us": {k: statistics.median(v) for k, v in cpu.items()},
        "wall_us": {k: statistics.median(v) for k, v in wall.items()},
    }))


if __name__ == "__main__":
    main()
