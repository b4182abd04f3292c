"""Case lists and due dates as tables a spreadsheet opens as they are: CSV and .xlsx.

CSV: UTF-8 with a byte-order mark (Excel reads a BOM-less file in the local
8-bit code page, and LibreOffice's import dialog guesses from it), fields
separated by ``;`` -- what a Swedish Excel expects, since its decimal sign is
the comma -- with ``,`` on request, and CRLF line ends (RFC 4180).  A cell
that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading apostrophe, so a title like ``=HYPERLINK(...)`` is shown as
text instead of being run as a formula (CSV injection).

.xlsx (openpyxl): the same table with typed cells -- a full date is a date,
a partial one (``2027-09``) stays text, yes/no are booleans -- and every text
cell written as text, so a title starting with ``=`` is never a formula.

Both are written to a binary stream as the rows come (:func:`write_table`), so
a list of every case in a register is never held; :func:`table_bytes` is the
same for a table small enough to keep in memory.

Headings and words are in the reader's language (:mod:`workflow.i18n`);
states, processes and due dates by their labels, never their ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, BinaryIO

from workflow.core.audit import Entry
from workflow.core.case import Case
from workflow.core.decisions import PartialDate
from workflow.core.definition import Definition
from workflow.i18n import language, t

if TYPE_CHECKING:
    from workflow.api import Workflow

BOM = "\ufeff"
FORMATS = ("csv", "xlsx")
SEPARATORS = (";", ",")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- writing ----------------------------------------------------------------------------


HELD_ROWS = 5_000
"""Rows of an .xlsx table kept in memory while its column widths are measured; beyond them, in a temporary file."""

_CHUNK = 64 * 1024
"""About how much CSV text is gathered before it is written out."""


def _text(value: Any, lang: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("yes", lang) if value else t("no", lang)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell(value: Any, lang: str | None = None) -> str:
    text = _text(value, lang)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(out: BinaryIO, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";",
              lang: str | None = None) -> int:
    """Write a header row and data rows to ``out`` as UTF-8-with-BOM CSV, a row at a time, ``;`` between
    fields unless told otherwise; the number of data rows written.

    The rows may be a stream of any length: a chunk of text is held, never the table.
    """
    if delimiter not in SEPARATORS:
        raise ValueError(f"separator must be one of {' '.join(SEPARATORS)}, not {delimiter!r}")
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_cell(h, lang) for h in headers])
    n = 0
    for row in rows:
        writer.writerow([_cell(v, lang) for v in row])
        n += 1
        if buf.tell() >= _CHUNK:
            out.write(buf.getvalue().encode("utf-8"))
            buf.seek(0)
            buf.truncate()
    out.write(buf.getvalue().encode("utf-8"))
    return n


def write_xlsx(out: BinaryIO, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               lang: str | None = None) -> int:
    """Write the same table to ``out`` as an .xlsx workbook of one sheet -- a bold, frozen, filterable
    heading row, columns as wide as their widest cell (at most 60) -- and return the number of data rows.

    The columns' widths come before the rows in the file, so every row is read before the first is
    written: up to :data:`HELD_ROWS` of them in memory, the rest in a temporary file; the sheet is
    then written a row at a time (openpyxl's write-only mode).  ``out`` need not be seekable.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths = [len(str(h)) for h in headers]
    with _Rows() as kept:
        for row in rows:
            for c, value in enumerate(row[:len(widths)]):
                if value is not None:
                    widths[c] = max(widths[c], min(len(_text(value, lang)), 60))
            kept.add(row)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(t("Table", lang))
        last = f"{get_column_letter(max(len(headers), 1))}{len(kept) + 1}"
        # The sheet's size, written before its rows as a sheet built in memory has it: readers that
        # stream (openpyxl's read-only mode) take the number of rows from it.
        ws.calculate_dimension = lambda: f"A1:{last}"
        for c, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = w + 2
        ws.freeze_panes = "A2"
        bold = Font(bold=True)

        def heading(h: str) -> WriteOnlyCell:
            cell = WriteOnlyCell(ws, _text(h, lang))
            cell.font = bold
            return cell

        def typed(value: Any) -> Any:
            if value is None or isinstance(value, bool | int | float):
                return value
            if isinstance(value, dt.datetime):
                cell = WriteOnlyCell(ws, value.replace(tzinfo=None))
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value)
                cell.number_format = "yyyy-mm-dd"
            else:
                cell = WriteOnlyCell(ws, str(value))
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
            return cell

        ws.append([heading(h) for h in headers])
        for row in kept:
            ws.append([typed(v) for v in row])
        if headers:
            ws.auto_filter.ref = f"A1:{last}"
        wb.properties.creator = "kansli-workflow"
        wb.save(out)
    return len(kept)


