"""Listeners: called once, after the commit, never for a refused decision; a failing one changes nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.conftest import dump
from workflow import (
    Decision,
    DecisionRef,
    UnknownName,
    Workflow,
    register_listener,
    unregister_listener,
)
from workflow import events as events_module


def _close(recipients: tuple[str, ...] = ("Hälso- och sjukvårdsdirektören",)) -> Decision:
    return Decision(trigger="close", reference=DecisionRef.parse("HSN 2024-01-31 § 5"), actor="sekreterare",
                    recipients=recipients)


def test_listener_called_once_after_commit(demo: Any, db_url: str) -> None:
    calls: list[tuple[Any, ...]] = []

    def listener(case: Any, entries: Any, recipients: Any) -> None:
        # The decision must already be committed: a *new* Workflow on the same URL sees it.
        with Workflow(db_url) as other:
            seen = other.case("demo-governo")
            history = other.history("demo-governo")
        calls.append((case.state, tuple(e.seq for e in entries), recipients, seen.state, history[-1].hash))

    demo.add_listener(listener)
    rec = demo.advance("HSN 801-2022", _close(("Hälso- och sjukvårdsdirektören", "Ekonomidirektören")))
    assert len(calls) == 1
    state, seqs, recipients, seen_state, last_hash = calls[0]
    assert state == "closed" and seen_state == "closed"
    assert seqs == tuple(e.seq for e in rec.entries)
    assert last_hash == rec.entries[-1].hash
    assert recipients == ("Hälso- och sjukvårdsdirektören", "Ekonomidirektören")


def test_refused_decision_writes_and_calls_nothing(demo: Any, db_url: str) -> None:
    calls: list[Any] = []
    demo.add_listener(lambda *a: calls.append(a))
    before = dump(db_url)
    with pytest.raises(UnknownName):
        # KF is not a body of the financing process.
        demo.advance("demo-governo", Decision(trigger="close", reference=DecisionRef.parse("KF 2024-01-31 § 5"),
                                              actor="sekreterare"))
    assert dump(db_url) == before
    assert calls == []


def test_replayed_request_calls_nothing(demo: Any) -> None:
    calls: list[Any] = []
    demo.add_listener(lambda *a: calls.append(a))
    decision = Decision(trigger="close", reference=DecisionRef.parse("HSN 2024-01-31 § 5"), actor="s",
                        request_id="req-1")
    first = demo.advance("demo-governo", decision)
    again = demo.advance("demo-governo", decision)
    assert not first.replayed and again.replayed
    assert len(calls) == 1


def test_failing_listener_is_logged_and_decision_stays(demo: Any, db_url: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    later: list[str] = []

    def broken(case: Any, entries: Any, recipients: Any) -> None:
        raise RuntimeError("mail server down")

    demo.add_listener(broken)
    demo.add_listener(lambda case, entries, recipients: later.append(case.state))
    with caplog.at_level(logging.ERROR, logger="workflow.events"):
        rec = demo.advance("demo-governo", _close())
    assert rec.case.state == "closed"
    assert later == ["closed"], "a failing listener must not stop the ones after it"
    assert "mail server down" in caplog.text and "stays recorded" in caplog.text
    with Workflow(db_url) as other:
        assert other.case("demo-governo").state == "closed"
        assert other.verify().ok


def test_module_level_registration_and_notes(demo: Any) -> None:
    calls: list[Any] = []

    def listener(case: Any, entries: Any, recipients: Any) -> None:
        calls.append((entries[0].kind, recipients))

    register_listener(listener)
    try:
        demo.add_note("demo-governo", "Slutrapporten inkommen.", actor="registrator")
    finally:
        unregister_listener(listener)
    demo.add_note("demo-governo", "Efter avregistrering.", actor="registrator")
    assert calls == [("note", ())]


def test_entry_point_listener_loaded_lazily(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A listener installed by another package (entry point group kansli_workflow.listeners)."""
    from importlib import metadata

    calls: list[str] = []
    looked_up: list[str] = []

    class FakeEntryPoint:
        name = "plugin"
        value = "plugin:on_decision"

        def load(self) -> Any:
            return lambda case, entries, recipients: calls.append(case.state)

    def fake_entry_points(group: str) -> list[Any]:
        looked_up.append(group)
        return [FakeEntryPoint()] if group == events_module.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(metadata, "entry_points", fake_entry_points)
    monkeypatch.setattr(events_module, "_plugins", None)
    assert looked_up == []
    demo.advance("demo-governo", _close())
    assert calls == ["closed"]
    assert looked_up == [events_module.ENTRY_POINT_GROUP]
    monkeypatch.setattr(events_module, "_plugins", None)


def test_cli_start_does_not_load_entry_points() -> None:
    import subprocess
    import sys

    code = ("import sys, importlib.metadata as m; calls=[]; orig=m.entry_points\n"
            "m.entry_points=lambda *a, **k: calls.append(k) or orig(*a, **k)\n"
            "from workflow_cli.main import cli\n"
            "import workflow\n"
            "print(len(calls), 'workflow.exchange.cases' in sys.modules, 'xml.etree.ElementTree' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "False", "False"]
