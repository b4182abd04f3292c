"""SIGKILL while decisions are being recorded: each decision is wholly there or not at all.

The moment of each kill is chosen by events, not by a clock. The worker names every statement
before it sends it and waits for a go-ahead (see ``_worker.crash``). For each kill a seeded RNG
picks after how many reported decisions, at which point of the next one (a statement of its write
transaction, the commit, or just after the commit), and whether the worker is killed while it
waits there or just after it was let run into it (a kill inside the statement or the commit).
Because the points are known, so is the outcome: a decision killed before its commit is absent,
one killed after it is there unacknowledged, one killed inside the commit may be either.
"""

from __future__ import annotations

import json
import random
import signal
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from tests.reliability.helpers import anomalies, pre_study, worker

POINTS = ("SELECT", "UPDATE", "INSERT", "DELETE", "COMMIT", "DONE")  # steps of the write, see _worker.crash
HOW = ("waiting", "running")
ROUNDS = 2  # every point, both ways, this many times


def settle(url: str, case_id: str) -> None:
    """Wait, as the next writer would, until the killed worker's transaction is over.

    PostgreSQL ends a dead client's transaction when it notices the closed connection, in its own
    time; a row lock on the case waits for exactly that. On SQLite the lock went with the process.
    """
    from workflow.store.tables import cases

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.select(cases.c.id).where(cases.c.id == case_id).with_for_update())
    finally:
        engine.dispose()


def unacknowledged_allowed(how: str, point: str) -> set[int]:
    """How many committed but unacknowledged decisions a kill at this point may leave: the oracle."""
    if point == "DONE":
        return {1} if how == "waiting" else {0, 1}  # committed; the answer may have got out
    if point == "COMMIT" and how == "running":
        return {0, 1}  # killed inside the commit
    return {0}  # killed before the commit was sent


@pytest.mark.slow
def test_kill_during_a_long_series_of_decisions(db_url: str, wf: Any) -> None:
    case = pre_study(wf)
    rng = random.Random(20260323)
    plan = [(rng.randint(0, 8), target, how) for target in POINTS for how in HOW for _ in range(ROUNDS)]
    rng.shuffle(plan)
    acknowledged: list[str] = []
    in_flight_found = inconsistencies = 0
    kill_points: Counter[str] = Counter()
    for kill, (after, target, how) in enumerate(plan):
        proc = worker("crash", db_url, case.id)
        assert proc.stdin is not None and proc.stdout is not None
        ready = proc.stdout.readline()
        reported: list[str] = []
        point = ""
        while ready and not point:
            line = proc.stdout.readline()
            if not line:
                break  # the worker died on its own: reported below
            message = json.loads(line)
            if "done" in message:
                reported.append(message["done"])
                continue
            if len(reported) >= after and message["step"] in (target, "DONE"):  # DONE: the target never came
                point = message["step"]
                if how == "waiting":
                    break
            proc.stdin.write("on\n")
            proc.stdin.flush()
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert json.loads(ready or "{}").get("ready") is not None, f"kill {kill}: worker did not start: {ready!r} {err}"
        assert point, f"kill {kill}: worker stopped after {len(reported)} decisions, before the kill: {err}"
        assert proc.returncode == -signal.SIGKILL, f"kill {kill}: worker exited {proc.returncode}: {err}"
        where = f"{how} at {point}" + ("" if point == target else f" (no {target})")
        kill_points[where] += 1
        acknowledged += reported + [json.loads(line)["done"] for line in out.splitlines() if '"done"' in line]

        settle(db_url, case.id)
        problems = anomalies(db_url)
        entries = wf.history(case.id)
        logged = [e.request_id for e in entries if e.kind == "decision" and e.request_id]
        crash_ids = [r for r in logged if r.startswith("crash-")]
        # every acknowledged decision is there, once; the one in flight is there only if it was committed
        missing = [r for r in acknowledged if r not in crash_ids]
        extra = [r for r in crash_ids if r not in acknowledged]
        if missing or len(extra) not in unacknowledged_allowed(how, point) or len(crash_ids) != len(set(crash_ids)):
            problems.append(f"after kill {kill} ({where}): missing {missing}, unacknowledged {extra}")
        if extra:
            in_flight_found += 1
            acknowledged += extra  # committed just before the kill, the answer never printed
        current = wf.case(case.id)  # state and version against the log: anomalies() replays it
        if current.head_seq != entries[-1].seq:
            problems.append(f"after kill {kill}: case head {current.head_seq} != last entry {entries[-1].seq}")
        inconsistencies += len(problems)
        assert problems == [], problems
    summary = (f"CRASH {db_url.split(':')[0]}: kills={len(plan)} decisions_acknowledged={len(acknowledged)} "
               f"committed_but_unacknowledged={in_flight_found} inconsistencies={inconsistencies} "
               f"kill_points={dict(sorted(kill_points.items()))}")
    print("\n" + summary)
    assert len(acknowledged) >= sum(after for after, _, _ in plan), summary
    hit = {where.split(" (")[0] for where in kill_points}
    assert hit == {f"{how} at {point}" for point in POINTS for how in HOW}, (
        f"{summary}\nsome points of a decision were never hit: the worker's statements changed")
