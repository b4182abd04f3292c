"""``wf due`` as people read it: Swedish headings and status words (English with --lang en), every
column headed; and a case that has reached a final state has nothing due any more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import icalendar
import pytest

TODAY = "2026-06-01"



def _lines(output: str) -> list[list[str]]:
    return [line.split("  ") for line in output.splitlines()]


def test_headings_and_status_words_in_swedish(demo: Any, cli: Any) -> None:
    out = cli("due", "--today", TODAY).output
    heading = [h for h in out.splitlines()[0].split(" ") if h]
    assert heading == ["SENAST", "VAD", "NÄR", "ÄRENDE", "RUBRIK", "STATUS"]
    assert "FÖRSENAD" in out and "EJ ANMÄLT" in out and "HSN:s sammanträde 8 maj 2026" in out
    assert "OVERDUE" not in out and "meeting" not in out


def test_english_on_request(demo: Any, cli: Any) -> None:
    for args in (("--lang", "en", "due"), ("due", "--lang", "en")):
        out = cli(*args, "--today", TODAY).output
        assert [h for h in out.splitlines()[0].split(" ") if h] == ["DUE", "ON", "WHAT", "WHEN", "CASE", "TITLE",
                                                                    "STATUS"]
        assert "OVERDUE" in out and "NOT REPORTED" in out and "HSN's meeting on 8 May 2026" in out


def test_json_keeps_its_keys(demo: Any, cli: Any) -> None:
    items = json.loads(cli("due", "--today", TODAY, "--json").output)
    assert {tuple(sorted(i)) for i in items} == {(
        "case_id", "date", "definition", "diary_numbers", "due", "due_on", "kind", "meeting", "overdue", "state",
        "title", "what", "when")}
    assert {(i["due"], i["kind"], i["overdue"]) for i in items if i["case_id"] == "demo-dorotea"} == {
        ("pilot_end", "due_date", True), ("report_back", "due_date", True), ("urgent:13", "urgent_report", False)}


def test_the_one_builder_gives_the_closed_due_dates_of_a_case_in_a_final_state(demo: Any) -> None:
    """The engine closes a withdrawn case's open due dates in its data; derive.due_rows, the one builder of
    the index, gives them closed; its unreported urgent decision is still to be reported (KL 6 kap. 39 §)."""
    from workflow import Decision, DecisionRef
    from workflow.core import derive

    assert {n: r["status"] for n, r in derive.due_rows(demo.case("demo-dorotea")).items()} == {
        "pilot_end": "open", "report_back": "open", "urgent:13": "open"}
    demo.advance("demo-dorotea", Decision(trigger="withdraw", reference=DecisionRef.parse("HSN 2026-03-20 § 40"),
                                          note="Uppdraget återtas.", actor="sekreterare"))
    after = demo.case("demo-dorotea")
    assert after.data["due"]["pilot_end"]["status"] == "closed"
    assert {n: r["status"] for n, r in derive.due_rows(after).items()} == {
        "pilot_end": "closed", "report_back": "closed", "urgent:13": "open"}


@pytest.mark.parametrize("trigger", ["withdraw", "close"])
def test_a_closed_or_withdrawn_case_has_nothing_due(demo: Any, cli: Any, tmp_path: Path, trigger: str) -> None:
    cid = "demo-dorotea"
    if trigger == "close":  # from 'reported', with a report-back set again: 'close' closes only pilot_end
        cli("case", "advance", cid, "approve_report_back", "--decision", "HSN 2026-03-20 § 38")
        cli("case", "advance", cid, "postpone", "--decision", "HSN 2026-03-20 § 39", "--due", "report_back=2026-04")
    cli("case", "advance", cid, trigger, "--decision", "HSN 2026-03-20 § 40", "--note", "Avslutas.")
    items = json.loads(cli("due", "--today", TODAY, "--json").output)
    assert [i["due"] for i in items if i["case_id"] == cid] == ["urgent:13"]
    view = json.loads(cli("case", "show", cid, "--json", "--today", TODAY).output)
    assert view["due_dates"] and not any(d["overdue"] for d in view["due_dates"])
    assert {d["status"] for d in view["due_dates"]} <= {"closed", "met"}
    path = tmp_path / "due.ics"
    cli("due", "--today", TODAY, "--ics", str(path))
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")}
    assert uids == {f"{cid}-urgent-13@kansli-workflow"}
    assert "ok" in cli("audit", "verify").output
