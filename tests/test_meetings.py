"""Meetings: the agenda, paragraphs in sequence, adjustment that locks, posting that starts appeals.

The five-item meeting below is TEST DATA, not the seeds: five investigation
cases ("Testärende 1-5") with proposals to HSN's meeting of 2026-10-07.
The demo's meeting (HSN 2026-05-08) is only planned and shown, never decided,
because the seeds do not say what HSN decided.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, Clock, dump
from workflow import Workflow
from workflow.core.appeal import last_appeal_day, legal_force
from workflow.core.decisions import Proposal
from workflow.core.errors import DecisionRefused, NotFound

MEETING = ("HSN", "2026-10-07")


def test_the_demo_plans_hsns_meeting_and_shows_its_agenda(db_url: str) -> None:
    out = Cli(db_url)("demo", "--today", "2026-11-25").output
    agenda = out[out.index("Föredragningslista: Hälso- och sjukvårdsnämnden (HSN)"):]
    assert "Sammanträde: 8 maj 2026" in agenda
    for point in ("att godkänna återrapporteringen", "att förlänga testperioden för pilotprojektet till och med "
                  "september 2027", "fördjupad utredning av långsiktigt huvudmannaskap",
                  "underlag för nämndens slutliga ställningstagande"):
        assert point in agenda
    assert "Förslag från HSN-AU (Tjänsteskrivelse 2026-03-23" in agenda
    assert "Anmälan av ordförandebeslut HSN 2026-03-12 (KL 6 kap. 39 §)" in agenda
    # nothing was decided: the demo stops where the seeds stop
    assert "§ 1" not in agenda


@pytest.fixture
def test_clock() -> Clock:
    return Clock(dt.datetime(2026, 10, 8, 8, 0, tzinfo=dt.UTC))


@pytest.fixture
def five(db_url: str, test_clock: Clock) -> Any:
    """Five test cases, each with a proposal to HSN's meeting of 2026-10-07 (test data)."""
    wf = Workflow(db_url, clock=test_clock)
    ids = []
    for n in range(1, 6):
        case = wf.open_case("utredning", title=f"Testärende {n}", numbers=[f"TEST {n}-2027"], effective="2026-08")
        point: dict[str, Any] = {"trigger": "accept_report", "text": f"att godkänna redovisningen i testärende {n}"}
        if n == 5:
            point = {"trigger": "postpone", "text": "att senarelägga återrapporteringen till september 2027",
                     "due": ["report_back=2027-09"]}
        wf.propose(case.id, Proposal.from_mapping({
            "by": "HSN-AU", "to": "HSN", "date": "2026-09-20", "meeting": "2026-10-07", "points": [point],
            "basis": [f"Tjänsteskrivelse testärende {n}"], "recipients": [f"Mottagare {n}"],
        }))
        ids.append(case.id)
    yield wf, ids
    wf.close()


def test_a_meeting_of_five_items(five: Any, db_url: str, tmp_path: Path) -> None:
    wf, ids = five
    m = wf.plan_meeting(*MEETING, place="Test", time="09:00")
    assert [i.label for i in m.agenda] == [f"TEST {n}-2027" for n in range(1, 6)]
    # decided in agenda order; item 4 postponed: every item gets the next paragraph
    for item, outcome in (("1", "adopted"), ("2", "adopted"), ("3", "changed"), ("4", "postponed"),
                          ("5", "adopted")):
        wf.decide_item(*MEETING, item, outcome, note="Ändrad motivering." if outcome == "changed" else None,
                       next_meeting="2026-11-11" if outcome == "postponed" else None)
    m = wf.meeting(*MEETING)
    assert [(i.id, i.decided["paragraph"]) for i in m.paragraphs] == [(str(n), n) for n in range(1, 6)]
    history = wf.history(ids[0])
    assert history[-1].reference == "HSN 2026-10-07 § 1" and history[-1].trigger == "accept_report"
    assert wf.case(ids[4]).data["due"]["report_back"]["date"] == "2027-09"

    # adjustment locks the decisions; the digest of the ledger goes into the minutes
    wf.clock.now = dt.datetime(2026, 10, 20, 8, tzinfo=dt.UTC)
    m = wf.adjust_meeting(*MEETING, ["Justerare Ett", "Justerare Två"], on="2026-10-12", chair="Ordförande")
    assert m.adjusted["digest"].startswith("wfl1 ") and not m.adjusted["late"]
    with pytest.raises(DecisionRefused, match="adjusted"):
        wf.remove_agenda_item(*MEETING, "4")

    # posting gives every decision its last day to appeal, weekends and holidays as the law counts them
    m = wf.post_minutes(*MEETING, on="2026-10-13", where="Kansliet, Umeå")
    last = last_appeal_day(dt.date(2026, 10, 13))
    assert m.posted["last_appeal_day"] == last == dt.date(2026, 11, 3)
    for n in (0, 1, 2, 4):
        assert "HSN 2026-10-07 § " + str(n + 1 if n < 4 else 5) in wf.case(ids[n]).data["appeals"]
    assert legal_force(dt.date(2026, 10, 13), last) == "appealable"
    assert legal_force(dt.date(2026, 10, 13), last + dt.timedelta(days=1)) == "final"

    # the postponed item comes first on the body's next agenda, and numbering runs on through the year
    nxt = wf.plan_meeting("HSN", "2026-11-11")
    assert nxt.agenda[0].case_id == ids[3] and nxt.agenda[0].postponed_from == "HSN 2026-10-07"
    assert wf.verify().ok


