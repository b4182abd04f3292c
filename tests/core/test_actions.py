"""Joint decisions, due dates, urgent decisions, delegation, linked cases, proposals, statements, amounts.

Each concept through the API and through the CLI, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import Cli, dump
from workflow import Decision, DecisionRef, DueSpec, Workflow
from workflow.core.decisions import Assignment, PartialDate, Proposal, ProposalPoint
from workflow.core.errors import DecisionRefused, InvalidInput, NotFound


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read wf's English output (as wf --lang en); tests/test_i18n.py reads the Swedish."""
    monkeypatch.setenv("WF_LANG", "en")


def opened(cli: Cli, *extra: str) -> str:
    out = cli("case", "open", "systemledning", "--date", "2021", "--title", "Systemledning", "--dnr", "HSN 501-2023",
              "--dnr", "KS-2023-0136-106", *extra, "--json")
    return json.loads(out.output)["id"]


def in_pilot(cli: Cli) -> str:
    cid = opened(cli)
    cli("case", "advance", cid, "commission_pre_study", "--decision", "HSN 2023", "--due", "report_back=HSN@2023-12")
    cli("case", "advance", cid, "commission_pre_study", "--decision", "KS 2023")
    cli("case", "advance", cid, "start_pilot", "--decision", "HSN 2024-02-28 § 15", "--due", "pilot_end=2026-01",
        "--assign", "pilot=Hälso- och sjukvårdsdirektören", "--may-subdelegate")
    return cid


@pytest.mark.parametrize("order", [("HSN 2023", "KS 2023"), ("KS 2023", "HSN 2023")])
def test_joint_decision_in_either_order(cli: Cli, order: tuple[str, str]) -> None:
    cid = opened(cli)
    cli("case", "advance", cid, "commission_pre_study", "--decision", order[0])
    view = json.loads(cli("case", "show", cid, "--json").output)
    assert view["state"] == "assignment"
    first_party = "region" if order[0].startswith("HSN") else "kommun"
    other = "kommun" if first_party == "region" else "region"
    assert view["awaiting"] == [{"trigger": "commission_pre_study",
                                 "decided": [{"party": first_party, "reference": order[0], "outcome": "yes"}],
                                 "awaiting": [other]}]
    names = {"region": "Region Västerbotten", "kommun": "Dorotea kommun"}
    assert f"awaiting {names[other]}" in cli("case", "show", cid).output
    cli("case", "advance", cid, "commission_pre_study", "--decision", order[1])
    view = json.loads(cli("case", "show", cid, "--json").output)
    assert view["state"] == "pre_study" and view["awaiting"] == []
    assert [(d["reference"], d["party"]) for d in view["decisions"]] == [
        (order[0], first_party), (order[1], other)]


def test_one_party_saying_no(cli: Cli) -> None:
    cid = opened(cli)
    cli("case", "advance", cid, "commission_pre_study", "--decision", "HSN 2023")
    cli("case", "advance", cid, "commission_pre_study", "--decision", "KF 2023-06-12 § 40", "--outcome", "no")
    view = json.loads(cli("case", "show", cid, "--json").output)
    assert view["state"] == "rejected" and view["final"]
    assert "kommun said no" in cli("case", "history", cid).output


def test_a_postponement_is_its_own_audit_entry(cli: Cli) -> None:
    cid = opened(cli)
    cli("case", "advance", cid, "commission_pre_study", "--decision", "HSN 2023", "--due", "report_back=HSN@2023-12")
    cli("case", "advance", cid, "commission_pre_study", "--decision", "KS 2023")
    cli("case", "advance", cid, "postpone", "--decision", "KF 2023-12-04 § 102", "--due", "report_back=2024-02")
    entries = json.loads(cli("case", "history", cid, "--json").output)
    moved = [e for e in entries if e["kind"] == "due" and e["payload"]["action"] == "moved"]
    assert len(moved) == 1
    assert moved[0]["reference"] == "KF 2023-12-04 § 102"
    assert moved[0]["payload"]["old"] == {"date": "2023-12", "meeting": "HSN"}
    assert moved[0]["payload"]["new"] == {"date": "2024-02", "meeting": None}


