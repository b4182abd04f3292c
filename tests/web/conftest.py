"""Fixtures of the web tests: the demo register served on a loopback port, and clients logged in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.live import Served, demo_database, fill_demo, logged_in, serve


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-template")


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path: Path, demo_cache: Path) -> Iterator[str]:
    """The demo register with its accounts: a SQLite file, or a new database on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield demo_database(tmp_path, demo_cache)
        return
    from tests.conftest import PG_SKIP, PG_URL, _pg_database

    if not PG_URL:
        pytest.skip(PG_SKIP)
    databases = _pg_database()
    url = next(databases)
    fill_demo(url)
    yield url
    databases.close()


@pytest.fixture
def site(demo_url: str) -> Iterator[Served]:
    with serve(demo_url) as served:
        yield served


@pytest.fixture
def anna(site: Served) -> Iterator[Any]:
    client = logged_in(site.url, "anna")
    yield client
    client.close()


@pytest.fixture
def login(site: Served) -> Iterator[Any]:
    """``login(name)``: a client with that account's session, closed after the test."""
    clients: list[Any] = []

    def make(name: str) -> Any:
        client = logged_in(site.url, name)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
