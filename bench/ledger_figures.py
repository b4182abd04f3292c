"""Figures for the ledger: digest size, digest and consistency-proof time, verification per entry.

    .venv/bin/python bench/ledger_figures.py --cases 200000

Generates the cases (5 entries each) into a fresh SQLite file with the bench
generator, then, in this process: takes a digest of the first half (as if
posted at an earlier meeting, by adding the second half after it), takes a
digest of the whole ledger, checks the ledger against the earlier digest (the
consistency proof), and runs the full verification.  CPU and wall time of
each, in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gen import ENTRIES_PER_CASE, Generator, fill_sqlite  # noqa: E402
from workflow import Workflow  # noqa: E402


def timed(what: str, fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{what:<48} wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    return out, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    args = parser.parse_args()
    half = args.cases // 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.sqlite3"
        gen = Generator()
        timed(f"generate {half:,} cases", lambda: fill_sqlite(path, half, gen))
        with Workflow(f"sqlite:///{path}") as wf:
            old, _, _ = timed(f"digest at {half * ENTRIES_PER_CASE:,} entries", wf.digest)
        _append(path, gen, half, args.cases - half)
        with Workflow(f"sqlite:///{path}") as wf:
            new, _, _ = timed(f"digest at {args.cases * ENTRIES_PER_CASE:,} entries", wf.digest)
            print(f"digest line: {len(new.line)} characters: {new.line}")
            report, wall, cpu = timed("verify --digest (consistency proof + all checks)",
                                      lambda: wf.verify(digest=old))
            assert report.ok and report.consistency is not None, report.problems[:3]
            print(f"consistency proof: {len(report.consistency.proof)} nodes")
            print(f"verify per entry: {cpu / report.entries * 1e6:.1f} µs CPU, {wall / report.entries * 1e6:.1f} µs wall"
                  f" ({report.entries:,} entries)")
            from workflow import ledger

            read, _, _ = timed("read the ledger (leaves)", lambda: ledger.read(wf._db.ledger_rows()))
            timed("consistency proof alone", lambda: ledger.against(read, old))


def _append(path: Path, gen: Generator, start: int, n: int) -> None:
    """The second half, appended through the ledger trigger like the first."""
    import sqlite3

    from bench.gen import _INSERTS
    from workflow.store.repository import os_user

    db = sqlite3.connect(path, isolation_level=None)
    db.create_function("wf_login", 0, os_user)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    for chunk in gen.chunks(n, start=start):
        for table, rows in chunk.items():
            if rows:
                db.executemany(_INSERTS[table], [tuple(str(v) if hasattr(v, "isoformat") else v for v in r)
                                                 for r in rows] if table == "due" else rows)
    db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main()
