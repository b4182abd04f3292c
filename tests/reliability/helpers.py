"""Helpers for the reliability tests: a case in pre-study, clerks in other processes, a consistency check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

WORKER = str(Path(__file__).with_name("_worker.py"))
ROOT = str(Path(__file__).resolve().parents[2])


def pre_study(wf: Any, title: str = "Gemensam systemledning", numbers: tuple[str, ...] = ()) -> Any:
    """A systemledning case both parties have sent to pre-study, so ``postpone`` can be decided for ever."""
    from workflow import Decision, DecisionRef, DueSpec

    case = wf.open_case("systemledning", effective="2021", title=title, numbers=list(numbers), actor="registrar")
    for ref in ("HSN 2023-05-01 § 1", "KS 2023-05-02 § 2"):
        wf.advance(case.id, Decision(
            trigger="commission_pre_study", reference=DecisionRef.parse(ref), actor="registrar",
            due=(DueSpec.parse("report_back=2023-12"),),
        ))
    case = wf.case(case.id)
    assert case.state == "pre_study"
    return case


def worker(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A clerk process (``_worker.py``): its stdout is where it reports, its stdin where it is told to start."""
    return subprocess.Popen(
        [sys.executable, WORKER, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": ROOT, **(env or {})}, cwd=ROOT,
    )


def start_together(procs: list[subprocess.Popen[str]]) -> None:
    """A barrier: wait until every worker has said it is ready (imported, store open), then release them all.

    Each worker blocks reading its stdin; the ``go`` lines are written one after the other with
    nothing in between, so no worker starts before every other one is ready.
    """
    for p in procs:
        assert p.stdout is not None and p.stderr is not None
        line = p.stdout.readline()
        if not json.loads(line or "{}").get("ready"):
            for q in procs:
                q.kill()
            errors = [q.communicate()[1] for q in procs]
            raise AssertionError(f"worker did not start: {line!r} {errors[procs.index(p)]}")
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker failed ({proc.returncode}): {err}"
    assert "Traceback" not in err, err
    return json.loads(out.strip().splitlines()[-1])


def anomalies(url: str) -> list[str]:
    """Everything inconsistent in the database: chains, replay against stored state, the due-date index."""
    from workflow import Workflow

    # Verification replays every log and compares the case rows, diary numbers and the
    # due-date index with what the log gives (one builder, workflow.core.derive).
    with Workflow(url) as wf:
        found = [str(p) for p in wf.verify().problems]
    return found
