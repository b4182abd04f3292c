"""Fixtures for the exchange tests: a database with the two demo cases, one of them closed."""

from __future__ import annotations

from typing import Any

import pytest

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
