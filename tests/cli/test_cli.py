"""Every ``wf`` command through Click's CliRunner, and each kind of bad input: message, exit code, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, dump


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read wf's English output (as wf --lang en); tests/test_i18n.py reads the Swedish."""
    monkeypatch.setenv("WF_LANG", "en")

ROOT = Path(__file__).resolve().parents[2]


def open_case(cli: Cli) -> str:
    out = cli("case", "open", "systemledning", "--date", "2021", "--title", "Gemensam systemledning i Dorotea",
              "--dnr", "HSN 501-2023", "--dnr", "kommun=KS-2023-0136-106", "--date", "2023", "--json")
    return json.loads(out.output)["id"]


def test_definitions_list_show_validate(cli: Cli) -> None:
    out = cli("definitions", "list").output
    assert "systemledning" in out and "finansiering" in out
    listed = json.loads(cli("definitions", "list", "--json").output)
    assert {d["id"] for d in listed} >= {"systemledning", "finansiering"}
    shown = cli("definitions", "show", "systemledning", "--lang", "sv").output
    assert "Förstudie med handlingsplan" in shown and "commission_pre_study" in shown
    assert "Pre-study with action plan" in cli("definitions", "show", "systemledning", "--lang", "en").output
    data = json.loads(cli("definitions", "show", "finansiering", "--json").output)
    assert data["id"] == "finansiering" and any(t["trigger"] == "grant" for t in data["transitions"])
    files = [str(p) for p in sorted((ROOT / "definitions").glob("*.yaml"))]
    out = cli("definitions", "validate", *files).output
    assert out.count("ok:") == len(files)


def test_the_path_of_a_case_through_the_cli(cli: Cli) -> None:
    cid = open_case(cli)
    assert "awaiting" not in cli("case", "show", cid).output
    triggers = json.loads(cli("case", "triggers", "HSN 501-2023", "--json").output)
    assert [t["trigger"] for t in triggers] == ["commission_pre_study", "reject"]
    assert "commission_pre_study" in cli("case", "triggers", cid).output

    out = cli("case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2023",
              "--due", "report_back=HSN@2023-12", "--proposed-by", "HSN-AU",
              "--basis", "Tjänsteskrivelse", "--to", "Hälso- och sjukvårdsdirektören").output
    assert "awaiting Dorotea kommun" in out
    shown = cli("case", "show", "KS-2023-0136-106").output
    assert "decided by Region Västerbotten (HSN 2023); awaiting Dorotea kommun" in shown
    assert "HSN's meeting 2023-12" in shown
    cli("case", "advance", "KS-2023-0136-106", "commission_pre_study", "--decision", "KS 2023")
    cli("case", "advance", cid, "postpone", "--decision", "KF 2023-12-04 § 102", "--due", "report_back=2024-02",
        "--note", "Uppdragsledaren anställdes först i september.")
    result = json.loads(cli("case", "advance", cid, "start_pilot", "--decision", "HSN 2024-02-28 §15",
                            "--due", "pilot_end=2026-01", "--json").output)
    assert result["case"]["state"] == "pilot"
    cli("case", "note", cid, "Piloten startar i mars.")

    history = cli("case", "history", cid).output
    for ref in ("HSN 2023", "KS 2023", "KF 2023-12-04 § 102", "HSN 2024-02-28 § 15"):
        assert ref in history
    assert "moved from HSN's meeting in December 2023 to February 2024" in history and "note: Piloten startar i mars." in history
    entries = json.loads(cli("case", "history", cid, "--json").output)
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[1]["payload"]["recipients"] == ["Hälso- och sjukvårdsdirektören"]

    assert cid in cli("case", "list").output
    assert json.loads(cli("case", "list", "--state", "pilot", "--json").output)[0]["id"] == cid
    assert json.loads(cli("case", "list", "--state", "pre_study", "--json").output) == []
    assert json.loads(cli("case", "list", "--overdue", "--today", "2026-02-01", "--json").output)[0]["id"] == cid
    assert json.loads(cli("case", "list", "--overdue", "--today", "2026-01-31", "--json").output) == []
    assert json.loads(cli("case", "list", "--due-before", "2026-02-01", "--json").output)[0]["id"] == cid
    assert "OVERDUE" in cli("case", "show", cid, "--today", "2026-02-01").output
    shown = json.loads(cli("case", "show", cid, "--json").output)
    assert shown["state"] == "pilot" and shown["state_label"]["sv"] == "Pilotprojekt"

    assert "ok: 1 case(s)" in cli("audit", "verify").output
    assert json.loads(cli("audit", "verify", cid, "--json").output)["ok"] is True
    assert "up to date" in cli("db", "status").output
    assert "->" in cli("db", "upgrade").output


