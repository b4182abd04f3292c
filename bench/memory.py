"""The yardstick of the streaming figures: what ``wf`` holds before it reads a case.

    .venv/bin/python bench/memory.py URL

The interpreter with the library and the CLI imported and the database opened (one case read), run alone
so that ``/usr/bin/time -v`` gives its peak memory (the maximum resident set size).  The
bench (``bench/run.py``, section ``streaming``) runs the commands themselves -- ``wf export``,
``wf import``, ``wf case list``, ``wf case history`` -- beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    (url,) = sys.argv[1:]
    import workflow_cli.main  # noqa: F401 -- the CLI, as wf imports it

    from workflow import Workflow

    with Workflow(url) as wf:
        next(wf.iter_cases(limit=1), None)  # the database opened and read


if __name__ == "__main__":
    main()
