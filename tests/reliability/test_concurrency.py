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

from tests.conftest import Cli, dump
from tests.reliability.helpers import anomalies, finish, pre_study, start_together, worker
from workflow import StorageError, Workflow

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
def test_stress_many_processes_few_cases(db_url: str, wf: Any, tmp_path: Path) -> None:
    processes, attempts, timeout = 5, 80, 10.0
    cases = [pre_study(wf, f"Ärende {i}").id for i in range(3)]
    go = tmp_path / "go"
    procs = [worker("stress", db_url, ",".join(cases), str(w), str(attempts), str(go), str(timeout))
             for w in range(processes)]
    start_together(procs, go)
    t0 = time.monotonic()
    results = [finish(p, timeout=300) for p in procs]
    took = time.monotonic() - t0

    wins = [w for r in results for w in r["wins"]]
    conflicts = sum(r["conflicts"] for r in results)
    busy = sum(r["busy"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    logged: list[str] = []
    for case, entries, _due in wf.store.iter_logs(cases):
        logged += [f"{case.id}/{e.request_id}" for e in entries if e.kind == "decision" and e.request_id]
    found = anomalies(db_url)
    dialect = db_url.split(":")[0].split("+")[0]
    print(f"\nSTRESS {dialect}: processes={processes} cases={len(cases)} attempts={processes * attempts} "
          f"winners={len(wins)} conflicts={conflicts} busy_timeouts={busy} other_errors={len(errors)} "
          f"decisions_in_log={len(logged)} duplicates={len(logged) - len(set(logged))} "
          f"lost={len(set(wins) - set(logged))} phantom={len(set(logged) - set(wins))} "
          f"anomalies={len(found)} seconds={took:.1f}")

    assert errors == []
    assert len(wins) + conflicts + busy == processes * attempts
    assert sorted(wins) == sorted(logged), "a winner's decision is missing from the log, or one is there twice"
    assert found == []
    assert conflicts > 0, "the clerks never collided: the test did not test concurrency"
    assert busy == 0, "a 10 s busy timeout was exceeded by decisions of a few milliseconds"
    by_case = Counter(w.split("/")[0] for w in wins)
    for case_id in cases:
        c = wf.case(case_id)
        assert len([e for e in wf.history(case_id) if e.kind == "decision" and e.trigger == "postpone"]) == by_case[case_id]
        assert c.state == "pre_study"


def test_sqlite_busy_waits_then_gives_a_clear_error(sqlite_url: str, clock: Any) -> None:
    """A writer holding the database: a short wait ends in StorageError, a long one in success."""
    with Workflow(sqlite_url, clock=clock) as wf:
        case = pre_study(wf)
    path = sqlite_url.removeprefix("sqlite:///")
    before = dump(sqlite_url)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with Workflow(sqlite_url, clock=clock, timeout=0.3) as impatient:
            t0 = time.monotonic()
            with pytest.raises(StorageError, match="busy"):
                impatient.add_note(case.id, "blocked", actor="clerk")
            assert time.monotonic() - t0 >= 0.25
        assert dump(sqlite_url) == before
        threading.Timer(1.0, blocker.rollback).start()
        result = Cli(sqlite_url)("case", "note", case.id, "after waiting")
        assert "noted" in result.output
    finally:
        time.sleep(1.1)
        blocker.close()
    assert anomalies(sqlite_url) == []


def test_same_request_sent_by_several_processes_at_once(db_url: str, wf: Any, tmp_path: Path) -> None:
    case = pre_study(wf)
    figures: Counter[str] = Counter()
    for round_ in range(2):
        rid = f"retry-{round_}"
        go = tmp_path / f"go{round_}"
        procs = [worker("request", db_url, case.id, rid, str(go)) for _ in range(3)]
        start_together(procs, go)
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
