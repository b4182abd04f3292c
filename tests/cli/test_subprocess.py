"""``wf`` as a real process: exit codes, and what start-up imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

WF = Path(sys.executable).with_name("wf")


def run(*args: str, db: str | None = None, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if db:
        env["WF_DATABASE_URL"] = db
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "workflow_cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def imported(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_console_script_is_installed() -> None:
    result = subprocess.run([str(WF), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Exit codes" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["definitions", "list"], ["definitions", "show", "systemledning"]])
def test_commands_that_do_not_touch_the_database_do_not_import_sqlalchemy(args: list[str]) -> None:
    result = run(*args, importtime=True)
    assert result.returncode == 0, result.stderr[-500:]
    mods = imported(result)
    assert "click" in mods
    assert not mods & {"sqlalchemy", "alembic", "graphviz", "psycopg"}, mods & {"sqlalchemy", "alembic", "graphviz"}


def test_database_commands_import_no_graphviz_and_report_errors_in_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'wf.sqlite3'}"
    assert run("demo", db=db).returncode == 0
    shown = run("case", "show", "HSN 501-2023", db=db, importtime=True)
    assert shown.returncode == 0 and "pilot" in shown.stdout
    assert "sqlalchemy" in imported(shown) and "graphviz" not in imported(shown)
    missing = run("case", "show", "HSN 1-1999", db=db)
    assert missing.returncode == 3
    assert missing.stderr == "error: no case with id or diary number 'HSN 1-1999'\n"
    refused = run("case", "advance", "HSN 501-2023", "start_pilot", "--decision", "HSN 2024-02-28 § 15", db=db)
    assert refused.returncode == 4 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    usage = run("case", "advance", db=db)
    assert usage.returncode == 2
