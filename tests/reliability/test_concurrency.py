"""Several clerks on one database: one wins, the others are told so; nothing lost, nothing doubled."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Cli, dump
from tests.reliability.helpers import anomalies, finish, pre_study, start_together, worker
from workflow import StorageError, Workflow


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read wf's English output (as wf --lang en); tests/test_i18n.py reads the Swedish."""
    monkeypatch.setenv("WF_LANG", "en")

WF = str(Path(sys.executable).with_name("wf"))
POSTPONE = ("postpone", "--decision", "HSN 2024-01-15 § 7", "--due", "report_back=2031-03")


def test_two_clerks_one_wins_the_other_is_told_and_can_retry(cli: Cli, wf: Any) -> None:
    case = pre_study(wf)
    seen = json.loads(cli("case", "show", case.id, "--json").output)["version"]
    cli("case", "advance", case.id, *POSTPONE, "--expect-version", str(seen), "--actor", "clerk-b")
    before = dump(cli.db_url)
    lost = cli("case", "advance", case.id, "postpone", "--decision", "HSN 2024-01-16 § 8",
               "--due", "report_back=2031-04", "--expect-version", str(seen), "--actor", "clerk-a", code=7)
    assert "changed by someone else" in lost.output and "read it again and retry" in lost.output
    assert len(lost.output.strip().splitlines()) == 1
    assert dump(cli.db_url) == before
    again = json.loads(cli("case", "show", case.id, "--json").output)["version"]
    assert again > seen
    cli("case", "advance", case.id, "postpone", "--decision", "HSN 2024-01-16 § 8",
        "--due", "report_back=2031-04", "--expect-version", str(again), "--actor", "clerk-a")
    refs = [e.reference for e in wf.history(case.id) if e.kind == "decision"]
    assert refs[-2:] == ["HSN 2024-01-15 § 7", "HSN 2024-01-16 § 8"]
    assert anomalies(cli.db_url) == []