def test_overdue_and_coming_due_dates_at_a_given_day(cli: Cli, tmp_path: Path) -> None:
    cid = in_pilot(cli)
    other = json.loads(cli("case", "open", "finansiering", "--date", "2021", "--title", "Följeforskning", "--dnr", "HSN 801-2022",
                           "--json").output)["id"]
    cli("case", "advance", other, "grant", "--decision", "HSN 2022-09-22 § 142", "--due", "follow_up=2026-03-15")

    def listed(*args: str) -> list[tuple[str, str]]:
        return [(i["case_id"], i["due"]) for i in json.loads(cli("due", "--format", "json", *args).output)]

    assert listed("--today", "2026-01-15", "--within", "30d") == [(cid, "pilot_end")]
    assert listed("--today", "2026-02-14", "--within", "30d") == [(cid, "pilot_end"), (other, "follow_up")]
    assert listed("--today", "2026-02-14", "--within", "30d", "--limit", "1") == [(cid, "pilot_end")]
    overdue = [i for i in json.loads(cli("due", "--format", "json", "--today", "2026-02-14").output) if i["overdue"]]
    assert [(i["case_id"], i["due"]) for i in overdue] == [(cid, "pilot_end")]
    assert [c["id"] for c in json.loads(cli("case", "list", "--overdue", "--today", "2026-02-01", "--json").output)] == [cid]
    assert json.loads(cli("case", "list", "--overdue", "--today", "2026-01-31", "--json").output) == []
    assert "OVERDUE" in cli("due", "--today", "2026-02-14").output
    cli("due", "--within", "soon", code=5)


def test_the_due_calendar_is_read_back_by_a_real_icalendar_parser(cli: Cli, tmp_path: Path) -> None:
    import icalendar

    cid = in_pilot(cli)
    cli("case", "advance", cid, "postpone", "--decision", "HSN 2026-03-12", "--urgent",
        "--due", "report_back=HSN@2026-05-08", "--note", 'Ordförandebeslut; "brådskande", med komma, och\nny rad')
    path = tmp_path / "due.ics"
    cli("--lang", "sv", "due", "--today", "2026-04-01", "--ics", str(path))
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{cid}-pilot_end@kansli-workflow", f"{cid}-report_back@kansli-workflow",
                           f"{cid}-urgent-8@kansli-workflow"}
    pilot = events[f"{cid}-pilot_end@kansli-workflow"]
    assert pilot.decoded("DTSTART") == dt.date(2026, 1, 31)
    assert str(pilot["SUMMARY"]) == "Pilotperiodens slut: Systemledning (HSN 501-2023)"
    report = events[f"{cid}-report_back@kansli-workflow"]
    assert report.decoded("DTSTART") == dt.date(2026, 5, 8)
    assert "HSN:s sammanträde 8 maj 2026" in str(report["DESCRIPTION"])
    assert "KS-2023-0136-106" in str(report["DESCRIPTION"])
    assert all(len(line.encode()) <= 75 for line in path.read_bytes().decode().split("\r\n"))


def test_an_unreported_urgent_decision_is_listed_until_reported(cli: Cli) -> None:
    cid = in_pilot(cli)
    cli("case", "advance", cid, "postpone", "--decision", "HSN 2026-03-12", "--urgent", "--due", "report_back=HSN@2026-05-08")
    assert "NOT YET REPORTED" in cli("case", "show", cid).output
    items = json.loads(cli("--lang", "sv", "due", "--format", "json", "--today", "2026-04-01").output)
    assert [i["what"] for i in items if i["kind"] == "urgent_report"] == ["Anmäl brådskande beslut HSN 2026-03-12 till HSN"]
    before = dump(cli.db_url)
    assert "before the urgent decision" in cli("case", "report-urgent", cid, "--decision", "HSN 2026-02-01 § 3", code=5).output
    assert "no unreported urgent decision of KF" in cli("case", "report-urgent", cid, "--decision", "KF 2026-05-08 § 3", code=3).output
    assert dump(cli.db_url) == before
    cli("case", "report-urgent", cid, "--decision", "HSN 2026-05-08 § 38")
    view = json.loads(cli("case", "show", cid, "--json").output)
    assert view["urgent_decisions"][0]["reported"] == "HSN 2026-05-08 § 38"
    assert [i for i in json.loads(cli("due", "--format", "json").output) if i["kind"] == "urgent_report"] == []


