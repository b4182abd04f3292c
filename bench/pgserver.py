"""A throwaway PostgreSQL server with durable commits (fsync on), for the bench only.

The test server of ``scripts/pg.sh`` runs with ``fsync=off``; a figure of
commits per second from it would say nothing about a real installation.  This
one is initialised the same way (as the unprivileged user ``wfpg`` when run as
root, data under /tmp) on its own port, with ``fsync=on`` and
``synchronous_commit=on``, and is removed on exit.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

BINDIR = Path(os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin"))
USER = os.environ.get("WF_PG_USER", "wfpg")


class DurablePg:
    """``with DurablePg(port) as url:`` -- a running server, or ``url`` is None and ``reason`` says why."""

    def __init__(self, port: int = 54331) -> None:
        self.port = port
        self.base: Path | None = None
        self.url: str | None = None
        self.reason = ""

    def _as_owner(self, cmd: str) -> subprocess.CompletedProcess[str]:
        argv = ["su", "-s", "/bin/sh", USER, "-c", cmd] if os.geteuid() == 0 else ["sh", "-c", cmd]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120)

    def __enter__(self) -> str | None:
        if not (BINDIR / "pg_ctl").exists():
            self.reason = f"no PostgreSQL server in {BINDIR}"
            return None
        self.base = Path(tempfile.mkdtemp(prefix=f"wf-bench-pg-{self.port}-"))
        if os.geteuid() == 0:
            try:
                shutil.chown(self.base, USER)
            except (LookupError, OSError) as e:
                self.reason = f"cannot hand {self.base} to user {USER}: {e}"
                return None
        data, log = self.base / "data", self.base / "server.log"
        q = shlex.quote
        r = self._as_owner(f"{q(str(BINDIR / 'initdb'))} -D {q(str(data))} -U postgres --auth=trust "
                           "--encoding=UTF8 --locale=C.UTF-8")
        if r.returncode != 0:
            self.reason = f"initdb failed: {(r.stderr or r.stdout).strip()[-300:]}"
            return None
        opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=on "
                "-c synchronous_commit=on -c full_page_writes=on -c max_wal_size=4GB -c shared_buffers=512MB")
        r = self._as_owner(f"{q(str(BINDIR / 'pg_ctl'))} -D {q(str(data))} -l {q(str(log))} -w -t 60 "
                           f"-o {q(opts)} start")
        if r.returncode != 0:
            tail = log.read_text(errors="replace")[-300:] if log.exists() else r.stderr
            self.reason = f"the server did not start: {tail.strip()}"
            return None
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        return self.url

    def __exit__(self, *_exc: object) -> None:
        if self.base is None:
            return
        data = self.base / "data"
        if (data / "postmaster.pid").exists():
            self._as_owner(f"{shlex.quote(str(BINDIR / 'pg_ctl'))} -D {shlex.quote(str(data))} -m fast -w stop")
        shutil.rmtree(self.base, ignore_errors=True)
