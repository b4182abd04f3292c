"""The timeline: honest spans for partial dates, due-date history, well-formed deterministic SVG."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from workflow.demo import replay_demo
from workflow.render.timeline import timeline_model, to_svg

TODAY = dt.date(2026, 3, 23)


@pytest.fixture
def dorotea(wf):  # type: ignore[no-untyped-def]
    list(replay_demo(wf))
    case = wf.case("demo-dorotea")
    return wf.definition_of(case), case, wf.history(case.id)


def test_phases_with_partial_dates_span_the_year(dorotea) -> None:  # type: ignore[no-untyped-def]
    t = timeline_model(*dorotea, TODAY)
    assert [p.phase for p in t.phases] == ["assignment", "pre_study", "pilot"]
    first = t.phases[0]
    assert (first.start.first, first.start.last, first.start.exact) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31), False)
    pilot = t.phases[2]
    assert pilot.start.exact and pilot.start.first == dt.date(2024, 2, 28) and pilot.end is None
    assert pilot.label == "Pilotprojekt"


def test_decisions_and_due_dates(dorotea) -> None:  # type: ignore[no-untyped-def]
    t = timeline_model(*dorotea, TODAY)
    assert [d.text for d in t.decisions][:4] == ["1. HSN 2023", "2. KS 2023", "3. KF 2023-12-04 § 102", "4. HSN 2024-02-28 § 15"]
    assert not t.decisions[0].when.exact
    report = [(m.target.text, m.status) for m in t.dues if m.name == "report_back"]
    assert report == [("2023-12", "moved"), ("2024-02", "met"), ("2026-01", "moved"), ("2026-05-08", "open")]
    later = timeline_model(*dorotea, dt.date(2026, 6, 1))
    assert [m.status for m in later.dues if m.target.text == "2026-05-08"] == ["overdue", "overdue"]


def test_svg_is_wellformed_deterministic_and_never_invents_a_day(dorotea) -> None:  # type: ignore[no-untyped-def]
    svg = to_svg(timeline_model(*dorotea, TODAY))
    assert svg == to_svg(timeline_model(*dorotea, TODAY))
    root = ET.fromstring(svg)
    texts = [el.text or "" for el in root.iter() if el.tag.endswith("text")]
    assert "≈ 1. HSN 2023" in texts  # approximate, marked as such
    assert not any("2023-01-01" in x or "2023-12-31" in x for x in texts)
    assert "idag 2026-03-23" in texts
    assert any("2026-05-08 öppen" == x for x in texts)
    assert any("2024-02 uppfylld" == x for x in texts)
    titles = [el.text or "" for el in root.iter() if el.tag.endswith("title")]
    assert any("datum känt till året" in x for x in titles)
    en = to_svg(timeline_model(*dorotea, TODAY, lang="en"))
    assert "today 2026-03-23" in en and "Decisions" in en


def test_hostile_title_is_escaped(wf) -> None:  # type: ignore[no-untyped-def]
    title = '</text><script>alert("x")</script> & <![CDATA[ ]]> åäö'
    case = wf.open_case("finansiering", title=title, actor="t", effective="2024-05")
    svg = to_svg(timeline_model(wf.definition_of(case), case, wf.history(case.id), TODAY))
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert any(title in (el.text or "") for el in root.iter())
