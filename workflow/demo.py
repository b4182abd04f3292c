"""The demo: a fresh database with the seeds' cases replayed into it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from workflow.api import Recorded, Workflow
from workflow.core.case import Case
from workflow.core.errors import StorageError
from workflow.core.meetings import Meeting
from workflow.scenario import DEMO_SCENARIOS, SCENARIO_DIR, load_scenario, replay_scenario

DEMO_PREFIX = "demo-"


def fresh_demo_workflow(database_url: str | None) -> Workflow:
    """A :class:`Workflow` on an empty database (an earlier demo is cleared first)."""
    from sqlalchemy.engine import make_url

    from workflow.paths import default_database_url

    url = database_url or default_database_url()
    wf = Workflow(url)
    existing = [c.id for c in wf.cases()]
    if not existing:
        return wf
    if any(not cid.startswith(DEMO_PREFIX) for cid in existing):
        wf.close()
        raise StorageError(
            f"the database {make_url(url).render_as_string(hide_password=True)} holds real cases; "
            "give the demo a database of its own"
        )
    wf.close()
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise StorageError("an earlier demo is in this database; drop its tables or give the demo another database")
    for suffix in ("", "-wal", "-shm"):
        Path(parsed.database + suffix).unlink(missing_ok=True)
    return Workflow(url)


def describe(wf: Workflow) -> str:
    return wf.database


def replay_demo(wf: Workflow) -> Iterator[tuple[Case, list[Recorded]]]:
    for name in DEMO_SCENARIOS:
        yield replay_scenario(wf, load_scenario(SCENARIO_DIR / name))


DEMO_MEETING = ("HSN", "2026-05-08")
"""The meeting the seeds end with: the AU's proposal of 2026-03-23 and the chair's urgent decision of
2026-03-12 wait for it.  The demo plans it and shows its agenda; what HSN decided is not in the seeds."""


def plan_demo_meeting(wf: Workflow) -> Meeting:
    body, date = DEMO_MEETING
    return wf.plan_meeting(body, date, place="Regionens hus, Umeå")
