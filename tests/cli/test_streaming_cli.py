"""``wf export``, ``wf import``, ``wf case list`` and ``wf case history`` stream, as the library does.

Each command is run through Click's CliRunner with the in-memory ways of the library
(``export_cases``, ``Workflow.cases``, ``Workflow.history``, reading a whole file) made to
fail, so a command that went back to holding everything fails here.  The oracle for what
they print is the in-memory answer, written as before: ``dumps(export_cases(...))`` and
``json.dumps`` of the lists.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, Clock
from tests.store.test_repository import _tamper
from tests.store.test_streaming import _Pipe
from workflow import Workflow
from workflow.exchange.cases import dumps, export_cases
from workflow.ledger import new_keys


def _as_before(items: list[Any]) -> bytes:
    """What ``--json`` printed when it held the list: one ``json.dumps`` of all of it."""
    return (json.dumps(items, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")


def _held(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the command held the whole list in memory")


@pytest.fixture
def streaming_only(demo: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The demo register with the in-memory answers taken first, then made to fail."""
    expected = {
        "export": dumps(export_cases(demo)),
        "list": _as_before([c.to_json() for c in demo.cases()]),
        "history": _as_before([e.to_json() for e in demo.history("demo-dorotea")]),
    }
    from workflow.exchange import cases as exchange

    monkeypatch.setattr(exchange, "export_cases", _held)
    monkeypatch.setattr(exchange, "dumps", _held)
    monkeypatch.setattr(Workflow, "cases", _held)
    monkeypatch.setattr(Workflow, "history", _held)
    return expected


def test_export_streams_the_same_bytes(streaming_only: dict[str, bytes], cli: Cli, tmp_path: Path) -> None:
    assert cli("export").stdout_bytes == streaming_only["export"]
    out = tmp_path / "cases.json"
    result = cli("export", "-o", str(out))
    assert out.read_bytes() == streaming_only["export"]
    doc = json.loads(streaming_only["export"])
    counts = f"{len(doc['cases'])} case(s), {sum(len(c['entries']) for c in doc['cases'])} entries"
    assert result.stderr == f"wrote {counts} to {out}\n"


def test_case_list_and_history_stream_the_same_json(streaming_only: dict[str, bytes], cli: Cli) -> None:
    assert cli("case", "list", "--json").stdout_bytes == streaming_only["list"]
    assert cli("case", "list", "--format", "json").stdout_bytes == streaming_only["list"]
    assert cli("case", "list", "--state", "no-such-state", "--json").stdout_bytes == b"[]\n"
    assert cli("case", "history", "demo-dorotea", "--json").stdout_bytes == streaming_only["history"]


