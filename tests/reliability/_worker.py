"""A clerk in its own process, for the stress, crash and retry tests (run as a script, not imported by pytest).

    python _worker.py stress URL CASES WORKER ATTEMPTS GO_FILE TIMEOUT
    python _worker.py crash URL CASE
    python _worker.py request URL CASE REQUEST_ID GO_FILE

Each prints JSON lines on stdout; anything unexpected is reported as data, not
a traceback, so the parent can count it as an anomaly.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

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


def wait_for(go: str) -> None:
    """Say we are ready, then wait for the parent's start signal (a file appearing), so all clerks start at once."""
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + 120
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            raise SystemExit("no start signal")
        time.sleep(0.001)


def stress(url: str, cases: str, worker: str, attempts: str, go: str, timeout: str) -> None:
    keys = cases.split(",")
    rng = random.Random(int(worker))
    wins: list[str] = []
    conflicts = busy = 0
    errors: list[str] = []
    with Workflow(url, timeout=float(timeout)) as wf:
        wf.case(keys[0])  # open the store before the start line
        wait_for(go)
        for i in range(int(attempts)):
            key = rng.choice(keys)
            rid = f"w{worker}-{i}"
            try:
                seen = wf.case(key).version  # the clerk reads the case, then decides
                wf.advance(key, postpone(int(worker) * 1000 + i, request_id=rid, actor=f"clerk{worker}"),
                           expected_version=seen)
                wins.append(f"{key}/{rid}")
            except ConcurrentUpdate:
                conflicts += 1
            except StorageError as e:
                if "busy" in str(e):
                    busy += 1
                else:
                    errors.append(f"StorageError: {e}")
            except Exception as e:  # an anomaly: reported, counted, never hidden
                errors.append(f"{type(e).__name__}: {e}")
    print(json.dumps({"wins": wins, "conflicts": conflicts, "busy": busy, "errors": errors}), flush=True)


def crash(url: str, key: str) -> None:
    """Record decisions until killed; after each commit, say so (the parent counts them)."""
    with Workflow(url) as wf:
        n = wf.case(key).version
        print(json.dumps({"ready": n}), flush=True)
        while True:
            n += 1
            rec = wf.advance(key, postpone(n, request_id=f"crash-{n}"))
            print(json.dumps({"done": rec.entries[0].request_id, "version": rec.case.version}), flush=True)


def request(url: str, key: str, request_id: str, go: str) -> None:
    with Workflow(url) as wf:
        wf.case(key)
        wait_for(go)
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