def test_demo_replays_both_seed_cases(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    out = cli("demo", "--today", "2026-04-01").output
    for ref in ("HSN 2023", "KS 2023", "KF 2023-12-04 § 102", "HSN 2024-02-28 § 15", "HSN 2026-03-12",
                "HSN 2022-09-22 § 142", "HSN 2023 § 30"):
        assert ref in out, ref
    assert "verified" in out
    assert "State:        Pilot" in cli("case", "show", "HSN 501-2023").output
    assert "State:        Financing granted" in cli("case", "show", "HSN 801-2022").output
    cli("demo")  # an earlier demo is replaced, not duplicated
    assert len(json.loads(cli("case", "list", "--json").output)) == 6  # two cases, a related one, three sub-studies


def test_demo_refuses_a_database_with_real_cases(cli: Cli) -> None:
    open_case(cli)
    before = dump(cli.db_url)
    out = cli("demo", code=8)
    assert "holds real cases" in out.output
    assert dump(cli.db_url) == before


BAD_INPUT = [
    # (arguments after the case is opened, exit code, words in the message)
    (["case", "show", "HSN 999-2023"], 3, "no case with id or diary number"),
    (["case", "advance", "HSN 999-2023", "commission_pre_study", "--decision", "HSN 2023"], 3, "no case"),
    (["case", "open", "nosuchprocess", "--title", "x"], 3, "no process definition 'nosuchprocess'"),
    (["case", "advance", "HSN 501-2023", "start_pilot", "--decision", "HSN 2024-02-28 § 15"], 4,
     "'start_pilot' is not possible in state 'assignment'"),
    (["case", "advance", "HSN 501-2023", "fly_to_moon", "--decision", "HSN 2024-02-28 § 15"], 4, "not possible"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study"], 5, "needs a decision reference"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2024-02-30 § 15"], 5, "malformed date"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2024-02-28 § x"], 5,
     "malformed decision reference"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2024", "--due", "report_back=soon"], 5,
     "malformed date"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "XYZ 2024"], 5, "unknown body 'XYZ'"),
    (["case", "list", "--due-before", "2024-13-01"], 5, "malformed date"),
    (["case", "open", "systemledning", "--title", "Dubbel", "--dnr", "HSN 501-2023"], 11, "already belongs"),
    (["case", "open", "systemledning", "--title", "bad\x00title"], 5, "control characters"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2023", "--amount", "lots"], 5,
     "malformed amount"),
    # What no secretary means: a blank value, a decision dated after today, or before its case was opened.
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2023", "--basis", "  "], 5,
     "basis document is blank (--basis)"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "   "], 5, "blank (--decision)"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2099-01-01 § 1"], 5,
     "dated after today"),
    (["case", "advance", "HSN 501-2023", "commission_pre_study", "--decision", "HSN 2020-05-04 § 3"], 5,
     "before case HSN 501-2023 was opened (2023)"),
]


@pytest.mark.parametrize(("args", "code", "words"), BAD_INPUT, ids=[" ".join(a[:2]) + f"-{i}" for i, (a, _, _) in enumerate(BAD_INPUT)])
def test_bad_input_gets_one_line_an_exit_code_and_writes_nothing(cli: Cli, args: list[str], code: int, words: str) -> None:
    open_case(cli)
    before = dump(cli.db_url)
    result = cli(*args, code=code)
    assert words in result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert dump(cli.db_url) == before


def test_a_bad_definition_file(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nversion: 1\nlabel: {sv: D, en: B}\nstates: []\ntransitions: []\n")
    result = cli("definitions", "validate", str(bad), code=6)
    assert f"{bad}:4: states:" in result.output
    ok = str(ROOT / "definitions" / "finansiering.yaml")
    result = cli("definitions", "validate", ok, str(bad), code=6)
    assert "ok: " in result.output and "1 of 2 file(s)" in result.output


def test_an_unreachable_database(tmp_path: Path) -> None:
    for url in ("postgresql+psycopg://nobody@127.0.0.1:1/none", "sqlite:////proc/forbidden/wf.sqlite3",
                "nonsense://", "not a url"):
        result = Cli(url)("case", "list", code=8)
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output


def test_demo_shows_what_the_seeds_say(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    cli("demo", "--today", "2026-04-01")
    shown = cli("case", "show", "HSN 501-2023", "--today", "2026-04-01").output
    assert shown == cli("case", "show", "KS-2023-0136-106", "--today", "2026-04-01").output
    for words in (
        "State:        Pilot",
        "Proposal P2 (PENDING): HSN-AU 23 March 2026 to HSN meeting 8 May 2026",
        "HSN 2023             Commission a pre-study  Region Västerbotten  HSN-AU",
        "KS 2023              Commission a pre-study  Dorotea kommun",
        "In-depth investigation due     2027-09                   proposed (P2)",
        "Consequence investigation due  2027-09                   proposed (P2)",
        "HSN 2026-03-12  Postpone a report-back  NOT YET REPORTED",
        "Pilot: HSN (HSN 2024-02-28 § 15) -> Hälso- och sjukvårdsdirektören",
        "related case: demo-sjukstugemodellen Fallstudie med fokus på sjukstugemodellen",
        "assigns In-depth investigation to Hälso- och sjukvårdsdirektören (may sub-delegate)",
    ):
        assert words in shown, words
    governo = cli("case", "show", "HSN 801-2022").output
    assert "HSN 2023 § 30: SEK 1,800,000 (ceiling SEK 1,800,000)" in governo
    assert governo.count("child case: demo-governo-") == 3
    history = cli("case", "history", "HSN 501-2023").output
    assert "Report-back: moved from HSN's meeting in December 2023 to February 2024" in history
    assert "KS 2023" in history and "2023-12-04" in history
    assert "ok: 6 case(s)" in cli("audit", "verify").output