class _Rows:
    """Rows kept to be read again once: in memory up to :data:`HELD_ROWS`, beyond that in a temporary
    file, one JSON array a line, dates and date-times tagged so that they come back as they went in."""

    def __init__(self) -> None:
        self._held: list[Sequence[Any]] = []
        self._file: Any = None
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __enter__(self) -> _Rows:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def add(self, row: Sequence[Any]) -> None:
        self._count += 1
        if self._file is not None:
            self._file.write(_row_line(row))
            return
        self._held.append(row)
        if len(self._held) > HELD_ROWS:
            import tempfile  # not for a short table

            self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
            self._file.writelines(map(_row_line, self._held))
            self._held = []

    def __iter__(self) -> Iterator[Sequence[Any]]:
        if self._file is None:
            yield from self._held
            return
        self._file.seek(0)
        for line in self._file:
            yield [_untagged(v) for v in json.loads(line)]


def _tagged(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value if value is None or isinstance(value, str | bool | int | float) else str(value)


def _untagged(value: Any) -> Any:
    if isinstance(value, dict):
        return dt.datetime.fromisoformat(value["t"]) if "t" in value else dt.date.fromisoformat(value["d"])
    return value


def _row_line(row: Sequence[Any]) -> str:
    return json.dumps([_tagged(v) for v in row], ensure_ascii=False) + "\n"


def write_table(out: BinaryIO, headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, *,
                delimiter: str = ";", lang: str | None = None) -> int:
    """Write a table to ``out`` as ``csv`` (:func:`write_csv`) or ``xlsx`` (:func:`write_xlsx`); the number
    of data rows.

    Cells may be text, numbers, booleans (``ja``/``nej`` in CSV), dates and
    date-times (ISO in CSV, typed in .xlsx) or None (empty).
    """
    if fmt == "csv":
        return write_csv(out, headers, rows, delimiter=delimiter, lang=lang)
    if fmt == "xlsx":
        return write_xlsx(out, headers, rows, lang=lang)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def table_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, *, delimiter: str = ";",
                lang: str | None = None) -> bytes:
    """:func:`write_table` as bytes, for a table small enough to hold (a web response, a test)."""
    buf = io.BytesIO()
    write_table(buf, headers, rows, fmt, delimiter=delimiter, lang=lang)
    return buf.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";",
              lang: str | None = None) -> bytes:
    """:func:`write_csv` as bytes."""
    return table_bytes(headers, rows, "csv", delimiter=delimiter, lang=lang)


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, lang: str | None = None) -> bytes:
    """:func:`write_xlsx` as bytes."""
    return table_bytes(headers, rows, "xlsx", lang=lang)


# -- what the tables say ------------------------------------------------------------------


def opening_date(case: Case, entries: Sequence[Entry] = ()) -> str:
    """The day the case was opened as its log gives it (the ``opened`` entry's date, possibly
    partial: ``2022``), else the day it was entered."""
    first = entries[0] if entries else None
    if first is not None and first.kind == "opened" and first.effective:
        return first.effective
    return case.opened_at[:10]


def _date_cell(value: str | None) -> dt.date | str | None:
    """A full date as a date (a spreadsheet's date cell), a partial one as its text."""
    if not value:
        return None
    try:
        p = PartialDate.parse(value)
    except Exception:
        return value
    return p.first_day() if p.is_full else str(p)


def _moment(value: str) -> dt.datetime | str:
    """An entered-at timestamp (UTC) in this machine's local time, without a zone, as spreadsheets show them."""
    try:
        return dt.datetime.fromisoformat(value).astimezone().replace(tzinfo=None, microsecond=0)
    except ValueError:
        return value


class _Labels:
    """Definitions of the cases, looked up once each, for labels instead of ids."""

    def __init__(self, wf: "Workflow | None", lang: str) -> None:
        self.wf, self.lang = wf, lang
        self._found: dict[tuple[str, int], Definition | None] = {}

    def definition(self, case: Case) -> Definition | None:
        key = (case.definition_id, case.definition_version)
        if key not in self._found:
            try:
                if self.wf is not None:
                    self._found[key] = self.wf.definition_of(case)
                else:
                    from workflow.registry import default_registry

                    self._found[key] = default_registry().get(*key)
            except Exception:  # unknown here: ids stand in for labels
                self._found[key] = None
        return self._found[key]

    def process(self, case: Case) -> str:
        d = self.definition(case)
        return d.label.get(self.lang) if d is not None else case.definition_id

    def state(self, case: Case) -> str:
        from workflow.core.present import state_label

        return state_label(self.definition(case), case.state, self.lang)

    def due(self, case: Case, name: str) -> str:
        from workflow.core.present import due_label

        return due_label(self.definition(case), name, self.lang)


def _dues(case: Case, today: dt.date) -> list[dict[str, Any]]:
    from workflow.core.present import due_rows

    return due_rows(case, today)


def opening_dates(wf: "Workflow", cases: Iterable[Case]) -> dict[str, str]:
    """Each case's opening date from its log, by case id (:func:`opening_date`)."""
    ids = [c.id for c in cases]
    return {log[0].id: opening_date(log[0], log[1]) for log in wf.logs(ids)} if ids else {}


