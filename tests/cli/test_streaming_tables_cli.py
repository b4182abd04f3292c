"""``wf case list --format csv|xlsx`` and ``wf export --format csv|xlsx`` stream, as their JSON does.

Run through Click's CliRunner with :meth:`Workflow.cases` made to fail and
:meth:`Workflow.iter_cases` watched: CSV rows reach the output while cases are still being
read; an .xlsx file is measured on the way (its column widths come first) with the rows past
the first held in a temporary file.  The oracle for what they write is the table built whole,
as before (:mod:`tests.exchange.test_csv_stream`): the same CSV bytes, the same cells.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.exchange.test_csv_stream import _csv_as_before, _what_a_user_sees, _xlsx_as_before
from workflow import Workflow
from workflow.exchange import csv_io
from workflow.exchange.csv_io import case_table

TODAY = "2027-01-01"
COMMANDS = {
    "case list": ("case", "list", "--today", TODAY),
    "export": ("export",),
}


class _Watched:
    """An output whose writes are noted among the cases read."""

    def __init__(self, out: Any, events: list[str]) -> None:
        self._out, self._events = out, events

    def write(self, data: bytes) -> int:
        self._events.append("write")
        return int(self._out.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


@pytest.fixture
def watched(demo: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The demo's case lists as they were built whole, taken first; then ``Workflow.cases`` and the
    in-memory table builders fail, every case ``iter_cases`` gives and every write to the output is
    noted, a page is one case, CSV is written a row at a time and an .xlsx table holds one row in memory."""
    from workflow_cli import exchange

    expected = {
        "case list": case_table(demo.cases(), dt.date.fromisoformat(TODAY), wf=demo),
        "export": case_table(demo.cases(), wf=demo),
    }
    events: list[str] = []
    spilled: list[Any] = []
    iter_cases, opened_output, temporary = Workflow.iter_cases, exchange.opened_output, tempfile.TemporaryFile

    def cases(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the command held the whole list in memory")

    def each(self: Workflow, **kwargs: Any) -> Iterator[Any]:
        for c in iter_cases(self, **kwargs):
            events.append("case")
            yield c

    @contextlib.contextmanager
    def output(path: str) -> Iterator[Any]:
        with opened_output(path) as out:
            yield _Watched(out, events)

    def spool(*args: Any, **kwargs: Any) -> Any:
        spilled.append(temporary(*args, **kwargs))
        return spilled[-1]

    monkeypatch.setattr(Workflow, "cases", cases)
    monkeypatch.setattr(csv_io, "case_table", cases)  # the rows in a list
    monkeypatch.setattr(csv_io, "table_bytes", cases)  # the file in memory
    monkeypatch.setattr(Workflow, "iter_cases", each)
    monkeypatch.setattr(exchange, "opened_output", output)
    monkeypatch.setattr(tempfile, "TemporaryFile", spool)
    monkeypatch.setattr(csv_io, "PAGE", 1)
    monkeypatch.setattr(csv_io, "_CHUNK", 1)
    monkeypatch.setattr(csv_io, "HELD_ROWS", 1)
    return {"expected": expected, "events": events, "spilled": spilled}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("to", ["file", "stdout"])
def test_csv_rows_are_written_as_the_cases_are_read(watched: dict[str, Any], cli: Cli, tmp_path: Path,
                                                     command: str, to: str) -> None:
    headers, rows = watched["expected"][command]
    path = tmp_path / "cases.csv"
    result = cli(*COMMANDS[command], "--format", "csv", *(("-o", str(path)) if to == "file" else ()))
    written = path.read_bytes() if to == "file" else result.stdout_bytes
    assert written == _csv_as_before(headers, rows)
    events = watched["events"]
    assert events.count("case") == len(rows) == 6
    assert events.index("write") < len(events) - 1 - events[::-1].index("case")  # a row out before the last case in
    assert not watched["spilled"]
    if command == "export" and to == "file":
        assert result.stderr == f"skrev 6 ärende(n) till {path}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_xlsx_shows_the_cells_it_showed(watched: dict[str, Any], cli: Cli, tmp_path: Path, command: str) -> None:
    headers, rows = watched["expected"][command]
    path = tmp_path / "cases.xlsx"
    cli(*COMMANDS[command], "--format", "xlsx", "-o", str(path))
    assert _what_a_user_sees(path.read_bytes()) == _what_a_user_sees(_xlsx_as_before(headers, rows))
    assert watched["events"].count("case") == 6
    assert len(watched["spilled"]) == 1 and watched["spilled"][0].closed  # five of the six rows waited in a file


def test_export_of_named_cases_as_a_table(demo: Any, cli: Cli) -> None:
    headers, rows = case_table([demo.case("demo-governo"), demo.case("demo-dorotea")], wf=demo)
    assert cli("export", "demo-governo", "demo-dorotea", "demo-governo", "--format", "csv",
               "--separator", ",").stdout_bytes == _csv_as_before(headers, rows, ",")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_list_that_fails_on_the_way_leaves_the_old_file(demo: Any, cli: Cli, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, command: str,
                                                          fmt: str) -> None:
    from workflow.core.errors import InvalidInput

    iter_cases = Workflow.iter_cases

    def failing(self: Workflow, **kwargs: Any) -> Iterator[Any]:
        stream = iter_cases(self, **kwargs)
        yield next(stream)
        yield next(stream)
        raise InvalidInput("the database went away")

    monkeypatch.setattr(Workflow, "iter_cases", failing)
    monkeypatch.setattr(csv_io, "PAGE", 1)
    monkeypatch.setattr(csv_io, "_CHUNK", 1)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"cases.{fmt}"
    target.write_bytes(b"last week's list\n")
    result = cli(*COMMANDS[command], "--format", fmt, "-o", str(target), code=None)
    assert result.exit_code != 0 and "the database went away" in result.output
    assert target.read_bytes() == b"last week's list\n"
    assert os.listdir(folder) == [target.name]
