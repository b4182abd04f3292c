"""Many decisions in one process: ``wf replay FILE...`` and :meth:`Workflow.batch`, each file all or nothing.

The oracle is what the register holds afterwards: the cases of the files that
went through, verified; nothing of a file with a refused step; listeners told
of the changes only once they are committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, dump
from workflow import Decision, DecisionRef, InvalidInput, Workflow
from workflow.scenario import SCENARIO_DIR


@pytest.fixture
def wf_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """``wf replay`` as cli/main.py's COMMANDS will list it."""
    from workflow_cli.main import cli
    from workflow_cli.replay import replay

    monkeypatch.setitem(cli.commands, "replay", replay)


def _scenario(path: Path, number: str, steps: str) -> Path:
    path.write_text(f"definition: systemledning\ntitle: Äldre ärende\nnumbers: [\"{number}\"]\nopened: \"2021\"\n"
                    f"actor: kansliet\nsteps:\n{steps}", encoding="utf-8")
    return path


GOOD = ('  - {trigger: commission_pre_study, decision: "HSN 2021-01-10 § 3", due: ["report_back=2021-12"]}\n'
        '  - {trigger: commission_pre_study, decision: "KS 2021-02-01 § 4"}\n'
        '  - {trigger: postpone, decision: "HSN 2021-11-16 § 21", due: ["report_back=2022-06"]}\n')


def test_the_demo_scenarios_replay_and_verify(db_url: str, wf_replay: None) -> None:
    cli = Cli(db_url)
    out = cli("replay", str(SCENARIO_DIR / "dorotea.yaml"), str(SCENARIO_DIR / "governo.yaml")).output
    assert "dorotea.yaml: " in out and "governo.yaml: " in out
    assert cli("audit", "verify").exit_code == 0
    with Workflow(db_url) as wf:
        assert wf.case("HSN 501-2023").state == "pilot"


def test_a_file_with_a_refused_step_writes_nothing_of_itself(db_url: str, wf_replay: None, tmp_path: Path) -> None:
    cli = Cli(db_url)
    first = _scenario(tmp_path / "a.yaml", "HSN 1-2021", GOOD)
    cli("replay", str(first))
    before = dump(db_url)
    bad = _scenario(tmp_path / "b.yaml", "HSN 2-2021",
                    GOOD + '  - {trigger: start_pilot, decision: "HSN 2031-01-01 § 9"}\n')  # dated in the future
    after = _scenario(tmp_path / "c.yaml", "HSN 3-2021", GOOD)
    result = cli("replay", str(bad), str(after), code=5)
    assert "b.yaml: step 4" in result.output
    assert dump(db_url) == before  # neither b (rolled back) nor c (not read)
    with Workflow(db_url) as wf:
        assert wf.case("HSN 1-2021").state == "pre_study"


def test_listeners_hear_of_a_batch_after_it_commits_and_never_of_one_rolled_back(wf: Workflow) -> None:
    heard: list[tuple[str, int]] = []
    wf.add_listener(lambda case, entries, _to: heard.append((case.id, entries[-1].seq)))
    with wf.batch():
        case = wf.open_case("systemledning", title="B", numbers=["HSN 5-2021"], effective="2021")
        wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("HSN 2021-01-10 § 3"), "k"))
        wf.add_note(case.id, "inne i satsen")
        assert heard == []
        assert wf.case(case.id).version == 3  # what the batch wrote so far is read inside it
    assert heard == [(case.id, 2), (case.id, 3)]
    heard.clear()
    with pytest.raises(InvalidInput), wf.batch():
        wf.add_note(case.id, "kommer inte att finnas")
        wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("KS 2031-01-01 § 3"), "k"))
    assert heard == [] and wf.case(case.id).version == 3


def test_a_failure_caught_inside_a_batch_still_rolls_it_back(wf: Workflow) -> None:
    case = wf.open_case("systemledning", title="B", numbers=["HSN 6-2021"], effective="2021")
    with pytest.raises(Exception, match="failed"), wf.batch():
        wf.add_note(case.id, "först")
        try:
            wf.advance(case.id, Decision("commission_pre_study", DecisionRef.parse("KS 2031-01-01 § 3"), "k"))
        except InvalidInput:
            pass
    assert wf.case(case.id).version == 1


def test_many_files_in_one_process(db_url: str, wf_replay: None, tmp_path: Path) -> Any:
    files = [str(_scenario(tmp_path / f"s{i}.yaml", f"HSN {100 + i}-2021", GOOD)) for i in range(20)]
    cli = Cli(db_url)
    out = cli("replay", *files).output
    assert out.count("\n") == 20
    assert cli("audit", "verify").exit_code == 0