PAGE = 500
"""Cases whose opening dates are read from their logs in one go, as a case list is written."""

_CASE_HEADINGS = ("Case id", "Diary numbers", "Process", "Process version", "State", "Title", "Next due date",
                  "Date", "Overdue", "Opened", "Last changed", "Version")


def iter_case_table(cases: Iterable[Case], today: dt.date | None = None, *, wf: "Workflow | None" = None,
                    opened: Mapping[str, str] | None = None,
                    lang: str | None = None) -> tuple[list[str], Iterator[list[Any]]]:
    """Headings and rows of a case list, one row per case, with its next open due date: the rows as a
    stream, for a stream of cases (:meth:`Workflow.iter_cases <workflow.api.Workflow.iter_cases>`).

    The opening date is the case's as its log gives it: from ``opened`` (case
    id -> date) if given, else read from the logs through ``wf``, a page of
    :data:`PAGE` cases at a time; only without either is it the day the case
    was entered.  The logs are read whole (the ``opened`` entry is the first
    of each): a page of them is held, never all.
    """
    lang = language(lang)
    return [t(h, lang) for h in _CASE_HEADINGS], _case_rows(cases, today or dt.date.today(), wf, opened, lang)


def _case_rows(cases: Iterable[Case], day: dt.date, wf: "Workflow | None", opened: Mapping[str, str] | None,
               lang: str) -> Iterator[list[Any]]:
    labels = _Labels(wf, lang)
    stream = iter(cases)
    while page := list(islice(stream, PAGE)):
        dates = opened if opened is not None else opening_dates(wf, page) if wf is not None else {}
        for c in page:
            open_dues = [d for d in _dues(c, day) if d["status"] == "open"]
            nxt = min(open_dues, key=lambda d: (d["due_on"], d["name"])) if open_dues else None
            yield [
                c.id, ", ".join(n.number for n in c.numbers), labels.process(c), c.definition_version,
                labels.state(c), c.title, labels.due(c, nxt["name"]) if nxt else None,
                _date_cell(nxt["date"]) if nxt else None, nxt["overdue"] if nxt else None,
                _date_cell(dates.get(c.id) or opening_date(c)), _moment(c.updated_at), c.version,
            ]


def case_table(cases: Iterable[Case], today: dt.date | None = None, *, wf: "Workflow | None" = None,
               opened: Mapping[str, str] | None = None, lang: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """:func:`iter_case_table` with its rows in a list."""
    headers, rows = iter_case_table(cases, today, wf=wf, opened=opened, lang=lang)
    return headers, list(rows)


def cases_csv(cases: Iterable[Case], today: dt.date | None = None, *, wf: "Workflow | None" = None,
              opened: Mapping[str, str] | None = None, delimiter: str = ";", lang: str | None = None) -> bytes:
    """:func:`case_table` as CSV bytes."""
    headers, rows = case_table(cases, today, wf=wf, opened=opened, lang=lang)
    return csv_bytes(headers, rows, delimiter=delimiter, lang=lang)


def due_table(cases: Iterable[Case], today: dt.date | None = None, *, only_open: bool = False,
              wf: "Workflow | None" = None, lang: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Headings and rows of every due date (bevakning) of each case, earliest first.

    ``Date`` is the date as decided, possibly partial (``2027-09``); ``Due on``
    is the last day it covers, which is what "overdue" is measured against.
    """
    from workflow.exchange.ical import due_when

    lang, day = language(lang), today or dt.date.today()
    labels = _Labels(wf, lang)
    status = {"open": t("open", lang), "met": t("met", lang), "closed": t("closed", lang)}
    headers = [t(h, lang) for h in ("Case id", "Diary numbers", "Process", "State", "Title", "Due date", "Date",
                                     "When", "Due on", "Due status", "Overdue", "Reference")]
    rows = []
    for c in cases:
        for d in _dues(c, day):
            if only_open and d["status"] != "open":
                continue
            rows.append([
                c.id, ", ".join(n.number for n in c.numbers), labels.process(c), labels.state(c), c.title,
                labels.due(c, d["name"]), _date_cell(d["date"]), due_when(d["date"], d["meeting"], lang),
                dt.date.fromisoformat(d["due_on"]), status.get(d["status"], d["status"]), d["overdue"],
                d["reference"],
            ])
    rows.sort(key=lambda r: (r[8], r[0], r[5]))
    return headers, rows


def due_rows_csv(cases: Iterable[Case], today: dt.date | None = None, *, only_open: bool = False,
                 wf: "Workflow | None" = None, delimiter: str = ";", lang: str | None = None) -> bytes:
    """:func:`due_table` as CSV bytes."""
    headers, rows = due_table(cases, today, only_open=only_open, wf=wf, lang=lang)
    return csv_bytes(headers, rows, delimiter=delimiter, lang=lang)
