"""Several clerks deciding the items of one meeting at the same moment, in separate processes.

Every clerk tries every item, each in its own order, released at once. The
oracle: each item is decided exactly once, the paragraphs are 1..N with none
given twice, each case holds exactly one decision under its meeting's
reference, and the register verifies.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Clock
from workflow import Workflow
from workflow.core.decisions import Proposal

CLERK = Path(__file__).with_name("_meeting_clerk.py")
ITEMS = 12
CLERKS = 3
MEETING = ("HSN", "2026-10-07")


@pytest.mark.slow
def test_concurrent_clerks_never_share_a_paragraph(db_url: str) -> None:
    with Workflow(db_url, clock=Clock(dt.datetime(2026, 10, 8, 8, tzinfo=dt.UTC))) as wf:
        ids = []
        for n in range(ITEMS):
            case = wf.open_case("utredning", title=f"Samtidighetstest {n}", numbers=[f"SAMT {n}-2026"],
                                effective="2026-08")
            wf.propose(case.id, Proposal.from_mapping({
                "by": "HSN-AU", "to": "HSN", "meeting": MEETING[1],
                "points": [{"trigger": "accept_report", "text": f"att godkänna redovisningen {n}"}]}))
            ids.append(case.id)
        items = [i.id for i in wf.plan_meeting(*MEETING).agenda]
    assert len(items) == ITEMS
    clerks = []
    for c in range(CLERKS):
        order = items[:]
        random.Random(c).shuffle(order)
        clerks.append(subprocess.Popen(
            [sys.executable, str(CLERK), db_url, *MEETING, ",".join(order)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in clerks:
        assert p.stdout is not None and json.loads(p.stdout.readline()) == {"ready": True}
    for p in clerks:  # every clerk released at once
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results: list[dict[str, Any]] = []
    for p in clerks:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["errors"] for r in results] == [[]] * CLERKS
    decided = [tuple(d) for r in results for d in r["decided"]]
    assert sorted(item for item, _ in decided) == sorted(items)  # each item once
    assert sorted(par for _, par in decided) == list(range(1, ITEMS + 1))  # no § twice, none skipped
    with Workflow(db_url) as wf:
        m = wf.meeting(*MEETING)
        assert sorted(i.decided["paragraph"] for i in m.paragraphs) == list(range(1, ITEMS + 1))
        for case_id in ids:
            refs = [e.reference for e in wf.history(case_id) if e.kind == "decision"]
            assert len(refs) == 1 and refs[0].startswith("HSN 2026-10-07 § ")
        assert wf.verify().ok