def test_two_wf_processes_at_the_same_moment(db_url: str, wf: Any) -> None:
    """Real ``wf`` processes started together with the same expected version: exactly one records."""
    case = pre_study(wf)
    for round_ in range(3):
        version = wf.case(case.id).version
        procs = [
            subprocess.Popen(
                [WF, "--db", db_url, "case", "advance", case.id, "postpone", "--decision",
                 f"HSN 2024-02-{10 + round_} § {clerk + 10 * round_}", "--due", f"report_back=203{round_}-0{clerk + 1}",
                 "--expect-version", str(version), "--actor", f"clerk{clerk}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for clerk in range(2)
        ]
        outputs = [p.communicate(timeout=60) for p in procs]
        results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 7], results
        loser = next(err for code, _, err in results if code == 7)
        assert "changed by someone else" in loser and "Traceback" not in loser
    decisions = [e for e in wf.history(case.id) if e.kind == "decision" and e.trigger == "postpone"]
    assert len(decisions) == 3
    assert anomalies(db_url) == []


@pytest.mark.slow
def test_stress_many_processes_few_cases(db_url: str, wf: Any) -> None:
    """Clerks released together on a few cases: every win is in the log once, every loss was told.

    The first attempt of every clerk is on a version they all read before the start line, so that
    round collides whatever the schedule: exactly one clerk wins it and the others get a conflict.
    """
    processes, attempts, timeout = 5, 80, 10.0
    cases = [pre_study(wf, f"Ärende {i}").id for i in range(3)]
    procs = [worker("stress", db_url, ",".join(cases), str(w), str(attempts), str(timeout))
             for w in range(processes)]
    start_together(procs)
    t0 = time.monotonic()
    results = [finish(p, timeout=300) for p in procs]
    took = time.monotonic() - t0

    firsts = sorted(r["first"] for r in results)
    wins = [w for r in results for w in r["wins"]]
    conflicts = sum(r["conflicts"] for r in results)
    busy = sum(r["busy"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    logged: list[str] = []
    for case, entries, _due in wf.logs(cases):
        logged += [f"{case.id}/{e.request_id}" for e in entries if e.kind == "decision" and e.request_id]
    found = anomalies(db_url)
    dialect = db_url.split(":")[0].split("+")[0]
    summary = (f"STRESS {dialect}: processes={processes} cases={len(cases)} attempts={processes * attempts} "
               f"first_round={firsts} winners={len(wins)} conflicts={conflicts} busy_timeouts={busy} "
               f"other_errors={len(errors)} decisions_in_log={len(logged)} "
               f"duplicates={len(logged) - len(set(logged))} lost={len(set(wins) - set(logged))} "
               f"phantom={len(set(logged) - set(wins))} anomalies={len(found)} seconds={took:.1f}")
    print("\n" + summary)

    assert errors == [], f"{summary}\nerrors: {errors}"
    assert len(wins) + conflicts + busy == processes * attempts, f"{summary}\nan attempt went unaccounted for"
    assert sorted(wins) == sorted(logged), (
        f"{summary}\na winner's decision is missing from the log, or one is there twice: "
        f"lost {sorted(set(wins) - set(logged))}, not won {sorted(set(logged) - set(wins))}")
    assert found == [], f"{summary}\nanomalies: {found}"
    assert firsts == ["conflict"] * (processes - 1) + ["win"], (
        f"{summary}\nclerks deciding on the same version: exactly one must win, the others must be told")
    assert busy == 0, f"{summary}\na 10 s busy timeout was exceeded by decisions of a few milliseconds"
    by_case = Counter(w.split("/")[0] for w in wins)
    for case_id in cases:
        c = wf.case(case_id)
        postponed = [e for e in wf.history(case_id) if e.kind == "decision" and e.trigger == "postpone"]
        assert len(postponed) == by_case[case_id], f"{summary}\ncase {case_id}: {len(postponed)} postponements logged"
        assert c.state == "pre_study", f"{summary}\ncase {case_id} is in {c.state}"


def test_sqlite_busy_waits_then_gives_a_clear_error(sqlite_url: str, clock: Any) -> None:
    """A writer holding the database: a short wait ends in StorageError, a long one in success once it lets go.

    The holder lets go on an event, not after a delay: when the waiting clerk's write transaction
    (``BEGIN IMMEDIATE``) is on its way to SQLite, and not before.
    """
    with Workflow(sqlite_url, clock=clock) as wf:
        case = pre_study(wf)
    path = sqlite_url.removeprefix("sqlite:///")
    before = dump(sqlite_url)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    writing = threading.Event()
    outcome: list[Any] = []

    def on_write(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            writing.set()

    def clerk() -> None:
        try:
            outcome.append(Cli(sqlite_url)("case", "note", case.id, "after waiting"))
        except BaseException as e:  # reported by the test below, not lost in the thread
            outcome.append(e)

    waiter = threading.Thread(target=clerk)
    try:
        with Workflow(sqlite_url, clock=clock, timeout=0.3) as impatient:
            t0 = time.monotonic()
            with pytest.raises(StorageError, match="busy"):
                impatient.add_note(case.id, "blocked", actor="clerk")
            assert time.monotonic() - t0 >= 0.25, "gave up before its own timeout"
        assert dump(sqlite_url) == before

        sa.event.listen(sa.Engine, "before_cursor_execute", on_write)
        waiter.start()
        assert writing.wait(timeout=60), f"the clerk never began to write: {outcome}"
        assert outcome == [], f"the clerk finished while the database was held: {outcome}"
        blocker.rollback()
        waiter.join(timeout=60)
        assert not waiter.is_alive(), "the clerk still waits after the database was let go"
        result = outcome[0]
        assert not isinstance(result, BaseException), repr(result)
        assert "noted" in result.output
    finally:
        if sa.event.contains(sa.Engine, "before_cursor_execute", on_write):
            sa.event.remove(sa.Engine, "before_cursor_execute", on_write)
        if blocker.in_transaction:
            blocker.rollback()
        if waiter.is_alive():
            waiter.join(timeout=60)
        blocker.close()
    assert anomalies(sqlite_url) == []


def test_same_request_sent_by_several_processes_at_once(db_url: str, wf: Any) -> None:
    case = pre_study(wf)
    figures: Counter[str] = Counter()
    for round_ in range(2):
        rid = f"retry-{round_}"
        procs = [worker("request", db_url, case.id, rid) for _ in range(3)]
        start_together(procs)
        answers = [finish(p) for p in procs]
        assert not [a for a in answers if "error" in a], answers
        recorded = [a for a in answers if "hash" in a]
        figures.update(first=sum(not a["replayed"] for a in recorded),
                       replayed=sum(a["replayed"] for a in recorded),
                       conflict=sum("conflict" in a for a in answers))
        assert sum(not a["replayed"] for a in recorded) <= 1
        assert len({a["hash"] for a in recorded}) <= 1, "two different recordings answered for one request"
        logged = [e for e in wf.history(case.id) if e.request_id == rid]
        assert len(logged) == 1
        assert all(a["hash"] == logged[0].hash for a in recorded)
        for a in answers:
            if "conflict" in a:
                assert "changed by someone else" in a["conflict"]
    print(f"\nSAME REQUEST {db_url.split(':')[0]}: {dict(figures)}")
    assert anomalies(db_url) == []