def test_delegation_chain_and_a_refused_sub_delegation(cli: Cli) -> None:
    cid = in_pilot(cli)
    cli("case", "delegate", cid, "pilot", "--to", "Isabelle Zemrén, områdeschef")
    before = dump(cli.db_url)
    refused = cli("case", "delegate", cid, "pilot", "--to", "Någon annan", code=4)
    assert "without the right to sub-delegate" in refused.output
    assert "no assigned task 'audit'" in cli("case", "delegate", cid, "audit", "--to", "X", code=3).output
    assert dump(cli.db_url) == before
    shown = cli("case", "show", cid).output
    assert ("Pilot: HSN (HSN 2024-02-28 § 15) -> Hälso- och sjukvårdsdirektören (may sub-delegate) -> "
            "Isabelle Zemrén, områdeschef") in shown


def test_parent_child_and_related_links(cli: Cli) -> None:
    parent = json.loads(cli("case", "open", "finansiering", "--date", "2021", "--title", "Governo", "--dnr", "HSN 801-2022", "--json").output)["id"]
    child = json.loads(cli("case", "open-child", "HSN 801-2022", "utredning", "--title", "Umeå", "--date", "2021",
                           "--json").output)["id"]
    other = opened(cli)
    cli("case", "link", other, "HSN 801-2022", "--as", "related")
    p = json.loads(cli("case", "show", parent, "--json").output)["links"]
    c = json.loads(cli("case", "show", child, "--json").output)["links"]
    o = json.loads(cli("case", "show", other, "--json").output)["links"]
    assert p == [{"case": child, "relation": "child", "title": "Umeå"},
                 {"case": other, "relation": "related", "title": "Systemledning"}]
    assert c == [{"case": parent, "relation": "parent", "title": "Governo"}]
    assert o == [{"case": parent, "relation": "related", "title": "Governo"}]
    before = dump(cli.db_url)
    assert "no case" in cli("case", "link", parent, "HSN 404-2020", code=3).output
    assert "no case" in cli("case", "open-child", "HSN 404-2020", "utredning", "--title", "x", code=3).output
    assert "already linked" in cli("case", "link", parent, child, code=4).output
    assert "itself" in cli("case", "link", parent, parent, code=5).output
    assert dump(cli.db_url) == before
    assert "ok: 3 case(s)" in cli("audit", "verify").output


