"""The due-date calendar (``wf due --ics``), read back by two iCalendar parsers: icalendar and vobject.

A calendar that imported an event once updates it only when a later file
carries the same UID with a higher SEQUENCE; LAST-MODIFIED says when.  Both
come from the case's log.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import icalendar
import vobject

from workflow.exchange.ical import revisions

DOROTEA = "demo-dorotea"
UIDS = {f"{DOROTEA}-report_back@kansli-workflow", f"{DOROTEA}-pilot_end@kansli-workflow",
        f"{DOROTEA}-urgent-13@kansli-workflow"}



def _export(cli: Any, path: Path, *args: str) -> bytes:
    cli("due", "--today", "2026-04-01", "--ics", str(path), *args)
    return path.read_bytes()


def _icalendar(data: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def _vobject(data: bytes) -> dict[str, Any]:
    calendar = vobject.readOne(data.decode("utf-8"))
    return {e.uid.value: e for e in calendar.vevent_list}


def _when(wf: Any, seq: int) -> dt.datetime:
    entry = next(e for e in wf.history(DOROTEA) if e.seq == seq)
    return dt.datetime.fromisoformat(entry.recorded_at).replace(microsecond=0)


def test_moves_are_revisions_a_calendar_applies(demo: Any, cli: Any, tmp_path: Path) -> None:
    data = _export(cli, tmp_path / "due.ics")
    assert all(len(line.encode()) <= 75 for line in data.decode().split("\r\n"))
    events, others = _icalendar(data), _vobject(data)
    assert set(events) == set(others) == UIDS
    # report_back: set 2023-12, moved to 2024-02, met, set anew for 2026-01, moved to 8 May 2026 (entry 14).
    report = events[f"{DOROTEA}-report_back@kansli-workflow"]
    assert report["SEQUENCE"] == 4 and report.decoded("LAST-MODIFIED") == _when(demo, 14)
    assert report.decoded("DTSTART") == dt.date(2026, 5, 8) and str(report["STATUS"]) == "CONFIRMED"
    pilot = others[f"{DOROTEA}-pilot_end@kansli-workflow"]
    assert int(pilot.sequence.value) == 1 and pilot.last_modified.value == _when(demo, 15)
    assert pilot.dtstart.value == dt.date(2026, 5, 8)
    urgent = events[f"{DOROTEA}-urgent-13@kansli-workflow"]
    assert urgent["SEQUENCE"] == 0 and urgent.decoded("LAST-MODIFIED") == _when(demo, 13)

    # Moved once more: the same UID, one revision more, modified when the move was entered.
    cli("case", "advance", DOROTEA, "postpone", "--decision", "HSN 2026-03-20 § 41", "--due", "report_back=2026-09")
    moved = _icalendar(_export(cli, tmp_path / "again.ics"))[f"{DOROTEA}-report_back@kansli-workflow"]
    last = demo.history(DOROTEA)[-1]
    assert last.kind == "due" and last.payload["action"] == "moved"
    assert moved["SEQUENCE"] == 5 and moved.decoded("LAST-MODIFIED") == _when(demo, last.seq)
    assert moved.decoded("DTSTART") == dt.date(2026, 9, 30)
    assert int(_vobject(tmp_path.joinpath("again.ics").read_bytes())[
        f"{DOROTEA}-report_back@kansli-workflow"].sequence.value) == 5


def test_event_texts_are_swedish_and_english_on_request(demo: Any, cli: Any, tmp_path: Path) -> None:
    events = _vobject(_export(cli, tmp_path / "sv.ics"))
    report = events[f"{DOROTEA}-report_back@kansli-workflow"]
    assert report.summary.value == "Återrapportering: Gemensam systemledning i Dorotea (HSN 501-2023)"
    assert report.description.value == (
        "Återrapportering (HSN:s sammanträde 8 maj 2026). Ärende HSN 501-2023, KS-2023-0136-106, "
        "Gemensam systemledning i Dorotea; läge: Pilotprojekt.")
    urgent = events[f"{DOROTEA}-urgent-13@kansli-workflow"]
    assert urgent.summary.value.startswith("Anmäl brådskande beslut HSN 2026-03-12 till HSN: ")
    assert "(vid HSN:s nästa sammanträde)" in urgent.description.value
    english = _icalendar(_export(cli, tmp_path / "en.ics", "--lang", "en"))
    text = str(english[f"{DOROTEA}-report_back@kansli-workflow"]["DESCRIPTION"])
    assert text == ("Report-back (HSN's meeting on 8 May 2026). Case HSN 501-2023, KS-2023-0136-106, "
                    "Gemensam systemledning i Dorotea; state: Pilot.")


def test_revisions_count_every_change_after_the_first_setting(demo: Any) -> None:
    changes = revisions(demo.history(DOROTEA))
    assert {name: n for name, (n, _when) in changes.items()} == {"report_back": 4, "pilot_end": 1, "urgent:13": 0}
