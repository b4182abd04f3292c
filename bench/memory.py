"""One streaming operation of the library, run alone so that ``/usr/bin/time -v`` can give its peak memory.

    .venv/bin/python bench/memory.py export URL OUT        write_export to a file
    .venv/bin/python bench/memory.py import URL FILE       import_cases from a file
    .venv/bin/python bench/memory.py list URL OUT          every case, a line each (as wf case list prints)
    .venv/bin/python bench/memory.py history URL KEY OUT   every entry of one case, a line each
    .venv/bin/python bench/memory.py baseline URL          the interpreter with the library imported

Each is what the CLI calls for the command (see the report of the issue for the lines): the
figure is the process's maximum resident set size.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    what, url, *rest = sys.argv[1:]
    from workflow import Workflow

    with Workflow(url) as wf:
        if what == "baseline":
            wf.case  # noqa: B018 -- the library imported, the database opened
            _ = wf._db
        elif what == "export":
            from workflow.exchange.cases import write_export

            with open(rest[0], "wb") as out:
                report = write_export(wf, out)
            print(f"{report.cases} cases, {report.entries} entries")
        elif what == "import":
            from workflow.exchange.cases import import_cases

            done = import_cases(wf, Path(rest[0]), source=rest[0])
            print(f"{done.cases} cases, {done.entries} entries")
        elif what == "list":
            n = 0
            with open(rest[0], "w", encoding="utf-8") as out:
                for case in wf.iter_cases():
                    out.write(f"{case.label}\t{case.definition_id}\t{case.state}\t{case.title}\n")
                    n += 1
            print(f"{n} cases")
        elif what == "history":
            n = 0
            with open(rest[1], "w", encoding="utf-8") as out:
                for e in wf.iter_history(rest[0]):
                    out.write(f"{e.seq}\t{e.recorded_at}\t{e.kind}\t{e.trigger or ''}\t{e.reference or ''}\n")
                    n += 1
            print(f"{n} entries")
        else:
            raise SystemExit(f"unknown operation {what!r}")


if __name__ == "__main__":
    main()