def test_proposals_before_decisions(cli: Cli) -> None:
    cid = in_pilot(cli)
    cli("case", "propose", cid, "--by", "HSN-AU", "--to", "HSN", "--date", "2026-03-23", "--meeting", "2026-05-08",
        "--point", "approve_report_back:att godkänna återrapporteringen",
        "--point", "extend_pilot:att förlänga testperioden", "--due", "pilot_end=2027-09",
        "--document", "Tjänsteskrivelse 2026-03-23")
    view = json.loads(cli("case", "show", cid, "--json").output)
    (p,) = view["proposals"]
    assert (p["id"], p["status"], p["proposer"], p["to_body"], p["meeting"]) == ("P1", "pending", "HSN-AU", "HSN", "2026-05-08")
    assert p["points"][1]["due"] == [{"name": "pilot_end", "date": "2027-09", "meeting": None}]
    shown = cli("case", "show", cid).output
    assert "Proposal P1 (PENDING): HSN-AU 23 March 2026 to HSN meeting 8 May 2026" in shown
    assert "proposed (P1)" in shown

    cli("case", "proposal-outcome", cid, "P1", "postponed", "--decision", "HSN 2026-05-08 § 30", "--next-meeting", "2026-06-10")
    assert json.loads(cli("case", "show", cid, "--json").output)["proposals"][0]["status"] == "postponed"
    before = dump(cli.db_url)
    assert "does not propose 'postpone'" in cli("case", "advance", cid, "postpone", "--decision", "HSN 2026-06-10 § 2",
                                                 "--due", "pilot_end=2026-09", "--proposal", "P1", code=4).output
    assert "no proposal 'P9'" in cli("case", "advance", cid, "approve_report_back", "--decision", "HSN 2026-06-10 § 3",
                                      "--proposal", "P9", code=3).output
    assert "goes to HSN, not KF" in cli("case", "proposal-outcome", cid, "P1", "returned", "--decision", "KF 2026-06-10 § 2",
                                        code=4).output
    assert "unknown step" in cli("case", "propose", cid, "--by", "HSN-AU", "--to", "HSN", "--point", "fly", code=5).output
    assert "proposes to HSN, not to KF" in cli("case", "propose", cid, "--by", "HSN-AU", "--to", "KF",
                                            "--point", "approve_report_back", code=4).output
    assert dump(cli.db_url) == before
    cli("case", "advance", cid, "approve_report_back", "--decision", "HSN 2026-06-10 § 3", "--proposal", "P1")
    cli("case", "advance", cid, "extend_pilot", "--decision", "HSN 2026-06-10 § 4", "--due", "pilot_end=2027-09",
        "--proposal", "P1", "--proposal-outcome", "changed")
    (p,) = json.loads(cli("case", "show", cid, "--json").output)["proposals"]
    assert p["status"] == "changed" and p["decided_by"] == ["HSN 2026-05-08 § 30", "HSN 2026-06-10 § 3", "HSN 2026-06-10 § 4"]


def test_required_statements_and_amounts(wf: Workflow) -> None:
    case = wf.open_case("finansiering", effective="2021", title="Governo", numbers=["HSN 801-2022"], actor="k")
    wf.advance(case.id, Decision("grant", DecisionRef.parse("HSN 2022-09-22 § 142"), "k"))
    from decimal import Decimal

    with pytest.raises(InvalidInput, match="over its ceiling"):
        wf.advance(case.id, Decision("grant_more", DecisionRef.parse("HSN 2023 § 30"), "k", basis=("U",),
                                     amount=Decimal(1_900_000), ceiling=Decimal(1_800_000)))
    rec = wf.advance(case.id, Decision("grant_more", DecisionRef.parse("HSN 2023 § 30"), "k", basis=("U",),
                                       amount=Decimal(1_800_000), ceiling=Decimal(1_800_000)))
    assert rec.case.data["amounts"] == [{"reference": "HSN 2023 § 30", "amount": "1800000", "ceiling": "1800000"}]


def test_appeal_period_is_shown(cli: Cli) -> None:
    cid = in_pilot(cli)
    out = cli("case", "posted", cid, "--decision", "HSN 2024-02-28 § 15", "--posted", "2024-03-11").output
    assert "last day to appeal: 2 April 2024" in out
    view = json.loads(cli("case", "show", cid, "--json", "--today", "2024-04-02").output)
    assert view["appeals"] == [{"reference": "HSN 2024-02-28 § 15", "posted": "2024-03-11",
                                "last_day": "2024-04-02", "legal_force": "appealable"}]
    assert json.loads(cli("case", "show", cid, "--json", "--today", "2024-04-03").output)["appeals"][0]["legal_force"] == "final"
    assert "legal force (unless appealed)" in cli("case", "show", cid, "--today", "2024-04-03").output
    before = dump(cli.db_url)
    assert "before the meeting" in cli("case", "posted", cid, "--decision", "HSN 2024-05-02 § 1", "--posted", "2024-05-01", code=5).output
    assert "full date" in cli("case", "posted", cid, "--decision", "HSN 2024-05-02 § 1", "--posted", "2024-05", code=5).output
    assert "already recorded" in cli("case", "posted", cid, "--decision", "HSN 2024-02-28 § 15", "--posted", "2024-03-12", code=4).output
    assert dump(cli.db_url) == before


