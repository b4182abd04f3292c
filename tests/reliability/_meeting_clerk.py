"""A clerk deciding agenda items of one meeting in its own process (run as a script by the tests).

    python _meeting_clerk.py URL BODY DATE ITEM,ITEM,...

Says ``{"ready": true}``, waits for ``go`` on stdin, then decides each item in
the order given and prints one JSON line: the items it decided with their
paragraphs, the ones another clerk had decided first, and anything unexpected.
"""

from __future__ import annotations

import json
import sys

from workflow import Workflow
from workflow.core.errors import DecisionRefused, WorkflowError


def main(url: str, body: str, date: str, items: str) -> None:
    decided: list[list[object]] = []
    taken: list[str] = []
    errors: list[str] = []
    with Workflow(url, timeout=30) as wf:
        wf.meeting(body, date)  # open the store before the start line
        print(json.dumps({"ready": True}), flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("no start signal")
        for item in items.split(","):
            try:
                done = wf.decide_item(body, date, item)
                assert done.decided is not None
                decided.append([item, done.decided["paragraph"]])
            except DecisionRefused as e:
                if "decided already" in str(e):
                    taken.append(item)
                else:
                    errors.append(f"{type(e).__name__}: {e}")
            except WorkflowError as e:
                errors.append(f"{type(e).__name__}: {e}")
    print(json.dumps({"decided": decided, "taken": taken, "errors": errors}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
