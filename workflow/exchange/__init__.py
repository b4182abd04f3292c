"""Exchange formats other tools read and write: JSON, CSV, BPMN 2.0 and CITS ERMS.

* :mod:`workflow.exchange.cases` -- whole cases with their full audit history as
  canonical JSON (``kansli-workflow/cases`` version 1, schema in
  ``cases.schema.json``): export, and a verifying import into another database.
* :mod:`workflow.exchange.csv_io` -- case lists and due dates as CSV for Excel.
* :mod:`workflow.exchange.bpmn` -- a process definition as BPMN 2.0 with diagram
  interchange (laid out by Graphviz when ``dot`` is installed).
* :mod:`workflow.exchange.erms` -- closed cases as a CITS ERMS (FGS
  Ärendehantering 2.0) case file for the archive.

Importing this package imports none of its modules; each is loaded on first use
of one of its names.  Graphviz and ``xmlschema`` are used only when a function
needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_NAMES = {
    "definition_to_bpmn": "bpmn",
    "FORMAT": "cases", "FORMAT_VERSION": "cases", "ImportReport": "cases", "dumps": "cases",
    "export_bytes": "cases", "export_cases": "cases", "import_cases": "cases", "load_document": "cases",
    "cases_csv": "csv_io", "csv_bytes": "csv_io", "due_rows_csv": "csv_io",
    "NotArchivable": "erms", "cases_to_erms": "erms", "validate_erms": "erms",
}

if TYPE_CHECKING:
    from workflow.exchange.bpmn import definition_to_bpmn
    from workflow.exchange.cases import (
        FORMAT,
        FORMAT_VERSION,
        ImportReport,
        dumps,
        export_bytes,
        export_cases,
        import_cases,
        load_document,
    )
    from workflow.exchange.csv_io import cases_csv, csv_bytes, due_rows_csv
    from workflow.exchange.erms import NotArchivable, cases_to_erms, validate_erms

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ImportReport",
    "NotArchivable",
    "cases_csv",
    "cases_to_erms",
    "csv_bytes",
    "definition_to_bpmn",
    "due_rows_csv",
    "dumps",
    "export_bytes",
    "export_cases",
    "import_cases",
    "load_document",
    "validate_erms",
]


def __getattr__(name: str) -> Any:
    """Import the submodule a name lives in only when the name is first used."""
    if name in _NAMES:
        import importlib

        value = getattr(importlib.import_module(f"workflow.exchange.{_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workflow.exchange' has no attribute {name!r}")