def test_case_list_and_history_tables_without_the_lists(streaming_only: dict[str, bytes], cli: Cli,
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow_cli import case as case_commands

    given: list[type] = []
    real = case_commands.table

    def spy(headers: Any, rows: Any, **kwargs: Any) -> None:
        given.append(type(rows))
        real(headers, rows, **kwargs)

    monkeypatch.setattr(case_commands, "table", spy)
    listed = cli("case", "list").output
    ids = [c["id"] for c in json.loads(streaming_only["list"])]
    assert [line.split()[0] for line in listed.splitlines()[2:] if line.split()[0] in ids] == ids
    history = cli("case", "history", "demo-dorotea").output
    seqs = [e["seq"] for e in json.loads(streaming_only["history"])]
    assert [int(line.split()[0]) for line in history.splitlines()[2:] if line.split()[0].isdigit()] == seqs
    assert len(given) == 2 and not set(given) & {list, tuple}  # the rows as a stream, not a list made first
    cli("case", "list", "--format", "csv", "-o", str(tmp_path / "cases.csv"))
    assert (tmp_path / "cases.csv").read_bytes().count(b"\r\n") == len(ids) + 1


@pytest.mark.parametrize("columns", ["", "60", "200"])
def test_a_table_spilled_to_a_file_is_the_same(demo: Any, cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                columns: str) -> None:
    """Long tables are measured on the way and kept in a temporary file: the same text as in memory."""
    from workflow_cli import context

    env = {"COLUMNS": columns}
    held = [cli("case", "list", env=env).output, cli("case", "history", "demo-dorotea", env=env).output]
    real = tempfile.TemporaryFile
    spilled: list[Any] = []

    def recorded(*args: Any, **kwargs: Any) -> Any:
        spool = real(*args, **kwargs)
        spilled.append(spool)
        return spool

    monkeypatch.setattr(tempfile, "TemporaryFile", recorded)
    monkeypatch.setattr(context, "HELD_ROWS", 1)
    assert [cli("case", "list", env=env).output, cli("case", "history", "demo-dorotea", env=env).output] == held
    assert len(spilled) == 2 and all(s.closed for s in spilled)


# -- an export that fails leaves what was there -------------------------------------------


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_failed_export_leaves_the_old_file_and_no_temporary_file(demo: Any, cli: Cli, db_url: str,
                                                                   tmp_path: Path, signed: bool) -> None:
    """A case whose log no longer verifies stops the export after others were written: the
    user keeps their earlier export, whole, and finds nothing else in the folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "cases.json"
    target.write_bytes(b"last week's export\n")
    sign: tuple[str, ...] = ()
    if signed:
        private, _public = new_keys()
        (tmp_path / "key.pem").write_bytes(private)
        sign = ("--sign", str(tmp_path / "key.pem"))
    last = max(c.id for c in demo.cases())  # the export goes by case id: the others are written first
    _tamper(db_url, f"UPDATE audit_entries SET actor = 'mallory' WHERE case_id = '{last}' AND seq = 2")
    result = cli("export", "-o", str(target), *sign, code=9)
    assert "not exported" in result.output and result.output.count("\n") == 1
    assert target.read_bytes() == b"last week's export\n"
    assert sorted(os.listdir(folder)) == ["cases.json"]


# -- import from a path and from standard input ---------------------------------------------


class _Stdin(_Pipe):
    """Standard input from a pipe: it cannot seek, and it refuses to be read whole."""

    def readall(self) -> bytes:
        raise AssertionError("standard input was read whole")


@pytest.mark.parametrize("how", ["path", "stdin"])
def test_import_reads_a_path_or_standard_input_as_a_stream(demo: Any, cli: Cli, tmp_path: Path, how: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow_cli import exchange as cli_exchange
    from workflow_cli.main import cli as wf

    path = tmp_path / "cases.json"
    cli("export", "-o", str(path))
    exported = path.read_bytes()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: _held() if p == path else real(p))
    monkeypatch.setattr(cli_exchange, "PROGRESS_THRESHOLD", 0)  # the bars, for a register this small
    other = Cli(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    if how == "path":
        result = other("import", str(path))
    else:
        stdin = io.BufferedReader(_Stdin(exported))
        result = other.runner.invoke(wf, ["--db", other.db_url, "import", "-"], input=stdin)
        assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"imported {len(json.loads(exported)['cases'])} case(s)")
    assert "verifying" in result.stderr and "writing" in result.stderr
    assert other("export").stdout_bytes == exported


def test_an_unreadable_file_is_refused_in_one_line(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    result = cli("import", str(missing), code=5)
    assert result.output == f"error: cannot read {missing}: No such file or directory\n"
    result = cli("import", str(tmp_path), code=5)
    assert result.output == f"error: cannot read {tmp_path}: Is a directory\n"
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.json"
        locked.write_bytes(b"{}")
        locked.chmod(0)
        result = cli("import", str(locked), code=5)
        assert result.output == f"error: cannot read {locked}: Permission denied\n"


def test_import_of_a_file_from_another_register_round_trips(demo: Any, tmp_path: Path) -> None:
    """The oracle is what users see: the imported register lists the same cases and logs."""
    path = tmp_path / "cases.json"
    Cli(demo._db.url)("export", "-o", str(path))
    with Workflow(f"sqlite:///{tmp_path / 'other.sqlite3'}", clock=Clock()) as other:
        Cli(other._db.url)("import", str(path))
        assert [c.to_json() for c in other.cases()] == [c.to_json() for c in demo.cases()]
        assert other.history("demo-dorotea") == demo.history("demo-dorotea")


def test_case_list_writes_json_to_the_file_it_is_given_and_refuses_a_table_there(demo: Any, cli: Cli,
                                                                                 tmp_path: Path) -> None:
    """``-o FILE`` is honoured for every format that is a file: JSON lands in the file (the bytes it
    prints), a table -- text for a terminal -- is refused with the formats to use, and nothing is written."""
    printed = cli("case", "list", "--json").output
    target = tmp_path / "cases.json"
    cli("case", "list", "--format", "json", "-o", str(target))
    assert target.read_text(encoding="utf-8") == printed and json.loads(printed)
    cli("case", "list", "--json", "-o", str(tmp_path / "again.json"))
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == printed
    refused = cli("case", "list", "-o", str(tmp_path / "cases.txt"), code=5).output
    assert "--format json, csv or xlsx" in refused and not (tmp_path / "cases.txt").exists()
