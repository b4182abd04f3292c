"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, a fixed clock, the CLI."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

PG_URL = os.environ.get("WF_TEST_PG_URL")
PG_SKIP = os.environ.get("WF_TEST_PG_UNAVAILABLE") or "WF_TEST_PG_URL is not set (run the suite with 'make test')"


class Clock:
    """A clock that starts at a fixed moment and moves one second per reading."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 3, 23, 9, 0, tzinfo=dt.UTC)) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def _pg_database() -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = "wf_test_" + uuid.uuid4().hex[:12]
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wf.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    yield from _pg_database()


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'wf.sqlite3'}"


@pytest.fixture(autouse=True)
def _language_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts in the default language, Swedish, whatever the machine's locale (no ``WF_LANG``
    or locale variable; a test that wants English or the locale's language sets it), and a language
    chosen by one test (``wf --lang en``, ``set_language``) does not carry over to the next."""
    from workflow.i18n import set_language

    for name in ("WF_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    set_language(None)
    yield
    set_language(None)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wf(db_url: str, clock: Clock) -> Iterator[Any]:
    from workflow import Workflow

    w = Workflow(db_url, clock=clock)
    yield w
    w.close()


class Cli:
    """Runs ``wf`` in-process against one database and checks no traceback escaped."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int | None = 0, env: dict[str, str] | None = None) -> Result:
        from workflow_cli.main import cli

        result = self.runner.invoke(cli, ["--db", self.db_url, *args], env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"wf {' '.join(args)} raised {result.exception!r}\n{result.output}") from result.exception
        assert "Traceback" not in result.output
        if code is not None:
            assert result.exit_code == code, f"wf {' '.join(args)} exited {result.exit_code}: {result.output}"
        return result


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)


def dump(url: str) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row of every table, for "nothing was written" checks."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(sa.inspect(conn).get_table_names())
            return [
                (n, sorted(tuple(map(str, r)) for r in conn.execute(sa.text(f'SELECT * FROM "{n}"'))))
                for n in names
            ]
    finally:
        engine.dispose()


# The demo cases, for tests of exports, events and what users see of them.
CLOSE_REFERENCE = "HSN 2024-01-31 § 5"


@pytest.fixture
def demo(wf: Any) -> Any:
    """``wf`` with the demo cases replayed (demo-dorotea open, demo-governo open)."""
    from workflow.demo import replay_demo

    list(replay_demo(wf))
    return wf


@pytest.fixture
def closed(demo: Any) -> Any:
    """The demo with demo-governo closed by HSN, with basis documents and recipients."""
    from workflow import Decision, DecisionRef

    demo.advance("demo-governo", Decision(
        trigger="close", reference=DecisionRef.parse(CLOSE_REFERENCE), actor="sekreterare",
        proposed_by="HSN-AU", note="Följeforskningen är slutredovisad.",
        basis=("Slutrapport följeforskning Governo", "Fortsatt finansiering av fallstudier Governo"),
        recipients=("Hälso- och sjukvårdsdirektören", "Ekonomidirektören"),
    ))
    return demo
