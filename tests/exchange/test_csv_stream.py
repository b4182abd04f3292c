"""Case lists written as a stream are the tables that were built whole.

The oracle is the in-memory writer these tables had before they streamed, spelled out
here: every row in a list, ``csv.writer`` over one string, an .xlsx workbook built cell
by cell in openpyxl's ordinary mode; every opening date read from the case's own history.
The stream is read from :meth:`Workflow.iter_cases` with small pages, small chunks and
few rows held, so that page boundaries, chunk boundaries and the spilled rows are crossed.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import openpyxl
import pytest

from workflow import Decision, DecisionRef, DueSpec
from workflow.exchange import csv_io
from workflow.exchange.csv_io import (
    _text,
    case_table,
    iter_case_table,
    opening_date,
    table_bytes,
    write_table,
)

TODAY = dt.date(2027, 1, 1)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Pages of 7 cases, CSV written a row at a time, at most 10 rows held: the files spilled are kept."""
    monkeypatch.setattr(csv_io, "PAGE", 7)
    monkeypatch.setattr(csv_io, "_CHUNK", 1)
    monkeypatch.setattr(csv_io, "HELD_ROWS", 10)
    real, spilled = tempfile.TemporaryFile, []

    def recorded(*args: Any, **kwargs: Any) -> Any:
        spilled.append(real(*args, **kwargs))
        return spilled[-1]

    monkeypatch.setattr(tempfile, "TemporaryFile", recorded)
    return spilled


TITLES = ["Gemensam systemledning", "Semikolon; och komma, i rubriken", 'Citat "så här"', "Apostrof 's",
          "=SUMMA(1;2)", "-minus först", "+plus", "@snabel", "Åäö ÅÄÖ é ü", "Lång rubrik " + "x" * 70]


@pytest.fixture
def register(demo: Any) -> Any:
    """The demo (6 cases) and 300 generated ones: two processes, dates whole and partial, due dates open, met and
    overdue, several diary numbers, titles that need quoting, escaping or an apostrophe."""
    with demo.batch():
        for i in range(300):
            process = "utredning" if i % 2 else "finansiering"
            numbers = [f"GEN {i}-2026"] + ([f"KS-2026-{i:04d}"] if i % 5 == 0 else [])
            effective = [None, "2021", "2022-05", f"2023-04-{1 + i % 28:02d}"][i % 4]
            c = demo.open_case(process, title=f"{TITLES[i % len(TITLES)]} {i}", numbers=numbers,
                               effective=effective, actor="registrator")
            if process == "utredning" and i % 3:
                due = f"report_back={['2026-06', '2027-09', '2026-11-15', '2028'][i % 4]}"
                demo.advance(c.id, Decision("postpone", DecisionRef.parse(f"HSN 2025-02-03 § {i}"),
                                            due=(DueSpec.parse(due),)))
                if i % 7 == 0:
                    demo.advance(c.id, Decision("close", DecisionRef.parse(f"HSN 2025-03-03 § {i}")))
    return demo


# -- the oracle: the table built whole, as before ---------------------------------------------


def _whole_table(wf: Any, lang: str | None = None) -> tuple[list[str], list[list[Any]]]:
    cases = list(wf.iter_cases())
    opened = {c.id: opening_date(c, wf.history(c)) for c in cases}
    return case_table(cases, TODAY, opened=opened, wf=wf, lang=lang)


