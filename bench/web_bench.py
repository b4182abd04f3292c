"""The web app under load: the case page and recording decisions over HTTP, by 1 and by 50 clients at once.

    .venv/bin/python bench/web_bench.py                       # 100,000 generated cases on SQLite
    .venv/bin/python bench/web_bench.py --cases 10000 --seconds 5
    .venv/bin/python bench/web_bench.py --pg-url postgresql+psycopg://user@localhost/wfbench   # also PostgreSQL

A register of ``--cases`` generated cases (:func:`gen.fill_sqlite`, or ``fill_postgres``
for ``--pg-url``, whose database must be empty) is served by ``wf serve`` in its own
process, on a loopback port; the clients are threads of this process, each with its own
HTTP connection, sending for ``--seconds`` each:

* **case page**: ``GET /cases/<id>`` (the HTML page: case, history, possible steps) of a
  random case;
* **case API**: ``GET /api/cases/<id>`` (the same as JSON, with its ETag);
* **decision**: ``POST /api/cases/<id>/decisions`` -- a postponement with a due date,
  ``If-Match`` the version read and an ``Idempotency-Key`` -- each on a case no other
  request touches, so every one records (one write transaction each, fsync'd).

It prints requests per second and the 50th and 99th percentile latency of each.  The
clients share the machine with the server (2 cores here), so the figures are a floor.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gen import case_id, fill_postgres, fill_sqlite  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    env = {**os.environ, "WF_DATABASE_URL": database, "XDG_DATA_HOME": str(folder / "data")}
    code = "import sys; from workflow_cli.serve import serve; sys.exit(serve())"
    server = subprocess.Popen([sys.executable, "-c", code, "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("wf serve did not start")
        time.sleep(0.1)


class Run:
    """Latencies and failures of one scenario."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""
        self.lock = threading.Lock()


def drive(base: str, token: str, clients: int, seconds: float, request: Any) -> tuple[Run, float]:
    """``clients`` threads calling ``request(client, n)`` until ``seconds`` have passed."""
    import httpx

    run = Run()
    counter = itertools.count()
    start = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def worker() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            client.get("/api/me")  # connect before the clock starts
            start.wait()
            mine: list[float] = []
            errors = 0
            first = ""
            while time.perf_counter() < stop_at[0]:
                n = next(counter)
                t0 = time.perf_counter()
                ok, detail = request(client, n)
                mine.append(time.perf_counter() - t0)
                if not ok:
                    errors += 1
                    first = first or detail
            with run.lock:
                run.latencies += mine
                run.errors += errors
                run.first_error = run.first_error or first

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    begin = time.perf_counter()
    stop_at.append(begin + seconds)
    start.wait()
    for th in threads:
        th.join()
    return run, time.perf_counter() - begin


def figures(name: str, clients: int, run: Run, elapsed: float) -> str:
    lat = sorted(run.latencies)
    if not lat:
        return f"| {name} | {clients} | 0 | - | - | - | {run.errors} |"
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    return (f"| {name} | {clients} | {len(lat)} | {len(lat) / elapsed:,.0f} | {p50:.1f} | {p99:.1f} | "
            f"{run.errors} |")


def bench(database: str, n: int, seconds: float, client_counts: list[int], folder: Path, label: str) -> list[str]:
    from workflow.web.facade import WebWorkflow

    owner = WebWorkflow(database)
    token = owner.issue_token("bench")
    owner.close()
    server, base = start_server(database, folder)
    rows: list[str] = []
    fresh = itertools.count(1)  # cases not yet decided on, so each decision records
    rng = random.Random(7)
    try:
        def page(client: Any, _n: int) -> tuple[bool, str]:
            r = client.get(f"/cases/{case_id(rng.randrange(n))}")
            return r.status_code == 200, f"{r.status_code} {r.text[:200]}"

        def api_case(client: Any, _n: int) -> tuple[bool, str]:
            r = client.get(f"/api/cases/{case_id(rng.randrange(n))}")
            return r.status_code == 200, f"{r.status_code} {r.text[:200]}"

        def decide(client: Any, _n: int) -> tuple[bool, str]:
            i = next(fresh)
            cid = case_id(n - i)  # from the newest backwards
            version = client.get(f"/api/cases/{cid}/triggers").headers.get("etag", "")
            r = client.post(f"/api/cases/{cid}/decisions", headers={"If-Match": version,
                                                                     "Idempotency-Key": f"bench-{os.getpid()}-{i}"},
                            json={"trigger": "postpone", "decision": f"HSN 2025-06-10 § {i % 99999 + 1}",
                                  "due": "report_back=2026-09"})
            return r.status_code == 201, f"{r.status_code} {r.text[:200]}"

        for name, request in (("case page (HTML)", page), ("case (API JSON)", api_case),
                              ("decision (read ETag + POST)", decide)):
            for clients in client_counts:
                drive(base, token, clients, min(1.0, seconds), request)  # warm up
                run, elapsed = drive(base, token, clients, seconds, request)
                rows.append(figures(f"{label}: {name}", clients, run, elapsed))
                print(rows[-1], flush=True)
                if run.first_error:
                    print(f"    first error: {run.first_error}", flush=True)
    finally:
        server.terminate()
        server.wait(20)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each scenario runs")
    parser.add_argument("--clients", default="1,50", help="client counts, comma-separated")
    parser.add_argument("--pg-url", help="also bench PostgreSQL on this (empty) database")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the SQLite database here")
    args = parser.parse_args()
    counts = [int(x) for x in args.clients.split(",")]
    header = ["| scenario | clients | requests | requests/s | p50 ms | p99 ms | errors |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.keep or folder / "web-bench.sqlite3"
        if not path.exists():
            t0 = time.perf_counter()
            fill_sqlite(path, args.cases)
            print(f"generated {args.cases:,} cases in {time.perf_counter() - t0:.1f} s: {path}", flush=True)
        print("\n".join(header), flush=True)
        rows = bench(f"sqlite:///{path}", args.cases, args.seconds, counts, folder, "SQLite")
        if args.pg_url:
            fill_postgres(args.pg_url, args.cases)
            rows += bench(args.pg_url, args.cases, args.seconds, counts, folder, "PostgreSQL")
    print("\n" + "\n".join([*header, *rows]))


if __name__ == "__main__":
    main()
