"""A demo register and the web app served on a free loopback port, for the web and browser tests."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PASSWORD = "lösenord-för-test-1"
_TEMPLATE: dict[str, Path] = {}


def demo_database(folder: Path, cache: Path) -> str:
    """A fresh copy of the demo register (the seeds' cases and the planned HSN meeting) in ``folder``."""
    if "demo" not in _TEMPLATE:
        path = cache / "demo.sqlite3"
        fill_demo(f"sqlite:///{path}")
        _TEMPLATE["demo"] = path
    target = folder / "wf.sqlite3"
    shutil.copy(_TEMPLATE["demo"], target)
    return f"sqlite:///{target}"


def fill_demo(url: str) -> None:
    """The seeds' cases, the planned HSN meeting and the accounts anna, bo and cecilia, into ``url``."""
    from workflow.demo import plan_demo_meeting, replay_demo
    from workflow.web.facade import WebWorkflow

    wf = WebWorkflow(url)
    list(replay_demo(wf))
    plan_demo_meeting(wf)
    for name in ("anna", "bo", "cecilia"):
        wf.add_account(name, PASSWORD)
    wf.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, url: str, app: Any, database: str) -> None:
        self.url = url
        self.app = app
        self.database = database

    @property
    def wf(self) -> Any:
        return self.app.state.web.wf


@contextmanager
def serve(database: str, **config: Any) -> Iterator[Served]:
    """The app on a free port of 127.0.0.1, in a thread, until the block ends."""
    import uvicorn

    from workflow.web.app import WebConfig, create_app

    app = create_app(WebConfig(database_url=database, secret=b"k" * 32, **config))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", app, database)
    finally:
        server.should_exit = True
        thread.join(10)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def logged_in(base: str, name: str = "anna", password: str = PASSWORD) -> Any:
    """An httpx client with a session of ``name``."""
    import httpx

    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    page = client.get("/login")
    done = client.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": password,
                                       "next": "/cases"})
    assert done.status_code == 303, done.text
    return client