def _csv_as_before(headers: Sequence[str], rows: Sequence[Sequence[Any]], delimiter: str = ";",
                   lang: str | None = None) -> bytes:
    def cell(v: Any) -> str:
        s = _text(v, lang)
        return "'" + s if s.startswith(("=", "+", "-", "@", "\t", "\r")) else s

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([[cell(v) for v in r] for r in [headers, *rows]])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xlsx_as_before(headers: Sequence[str], rows: Sequence[Sequence[Any]], lang: str | None = None) -> bytes:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Tabell" if (lang or "sv") == "sv" else "Table"
    widths = [len(h) for h in headers]
    for c, h in enumerate(headers, 1):
        ws.cell(row=1, column=c, value=h).font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for c, v in enumerate(row, 1):
            if v is None:
                continue
            cell = ws.cell(row=r, column=c, value=v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v)
            if isinstance(v, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(v, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif not isinstance(v, bool | int | float):
                cell.value, cell.data_type = str(v), "s"
            widths[c - 1] = max(widths[c - 1], min(len(_text(v, lang)), 60))
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _what_a_user_sees(data: bytes) -> dict[str, Any]:
    """Every cell (value, type, number format, bold), the widths, the frozen pane, the filter, the size."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws is not None
    size = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return {
        "title": ws.title, "frozen": ws.freeze_panes, "filter": ws.auto_filter.ref,
        "size": (size.max_row, size.max_column),  # type: ignore[union-attr]
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        "cells": [[(c.value, c.data_type, c.number_format, c.font.b) for c in r] for r in ws.iter_rows()],
    }


# -- the same bytes, the same cells ------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "lang"), [(";", None), (",", None), (";", "en")])
def test_csv_written_as_a_stream_is_the_same_bytes(register: Any, small_pages: list[Any], delimiter: str,
                                                   lang: str | None) -> None:
    headers, rows = _whole_table(register, lang)
    assert len(rows) == 306 and {r[9] for r in rows} >= {"2021", "2022-05", dt.date(2023, 4, 4)}
    out = io.BytesIO()
    streamed_headers, streamed = iter_case_table(register.iter_cases(), TODAY, wf=register, lang=lang)
    assert write_table(out, streamed_headers, streamed, "csv", delimiter=delimiter, lang=lang) == 306
    assert out.getvalue() == _csv_as_before(headers, rows, delimiter, lang)
    assert table_bytes(headers, rows, "csv", delimiter=delimiter, lang=lang) == out.getvalue()
    assert not small_pages  # CSV holds nothing to read again


@pytest.mark.parametrize("lang", [None, "en"])
def test_xlsx_written_as_a_stream_shows_the_same_cells(register: Any, small_pages: list[Any],
                                                       lang: str | None) -> None:
    headers, rows = _whole_table(register, lang)
    out = io.BytesIO()
    streamed_headers, streamed = iter_case_table(register.iter_cases(), TODAY, wf=register, lang=lang)
    assert write_table(out, streamed_headers, streamed, "xlsx", lang=lang) == 306
    seen = _what_a_user_sees(out.getvalue())
    assert seen == _what_a_user_sees(_xlsx_as_before(headers, rows, lang))
    assert seen["size"] == (307, 12) and seen["frozen"] == "A2" and seen["filter"] == "A1:L307"
    assert len(small_pages) == 1 and small_pages[0].closed  # the rows past the tenth waited in a file


def test_a_short_table_is_held_in_memory(demo: Any, small_pages: list[Any]) -> None:
    headers, rows = _whole_table(demo)
    assert _what_a_user_sees(table_bytes(headers, rows, "xlsx")) == _what_a_user_sees(_xlsx_as_before(headers, rows))
    assert not small_pages


def test_cells_come_back_from_the_spilled_rows_as_they_went_in(small_pages: list[Any]) -> None:
    moment = dt.datetime(2026, 3, 23, 9, 30, 5, tzinfo=dt.UTC)
    row = ["=1+1", "", 7, 0.1, True, False, None, dt.date(2026, 2, 28), moment, decimal.Decimal("1.50"), "rad\nrad"]
    headers = [f"k{i}" for i in range(len(row))]
    rows = [row] * 25
    assert _what_a_user_sees(table_bytes(headers, rows, "xlsx")) == _what_a_user_sees(_xlsx_as_before(headers, rows))
    assert len(small_pages) == 1


def test_an_empty_list(wf: Any) -> None:
    headers, rows = iter_case_table(wf.iter_cases(), TODAY, wf=wf)
    assert table_bytes(headers, rows, "csv") == _csv_as_before(headers, [])
    headers, rows = iter_case_table(wf.iter_cases(), TODAY, wf=wf)
    assert _what_a_user_sees(table_bytes(headers, rows, "xlsx")) == _what_a_user_sees(_xlsx_as_before(headers, []))


# -- a page at a time ---------------------------------------------------------------------------


def test_the_opening_dates_are_read_a_page_at_a_time(register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The logs are asked for a page of cases at a time, as the rows are taken, never for all."""
    monkeypatch.setattr(csv_io, "PAGE", 50)
    real, asked = register.logs, []

    def logs(ids: Any, **kwargs: Any) -> Any:
        asked.append(list(ids))
        return real(asked[-1], **kwargs)

    monkeypatch.setattr(register, "logs", logs)
    taken = []

    def cases() -> Iterator[Any]:
        for c in register.iter_cases():
            taken.append(c.id)
            yield c

    _headers, rows = iter_case_table(cases(), TODAY, wf=register)
    first = next(rows)
    assert first[0] == taken[0] and len(taken) == 50 and asked == [taken]
    rest = list(rows)
    assert [len(a) for a in asked] == [50] * 6 + [6] and len(rest) == 305
    assert [first, *rest] == _whole_table(register)[1]
