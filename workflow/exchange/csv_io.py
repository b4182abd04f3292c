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

Headings and words are in the reader's language (:mod:`workflow.i18n`);
states, processes and due dates by their labels, never their ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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


# -- bytes ------------------------------------------------------------------------------


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


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";",
              lang: str | None = None) -> bytes:
    """A header row and data rows as UTF-8-with-BOM CSV bytes, ``;`` between fields unless told otherwise."""
    if delimiter not in SEPARATORS:
        raise ValueError(f"separator must be one of {' '.join(SEPARATORS)}, not {delimiter!r}")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_cell(h, lang) for h in headers])
    for row in rows:
        writer.writerow([_cell(v, lang) for v in row])
    return (BOM + buf.getvalue()).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, lang: str | None = None) -> bytes:
    """The same table as an .xlsx workbook of one sheet: a bold, frozen, filterable heading row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("Table", lang)
    widths = [len(str(h)) for h in headers]
    for c, h in enumerate(headers, 1):
        ws.cell(row=1, column=c, value=_text(h, lang)).font = Font(bold=True)
    n = 1
    for n, row in enumerate(rows, 2):
        for c, value in enumerate(row, 1):
            cell = ws.cell(row=n, column=c)
            if value is None:
                continue
            if isinstance(value, bool | int | float):
                cell.value = value
            elif isinstance(value, dt.datetime):
                cell.value = value.replace(tzinfo=None)
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.value = str(value)
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
            if c <= len(widths):
                widths[c - 1] = max(widths[c - 1], min(len(_text(value, lang)), 60))
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w + 2
    ws.freeze_panes = "A2"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(n, 1)}"
    wb.properties.creator = "kansli-workflow"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_bytes(headers: list[str], rows: list[list[object]], fmt: str, *, delimiter: str = ";",
                lang: str | None = None) -> bytes:
    """A table as ``csv`` (UTF-8 with BOM, ``delimiter`` between fields) or ``xlsx`` bytes.

    Cells may be text, numbers, booleans (``ja``/``nej`` in CSV), dates and
    date-times (ISO in CSV, typed in .xlsx) or None (empty).
    """
    if fmt == "csv":
        return csv_bytes(headers, rows, delimiter=delimiter, lang=lang)
    if fmt == "xlsx":
        return xlsx_bytes(headers, rows, lang=lang)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


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


def case_table(cases: Iterable[Case], today: dt.date | None = None, *, wf: "Workflow | None" = None,
               opened: Mapping[str, str] | None = None, lang: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Headings and rows of a case list: one row per case, with its next open due date.

    The opening date is the case's as its log gives it: from ``opened`` (case
    id -> date) if given, else read from the logs through ``wf``; only without
    either is it the day the case was entered.
    """
    lang, day, cases = language(lang), today or dt.date.today(), list(cases)
    if opened is None and wf is not None:
        opened = opening_dates(wf, cases)
    labels = _Labels(wf, lang)
    headers = [t(h, lang) for h in ("Case id", "Diary numbers", "Process", "Process version", "State", "Title",
                                     "Next due date", "Date", "Overdue", "Opened", "Last changed", "Version")]
    rows = []
    for c in cases:
        open_dues = [d for d in _dues(c, day) if d["status"] == "open"]
        nxt = min(open_dues, key=lambda d: (d["due_on"], d["name"])) if open_dues else None
        rows.append([
            c.id, ", ".join(n.number for n in c.numbers), labels.process(c), c.definition_version,
            labels.state(c), c.title, labels.due(c, nxt["name"]) if nxt else None,
            _date_cell(nxt["date"]) if nxt else None, nxt["overdue"] if nxt else None,
            _date_cell((opened or {}).get(c.id) or opening_date(c)), _moment(c.updated_at), c.version,
        ])
    return headers, rows


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
