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

    case = wf.open_case("systemledning", title=title, numbers=list(numbers), actor="registrar")
    for ref in ("HSN 2023-05-01 § 1", "KS 2023-05-02 § 2"):
        wf.advance(case.id, Decision(
            trigger="commission_pre_study", reference=DecisionRef.parse(ref), actor="registrar",
            due=(DueSpec.parse("report_back=2023-12"),),
        ))
    case = wf.case(case.id)
    assert case.state == "pre_study"
    return case


def worker(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": ROOT, **(env or {})}, cwd=ROOT,
    )


def start_together(procs: list[subprocess.Popen[str]], go: Path) -> None:
    """Wait until every worker is ready (imported, store open), then let them all go at once."""
    for p in procs:
        line = p.stdout.readline() if p.stdout else ""
        assert json.loads(line or "{}").get("ready"), f"worker did not start: {line!r} {p.stderr.read() if p.stderr else ''}"
    go.touch()


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