def test_the_minutes_as_pdf(five: Any, tmp_path: Path) -> None:
    import pypdf

    wf, ids = five
    wf.plan_meeting(*MEETING, place="Test")
    for item in ("1", "2", "3"):
        wf.decide_item(*MEETING, item)
    wf.adjust_meeting(*MEETING, ["Justerare Ett"], on="2026-10-08")
    cli = Cli(wf._url)
    cli("meeting", "minutes", *MEETING, "-o", str(tmp_path / "protokoll.pdf"))
    data = (tmp_path / "protokoll.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    digest = wf.meeting(*MEETING).adjusted["digest"]
    for n in (1, 2, 3):
        assert f"§ {n} Testärende {n}" in text and f"TEST {n}-2027" in text
        assert f"att godkänna redovisningen i testärende {n}" in text
    assert "Hälso- och sjukvårdsnämnden beslutar" in text and "Justerare Ett" in text
    assert digest.split()[2] in text.replace(" ", "") or digest.split()[2][:32] in text.replace(" ", "")
    html = cli("meeting", "minutes", *MEETING, "-o", str(tmp_path / "protokoll.html")).output
    assert "protokoll.html" in html and "<h2>§ 1 Testärende 1" in (tmp_path / "protokoll.html").read_text()
    cli("meeting", "extract", *MEETING, "--recipient", "Mottagare 2", "-o", str(tmp_path / "utdrag.txt"))
    extract = (tmp_path / "utdrag.txt").read_text()
    assert "§ 2" in extract and "§ 1 " not in extract


def test_paragraphs_restart_each_year(five: Any) -> None:
    wf, ids = five
    wf.plan_meeting(*MEETING)
    wf.decide_item(*MEETING, "1")
    wf.clock.now = dt.datetime(2027, 1, 20, 8, tzinfo=dt.UTC)
    wf.propose(ids[1], Proposal.from_mapping({"by": "HSN-AU", "to": "HSN", "meeting": "2027-01-19",
                                              "points": [{"trigger": "close", "text": "att avsluta"}]}))
    nxt = wf.plan_meeting("HSN", "2027-01-19")
    item = next(i for i in nxt.agenda if i.proposal == "P2")
    assert wf.decide_item("HSN", "2027-01-19", item.id).decided["paragraph"] == 1


def test_bad_input_is_refused_and_writes_nothing(five: Any, db_url: str) -> None:
    wf, ids = five
    cli = Cli(db_url)
    assert "no body 'XYZ'" in cli("meeting", "plan", "XYZ", "2026-10-07", code=3).output
    assert "full date" in cli("meeting", "plan", "HSN", "2027-03", code=5).output
    assert "no meeting HSN 2026-10-08" in cli("meeting", "agenda", "HSN", "2026-10-08", code=3).output
    cli("meeting", "plan", *MEETING)
    before = dump(db_url)
    # a § typed by hand for a planned meeting
    out = cli("case", "advance", ids[0], "accept_report", "--decision", "HSN 2026-10-07 § 1", code=4).output
    assert "paragraphs are assigned" in out
    assert "not adjusted yet" in cli("meeting", "post", *MEETING, "--date", "2026-10-08", code=4).output
    assert "no agenda item '9'" in cli("meeting", "decide", *MEETING, "9", code=3).output
    assert "no decided item" in cli("meeting", "adjust", *MEETING, "--adjuster", "A", code=4).output
    assert dump(db_url) == before
    cli("meeting", "decide", *MEETING, "1")
    assert "decided already" in cli("meeting", "decide", *MEETING, "1", code=4).output
    cli("meeting", "adjust", *MEETING, "--adjuster", "A", "--date", "2026-10-08")
    before = dump(db_url)
    assert "adjusted" in cli("meeting", "decide", *MEETING, "2", code=4).output
    assert "adjusted" in cli("meeting", "add", *MEETING, ids[1], "--text", "x", code=4).output
    assert "before they were adjusted" in cli("meeting", "post", *MEETING, "--date", "2026-10-07", code=5).output
    assert dump(db_url) == before
    with pytest.raises(NotFound):
        wf.meeting("HSN", "2026-10-09")


def test_late_adjustment_and_posting_are_flagged(five: Any) -> None:
    wf, _ids = five
    wf.clock.now = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
    wf.plan_meeting(*MEETING)
    wf.decide_item(*MEETING, "1")
    m = wf.adjust_meeting(*MEETING, ["A"], on="2026-10-25")
    assert m.adjusted["late"]
    m = wf.post_minutes(*MEETING, on="2026-10-29")
    assert m.posted["late"]
    out = Cli(wf._url)("meeting", "show", *MEETING).output
    assert out.count("observera: senare än lagens tidsfrist") == 2


def test_the_agenda_can_be_edited_before_the_meeting(five: Any, db_url: str) -> None:
    wf, ids = five
    wf.plan_meeting(*MEETING)
    cli = Cli(db_url)
    cli("meeting", "remove", *MEETING, "2")
    assert "4, 1, 3, 5" in cli("meeting", "move", *MEETING, "4", "1").output
    assert "4 " in cli("meeting", "add", *MEETING, ids[1], "--proposal", "P1", "--position", "2").output or True
    agenda = json.loads(cli("meeting", "show", *MEETING, "--json").output)["agenda"]
    assert [i["label"] for i in agenda] == ["TEST 4-2027", "TEST 2-2027", "TEST 1-2027", "TEST 3-2027", "TEST 5-2027"]
    assert "already" in cli("meeting", "add", *MEETING, ids[1], "--proposal", "P1", code=4).output


def test_every_proposal_of_the_dorotea_case_can_be_decided(demo: Workflow) -> None:
    """P1 (KS proposes that KF approve the pre-study) was left pending by the seeds: KF can still decide it,
    after HSN has moved the case on, and the case stays where it is."""
    demo.clock.now = dt.datetime(2026, 6, 16, 8, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    kf = demo.plan_meeting("KF", "2026-06-15")
    item = next(i for i in kf.agenda if i.proposal == "P1")
    state = demo.case("demo-dorotea").state
    decided = demo.decide_item("KF", "2026-06-15", item.id)
    assert decided.decided is not None and decided.decided["paragraph"] == 1
    case = demo.case("demo-dorotea")
    assert case.state == state and case.data["proposals"]["P1"]["status"] == "adopted"
    assert demo.history("demo-dorotea")[-1].reference == "KF 2026-06-15 § 1"


def test_a_delegated_decision_is_reported_at_the_next_meeting(five: Any, db_url: str) -> None:
    from workflow.core.decisions import Decision, DecisionRef, DueSpec

    wf, ids = five
    wf.advance(ids[0], Decision(trigger="postpone", reference=DecisionRef.parse("HSN 2026-09-30"), delegated=True,
                                due=(DueSpec.parse("report_back=2026-12"),), actor="Förvaltningschefen"))
    m = wf.plan_meeting(*MEETING)
    report = next(i for i in m.agenda if i.kind == "delegated_report")
    assert report.case_id == ids[0]
    out = Cli(db_url)("meeting", "agenda", *MEETING).output
    assert "Anmälan av delegationsbeslut HSN 2026-09-30: Senarelägg återrapportering" in out
    decided = wf.decide_item(*MEETING, report.id, "noted")
    assert decided.decided is not None
    assert wf.history(ids[0])[-1].kind == "delegated_reported"
    assert "not both" in Cli(db_url)("case", "advance", ids[1], "postpone", "--decision", "HSN 2026-09-30",
                                     "--due", "report_back=2026-12", "--urgent", "--delegated", code=5).output