BAD = [
    (["case", "advance", "{cid}", "commission_pre_study", "--decision", "HSN-AU 2023"], 4, "HSN-AU may not take"),
    (["case", "advance", "{cid}", "commission_pre_study", "--decision", "KS 2023-06-01", "--due", "report_back=2023-05"], 5,
     "before the decision date"),
    (["case", "advance", "{cid}", "commission_pre_study", "--decision", "HSN 2023-09-01 § 4"], 4, "region has already decided"),
    (["case", "link", "{cid}", "HSN 0-0000"], 3, "no case"),
    (["case", "advance", "{cid}", "commission_pre_study", "--decision", "KS 2023", "--amount", "2000000", "--ceiling", "1800000"],
     5, "over its ceiling"),
    (["case", "advance", "{cid}", "commission_pre_study", "--decision", "KS 2023", "--assign", "nothing"], 5, "malformed assignment"),
    (["case", "advance", "{cid}", "commission_pre_study", "--decision", "KS 2023", "--urgent", "--party", "region"], 4,
     "is a body of 'kommun'"),
]


@pytest.mark.parametrize(("args", "code", "words"), BAD, ids=[w for _, _, w in BAD])
def test_bad_decisions_are_refused_and_write_nothing(cli: Cli, args: list[str], code: int, words: str) -> None:
    cid = opened(cli)
    cli("case", "advance", cid, "commission_pre_study", "--decision", "HSN 2023")
    before = dump(cli.db_url)
    result = cli(*[a.format(cid=cid) for a in args], code=code)
    assert words in result.output and result.output.startswith("error: ")
    assert dump(cli.db_url) == before


def test_the_api_for_each_act(wf: Workflow) -> None:
    case = wf.open_case("systemledning", effective="2021", title="S", numbers=["HSN 1-2023"], actor="k")
    for ref in ("HSN 2023", "KS 2023"):
        wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse(ref), "k",
                                     assign=(Assignment("pre_study", "Direktören", True),) if ref == "HSN 2023" else ()))
    wf.delegate(case.id, "pre_study", "Samordnaren", actor="k")
    with pytest.raises(DecisionRefused):
        wf.delegate(case.id, "pre_study", "Någon", actor="k")
    rec = wf.propose(case.id, Proposal("KS", None, "KF", None, (ProposalPoint("approve_pre_study", "godkänna"),), "k",
                                       statements=(("child_rights", "Beaktad"),)))
    assert rec.case.data["proposals"]["P1"]["date"] is None
    with pytest.raises(NotFound):
        wf.proposal_outcome(case.id, "P2", DecisionRef.parse("KF 2024"), "returned", actor="k")
    wf.proposal_outcome(case.id, "P1", DecisionRef.parse("KF 2024-01-29 § 5"), "returned", actor="k")
    assert wf.case(case.id).data["proposals"]["P1"]["status"] == "returned"
    wf.advance(case.id, Decision("postpone", DecisionRef.parse("HSN 2024-01-10"), "k", urgent=True,
                                 due=(DueSpec.parse("report_back=2024-03"),)))
    wf.report_urgent(case.id, DecisionRef.parse("HSN 2024-02-28 § 14"), actor="k")
    wf.minutes_posted(case.id, DecisionRef.parse("HSN 2024-02-28 § 14"), PartialDate.parse("2024-03-04"), actor="k")
    assert wf.verify().ok
    assert wf.due(today=dt.date(2024, 3, 1)) != []
