"""A clerk in its own process, for the stress, crash and retry tests (run as a script, not imported by pytest).

    python _worker.py stress URL CASES WORKER ATTEMPTS TIMEOUT
    python _worker.py crash URL CASE
    python _worker.py request URL CASE REQUEST_ID

Each prints JSON lines on stdout; anything unexpected is reported as data, not
a traceback, so the parent can count it as an anomaly. The parent steers them
through stdin, on events rather than after delays: ``stress`` and ``request`` say
``{"ready": true}`` once their store is open, then block until the parent writes
``go`` (every clerk is released at once); ``crash`` waits for ``on`` before each
statement it sends.
"""

from __future__ import annotations

import json
import random
import sys

from workflow import ConcurrentUpdate, Decision, DecisionRef, DueSpec, StorageError, Workflow


def postpone(n: int, *, request_id: str | None = None, actor: str = "clerk") -> Decision:
    """A postponement: a self-loop that moves the report-back, so decisions never run out."""
    return Decision(
        trigger="postpone",
        reference=DecisionRef.parse(f"HSN 2024-01-{1 + n % 28:02d} § {1 + n % 99999}"),
        actor=actor,
        due=(DueSpec.parse(f"report_back=20{30 + n % 60}-{1 + n % 12:02d}"),),
        request_id=request_id,
    )


def wait_for_start() -> None:
    """Say we are ready, then block on stdin until the parent's ``go`` (end of input: the parent is gone)."""
    print(json.dumps({"ready": True}), flush=True)
    line = sys.stdin.readline()
    if line.strip() != "go":
        raise SystemExit(f"no start signal: read {line!r}")


def stress(url: str, cases: str, worker: str, attempts: str, timeout: str) -> None:
    """Random clerks on a few cases; the first attempt is on a version every clerk read before the start line.

    That first round is a collision by construction: all clerks decide on the same version of the
    first case, so exactly one wins and the others are told, whatever the schedule.
    """
    keys = cases.split(",")
    rng = random.Random(int(worker))
    wins: list[str] = []
    first = ""
    conflicts = busy = 0
    errors: list[str] = []
    with Workflow(url, timeout=float(timeout)) as wf:
        key, seen = keys[0], wf.case(keys[0]).version  # read before the start line, by every clerk
        wait_for_start()
        for i in range(int(attempts)):
            rid = f"w{worker}-{i}"
            outcome = "win"
            try:
                if i > 0:
                    key = rng.choice(keys)
                    seen = wf.case(key).version  # the clerk reads the case, then decides
                wf.advance(key, postpone(int(worker) * 1000 + i, request_id=rid, actor=f"clerk{worker}"),
                           expected_version=seen)
                wins.append(f"{key}/{rid}")
            except ConcurrentUpdate:
                conflicts += 1
                outcome = "conflict"
            except StorageError as e:
                if "busy" in str(e):
                    busy += 1
                    outcome = "busy"
                else:
                    errors.append(f"StorageError: {e}")
                    outcome = "error"
            except Exception as e:  # an anomaly: reported, counted, never hidden
                errors.append(f"{type(e).__name__}: {e}")
                outcome = "error"
            if i == 0:
                first = outcome
    print(json.dumps({"first": first, "wins": wins, "conflicts": conflicts, "busy": busy, "errors": errors}),
          flush=True)


def crash(url: str, key: str) -> None:
    """Record decisions until killed, in step with the parent, which picks the moment of the kill.

    Before each statement and each commit the worker names it and waits for ``on`` on stdin:
    ``{"step": "UPDATE"}`` on the decision's write transaction, ``{"step": "read SELECT"}`` on any
    other, ``{"step": "DONE"}`` once the decision is committed. Then it reports the decision
    (``{"done": request id}``). The parent kills it either while it waits at a step or just after
    letting it run into that step.
    """
    import sqlalchemy as sa

    def step(conn: sa.Connection | None, name: str) -> None:
        if conn is not None and not conn.get_execution_options().get("wf_write"):
            name = f"read {name}"
        print(json.dumps({"step": name}), flush=True)
        line = sys.stdin.readline()
        if line.strip() != "on":
            raise SystemExit(f"no go-ahead: read {line!r}")

    with Workflow(url) as wf:
        n = wf.case(key).version
        print(json.dumps({"ready": n}), flush=True)
        # on every engine: this process has one, the Workflow's, which keeps it to itself
        sa.event.listen(sa.Engine, "before_cursor_execute",
                        lambda conn, _cursor, statement, *_: step(conn, statement.split()[0].upper()))
        sa.event.listen(sa.Engine, "commit", lambda conn: step(conn, "COMMIT"))
        while True:
            n += 1
            rec = wf.advance(key, postpone(n, request_id=f"crash-{n}"))
            step(None, "DONE")
            print(json.dumps({"done": rec.entries[0].request_id, "version": rec.case.version}), flush=True)


def request(url: str, key: str, request_id: str) -> None:
    with Workflow(url) as wf:
        wf.case(key)
        wait_for_start()
        try:
            rec = wf.advance(key, postpone(7, request_id=request_id))
            out = {"replayed": rec.replayed, "seqs": [e.seq for e in rec.entries], "hash": rec.entries[0].hash}
        except ConcurrentUpdate as e:
            out = {"conflict": str(e)}
        except Exception as e:
            out = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"stress": stress, "crash": crash, "request": request}[mode](*args)
