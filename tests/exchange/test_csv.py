"""Tables for spreadsheets, read back as the programs people open them with read them.

CSV: UTF-8 with a BOM (so Excel and LibreOffice's import take it as UTF-8:
å, ä and ö intact), ``;`` between fields as a Swedish Excel expects, read
back with Python's csv module told ``;``.  .xlsx: read back with openpyxl,
the library LibreOffice-free tools use to open Excel files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from workflow.exchange.csv_io import case_table, cases_csv, due_rows_csv, table_bytes

BOM = b"\xef\xbb\xbf"



def _rows(data: bytes, delimiter: str = ";") -> list[dict[str, str]]:
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def _sheet(data: bytes) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


def test_cases_csv_is_swedish_semicolon_separated_with_the_opening_dates_of_the_log(demo: Any) -> None:
    data = cases_csv(demo.cases(), dt.date(2026, 3, 23), wf=demo)
    assert data.startswith(BOM + "Ärende-id;Diarienummer;Ärendetyp;Processversion;".encode())
    by_id = {r["Ärende-id"]: r for r in _rows(data)}
    dorotea = by_id["demo-dorotea"]
    assert dorotea["Diarienummer"] == "HSN 501-2023, KS-2023-0136-106"
    assert dorotea["Rubrik"] == "Gemensam systemledning i Dorotea"
    assert dorotea["Ärendetyp"] == "Gemensam systemledning" and dorotea["Status"] == "Pilotprojekt"
    assert dorotea["Nästa bevakning"] == "Pilotperiodens slut" and dorotea["Försenad"] == "nej"
    # Opened as the log says (seed: 2023; 2022), not the day the demo was entered (2026-03-23).
    assert dorotea["Öppnat"] == "2023" and by_id["demo-governo"]["Öppnat"] == "2022"
    assert by_id["demo-governo"]["Status"] == "Finansiering beviljad"
    # The comma on request.
    assert {r["Ärende-id"] for r in _rows(cases_csv(demo.cases(), wf=demo, delimiter=","), ",")} == set(by_id)


def test_english_on_request(demo: Any) -> None:
    rows = _rows(cases_csv(demo.cases(), dt.date(2030, 1, 1), wf=demo, lang="en"))
    dorotea = next(r for r in rows if r["Case id"] == "demo-dorotea")
    assert dorotea["Opened"] == "2023" and dorotea["Overdue"] == "yes" and dorotea["Next due date"] == "End of pilot period"


def test_due_rows_csv_overdue(demo: Any) -> None:
    rows = _rows(due_rows_csv(demo.cases(), dt.date(2030, 1, 1), wf=demo))
    assert rows and all(r["Försenad"] in ("ja", "nej") for r in rows)
    assert any(r["Försenad"] == "ja" for r in rows if r["Bevakningsstatus"] == "öppen")
    assert [r["Senast"] for r in rows] == sorted(r["Senast"] for r in rows)
    report = next(r for r in rows if r["Bevakning"] == "Återrapportering" and r["Bevakningsstatus"] == "öppen")
    assert report["När"] == "HSN:s sammanträde 8 maj 2026"


def test_formula_injection_is_neutralised_in_csv_and_xlsx(wf: Any) -> None:
    wf.open_case("finansiering", effective="2021", title="=HYPERLINK(\"http://x\")", numbers=["HSN 1-2026"], actor="x")
    assert _rows(cases_csv(wf.cases(), wf=wf))[0]["Rubrik"] == "'=HYPERLINK(\"http://x\")"
    headers, rows = case_table(wf.cases(), wf=wf)
    ws = openpyxl.load_workbook(io.BytesIO(table_bytes(headers, rows, "xlsx"))).active
    assert ws is not None
    title = ws.cell(row=2, column=headers.index("Rubrik") + 1)
    assert title.value == "=HYPERLINK(\"http://x\")" and title.data_type == "s"


def test_xlsx_has_typed_cells(demo: Any) -> None:
    headers, rows = case_table(demo.cases(), dt.date(2030, 1, 1), wf=demo)
    sheet = _sheet(table_bytes(headers, rows, "xlsx"))
    assert list(sheet[0]) == headers
    by_id = {r[0]: dict(zip(headers, r, strict=True)) for r in sheet[1:]}
    dorotea = by_id["demo-dorotea"]
    assert dorotea["Försenad"] is True and dorotea["Processversion"] == 1
    assert dorotea["Datum"] == dt.datetime(2026, 5, 8)  # a full date is a date cell
    assert dorotea["Öppnat"] == "2023"  # a year only stays text: no invented day
    assert isinstance(dorotea["Senast ändrat"], dt.datetime)
    with pytest.raises(ValueError):
        table_bytes(headers, rows, "ods")


def test_wf_due_csv_and_xlsx(demo: Any, cli: Any, tmp_path: Path) -> None:
    out = cli("due", "--today", "2026-06-01", "--format", "csv").stdout_bytes
    rows = _rows(out)
    assert out.startswith(BOM) and b"\r\n" in out
    assert list(rows[0]) == ["Ärende-id", "Diarienummer", "Rubrik", "Status", "Vad", "När", "Senast", "Försenad", "Typ"]
    report = next(r for r in rows if r["Vad"] == "Återrapportering")
    assert report["Status"] == "Pilotprojekt" and report["Försenad"] == "ja" and report["Senast"] == "2026-05-08"
    assert report["När"] == "HSN:s sammanträde 8 maj 2026" and report["Typ"] == "bevakningsdatum"
    urgent = next(r for r in rows if r["Typ"] == "brådskande beslut att anmäla")
    assert urgent["Vad"] == "Anmäl brådskande beslut HSN 2026-03-12 till HSN" and urgent["Senast"] == ""
    comma = cli("due", "--today", "2026-06-01", "--format", "csv", "--separator", ",").stdout_bytes
    assert [r["Vad"] for r in _rows(comma, ",")] == [r["Vad"] for r in rows]
    english = _rows(cli("due", "--today", "2026-06-01", "--format", "csv", "--lang", "en").stdout_bytes)
    assert english[0]["What"] and "Report-back" in [r["What"] for r in english]

    path = tmp_path / "bevakningar.xlsx"
    cli("due", "--today", "2026-06-01", "--format", "xlsx", "-o", str(path))
    sheet = _sheet(path.read_bytes())
    assert sheet[0] == ("Ärende-id", "Diarienummer", "Rubrik", "Status", "Vad", "När", "Senast", "Försenad", "Typ")
    report_row = next(r for r in sheet[1:] if r[4] == "Återrapportering")
    assert report_row[6] == dt.datetime(2026, 5, 8) and report_row[7] is True


def test_wf_export_as_a_spreadsheet(demo: Any, cli: Any, tmp_path: Path) -> None:
    rows = _rows(cli("export", "--format", "csv").stdout_bytes)
    assert {r["Ärende-id"]: r["Öppnat"] for r in rows if r["Ärende-id"] in ("demo-dorotea", "demo-governo")} == {
        "demo-dorotea": "2023", "demo-governo": "2022"}
    path = tmp_path / "ärenden.xlsx"
    result = cli("export", "demo-dorotea", "--format", "xlsx", "-o", str(path))
    assert "skrev 1 ärende(n) till" in result.output
    sheet = _sheet(path.read_bytes())
    assert [r[0] for r in sheet[1:]] == ["demo-dorotea"]
    cli("export", "--format", "csv", "--sign", str(tmp_path / "key.pem"), code=5)
    cli("export", "--format", "ods", code=2)


def test_a_withdrawn_case_has_nothing_due_in_the_tables(demo: Any) -> None:
    from workflow import Decision, DecisionRef

    demo.advance("demo-dorotea", Decision(trigger="withdraw", reference=DecisionRef.parse("HSN 2026-03-20 § 40"),
                                          note="Uppdraget återtas.", actor="sekreterare"))
    dorotea = next(r for r in _rows(cases_csv(demo.cases(), dt.date(2030, 1, 1), wf=demo))
                   if r["Ärende-id"] == "demo-dorotea")
    assert dorotea["Status"] == "Återtaget" and dorotea["Nästa bevakning"] == "" and dorotea["Försenad"] == ""
    dues = [r for r in _rows(due_rows_csv(demo.cases(), dt.date(2030, 1, 1), wf=demo)) if r["Ärende-id"] == "demo-dorotea"]
    assert {(r["Bevakning"], r["Bevakningsstatus"], r["Försenad"]) for r in dues if r["Bevakningsstatus"] != "klar"} == {
        ("Pilotperiodens slut", "avslutad", "nej"), ("Återrapportering", "avslutad", "nej")}


def test_case_list_as_csv_and_xlsx_gives_the_opening_date(demo: Any, tmp_path: Any) -> None:
    """`wf case list --format csv|xlsx`: the opening date the log gives (2023 for Dorotea), not the entry day."""
    import csv
    import io

    import openpyxl

    from tests.conftest import Cli

    cli = Cli(demo._url)
    text = cli("case", "list", "--format", "csv").stdout_bytes.decode("utf-8-sig")
    rows = {r["Ärende-id"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert rows["demo-dorotea"]["Öppnat"] == "2023"
    cli("case", "list", "--format", "xlsx", "-o", str(tmp_path / "l.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "l.xlsx").active
    header = [c.value for c in sheet[1]]
    values = {row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["demo-dorotea"]["Öppnat"] == "2023"
    assert "-o FILE" in cli("case", "list", "--format", "xlsx", code=5).output
