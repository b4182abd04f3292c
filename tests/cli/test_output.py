"""What ``wf`` prints for people: tables that fit the terminal, a quiet end when the reader goes,
statements and proposals in words, amounts refused unless they read as kronor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, dump

TODAY = "2026-06-01"


def _widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("columns", [80, 100])
def test_tables_fit_the_terminal_and_ids_are_never_cut(demo: Any, cli: Cli, columns: int) -> None:
    env = {"COLUMNS": str(columns)}
    for lang in ("sv", "en"):
        for args in (("case", "history", "demo-dorotea"), ("case", "history", "demo-governo"),
                     ("case", "show", "demo-dorotea", "--today", TODAY), ("case", "show", "demo-governo")):
            out = cli("--lang", lang, *args, env=env).output
            assert _widest(out) <= columns, f"wf {' '.join(args)} at COLUMNS={columns}:\n{out}"
            # References and dates stay on one line.
            for ref in ("KF 2023-12-04 § 102", "HSN 2024-02-28 § 15", "HSN 2022-09-22 § 142"):
                if ref in cli("--lang", lang, *args, env={"COLUMNS": "1000"}).output:
                    assert ref in out, ref
    # Nothing is lost: every word of the unlimited history is in the wrapped one, in order.
    wide = cli("case", "history", "demo-dorotea", env={"COLUMNS": "1000"}).output
    narrow = cli("case", "history", "demo-dorotea", env=env).output
    def words(text: str) -> list[str]:
        return sorted(w for w in text.split() if w.strip("-"))

    assert words(wide) == words(narrow)


def test_a_table_wraps_its_text_columns_and_not_its_ids(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from workflow_cli.context import table

    monkeypatch.setenv("COLUMNS", "40")
    table(["ID", "TEXT"], [("HSN 2024-02-28 § 15", "a long text that cannot fit in forty columns at all")], wrap=[1])
    lines = capsys.readouterr().out.splitlines()
    assert all(len(x) <= 40 for x in lines), lines
    assert lines[2].startswith("HSN 2024-02-28 § 15  a long text")
    assert " ".join(x[21:].strip() for x in lines[2:]) == "a long text that cannot fit in forty columns at all"
    monkeypatch.delenv("COLUMNS")  # not a terminal: whole lines, for grep
    table(["ID", "TEXT"], [("1", "x " * 100)])
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_a_closed_pipe_ends_wf_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "WF_DATABASE_URL": f"sqlite:///{tmp_path / 'wf.sqlite3'}", "COLUMNS": "80"}
    wf = [sys.executable, "-m", "workflow_cli.main"]
    subprocess.run([*wf, "demo"], env=env, check=True, capture_output=True, timeout=120)
    for args in (["case", "show", "demo-dorotea"], ["case", "history", "demo-dorotea"], ["--help"],
                 ["case", "show", "demo-dorotea", "--json"]):
        # The reader closes its end before wf writes (as `| head -1` does, sooner or later).
        proc = subprocess.Popen([*wf, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        assert proc.wait(timeout=120) == 0, (args, err)
        assert err == b"", err
    head = subprocess.run(f"{sys.executable} -m workflow_cli.main case history demo-dorotea | head -1",
                          shell=True, env=env, capture_output=True, timeout=120)
    assert head.stderr == b"" and head.stdout.count(b"\n") == 1


def test_statements_are_shown_in_the_case_and_its_history(cli: Cli) -> None:
    cli("case", "open", "systemledning", "--title", "Barnperspektiv", "--dnr", "HSN 1-2024", "--date", "2024-01-01")
    cli("case", "advance", "HSN 1-2024", "commission_pre_study", "--decision", "HSN 2024-02-01 § 3",
        "--statement", "child_rights=Barnets bästa har beaktats")
    for lang, label in (("sv", "Hänsyn till barnkonventionen"), ("en", "Consideration of the rights of the child")):
        for args in (("case", "show", "HSN 1-2024"), ("case", "history", "HSN 1-2024")):
            out = " ".join(cli("--lang", lang, *args).output.split())
            assert f"{label}: Barnets bästa har beaktats" in out, out


def test_propose_says_what_it_recorded(cli: Cli) -> None:
    cid = cli("case", "open", "systemledning", "--title", "T", "--dnr", "HSN 1-2024", "--date", "2024-01-01",
              "--json").output
    out = cli("case", "propose", "HSN 1-2024", "--by", "HSN-AU", "--to", "HSN", "--date", "2024-03-01",
              "--meeting", "2024-04-10", "--point", "commission_pre_study:att uppdra").output
    assert " : " not in out and "#2 :" not in out
    first, second = out.splitlines()
    assert first == ("registrerat #2: förslag P1 från HSN-AU till HSN, sammanträdet 10 april 2024: "
                     "Uppdrag om förstudie")
    assert second.startswith("förslag P1 väntar på beslut av HSN") and cid


@pytest.mark.parametrize("amount", ["1.234", "-5", "0", "0,00", "NaN", "Infinity", "1e400", "1.8E+6", "1,8e6",
                                    "10000000000000", "1000000000000.01", "0x10", "+5"])
def test_an_amount_that_does_not_read_as_kronor_exits_5(cli: Cli, amount: str) -> None:
    cli("case", "open", "finansiering", "--title", "T", "--dnr", "HSN 2-2024", "--date", "2022")
    cli("case", "advance", "HSN 2-2024", "grant", "--decision", "HSN 2022-09-22 § 142")
    before = dump(cli.db_url)
    out = cli("case", "advance", "HSN 2-2024", "grant_more", "--decision", "HSN 2023 § 30", "--basis", "U",
              "--amount", amount, code=5).output
    assert out.startswith("error: ") and "amount" in out and out.count("\n") == 1, out
    assert dump(cli.db_url) == before


def test_amounts_are_shown_as_kronor(cli: Cli) -> None:
    cli("case", "open", "finansiering", "--title", "T", "--dnr", "HSN 2-2024", "--date", "2022")
    cli("case", "advance", "HSN 2-2024", "grant", "--decision", "HSN 2022-09-22 § 142")
    out = cli("case", "advance", "HSN 2-2024", "grant_more", "--decision", "HSN 2023 § 30", "--basis", "U",
              "--amount", "1 800 000,50", "--ceiling", "1800000.5").output
    assert "1\u00a0800\u00a0000,50\u00a0kr (högst 1\u00a0800\u00a0000,50\u00a0kr)" in out
    assert "SEK 1,800,000.50 (ceiling SEK 1,800,000.50)" in cli("--lang", "en", "case", "show", "HSN 2-2024").output
