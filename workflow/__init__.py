"""A workflow engine for public-sector decision processes.

The public API.  Importing :mod:`workflow` is cheap: storage (SQLAlchemy) is
imported only when a :class:`Workflow` first touches its database, and
rendering (Graphviz) only when something is drawn.

>>> from workflow import Workflow, Decision, DecisionRef
>>> wf = Workflow("sqlite:///register.sqlite3")              # doctest: +SKIP
>>> case = wf.open_case("finansiering", title="...", numbers=["HSN 801-2022"], actor="kansli")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Every public name is imported on first use (PEP 562), so that `import
# workflow.core.errors` -- as the CLI does before it knows the command -- costs
# nothing, and a command pays only for the parts it uses.
_LAZY = {
    "AuditFailure": "workflow.core.errors",
    "Body": "workflow.core.definition",
    "Case": "workflow.core.case",
    "CaseNotFound": "workflow.core.errors",
    "ConcurrentUpdate": "workflow.core.errors",
    "Decision": "workflow.core.decisions",
    "DecisionRef": "workflow.core.decisions",
    "DecisionRefused": "workflow.core.errors",
    "Definition": "workflow.core.definition",
    "DefinitionNotFound": "workflow.core.errors",
    "DiaryNumber": "workflow.core.case",
    "DueSpec": "workflow.core.decisions",
    "DuplicateCase": "workflow.core.errors",
    "GuardRefused": "workflow.core.errors",
    "MissingRequirement": "workflow.core.errors",
    "NotArchivable": "workflow.core.errors",
    "UnknownName": "workflow.core.errors",
    "ReplayError": "workflow.core.errors",
    "SchemaOutdated": "workflow.core.errors",
    "Entry": "workflow.core.audit",
    "InvalidDefinition": "workflow.core.errors",
    "InvalidInput": "workflow.core.errors",
    "Label": "workflow.core.definition",
    "Listener": "workflow.events",
    "NotFound": "workflow.core.errors",
    "PartialDate": "workflow.core.decisions",
    "Party": "workflow.core.definition",
    "PermissionDenied": "workflow.core.errors",
    "Possibility": "workflow.core.engine",
    "Problem": "workflow.core.audit",
    "Recorded": "workflow.api",
    "Registry": "workflow.registry",
    "State": "workflow.core.definition",
    "StorageError": "workflow.core.errors",
    "Transition": "workflow.core.definition",
    "TransitionNotAllowed": "workflow.core.errors",
    "VerifyReport": "workflow.api",
    "Workflow": "workflow.api",
    "WorkflowError": "workflow.core.errors",
    "load_file": "workflow.core.loading",
    "load_text": "workflow.core.loading",
    "parse_amount": "workflow.core.decisions",
    "parse_diary_number": "workflow.api",
    "register_guard": "workflow.core.guards",
    "register_listener": "workflow.events",
    "unregister_listener": "workflow.events",
}

if TYPE_CHECKING:
    from workflow.api import Recorded, VerifyReport, Workflow, parse_diary_number
    from workflow.core.audit import Entry, Problem
    from workflow.core.case import Case, DiaryNumber
    from workflow.core.decisions import Decision, DecisionRef, DueSpec, PartialDate, parse_amount
    from workflow.core.definition import Body, Definition, Label, Party, State, Transition
    from workflow.core.engine import Possibility
    from workflow.core.errors import (
        AuditFailure,
        CaseNotFound,
        ConcurrentUpdate,
        DecisionRefused,
        DefinitionNotFound,
        DuplicateCase,
        GuardRefused,
        InvalidDefinition,
        InvalidInput,
        MissingRequirement,
        NotArchivable,
        NotFound,
        PermissionDenied,
        ReplayError,
        SchemaOutdated,
        StorageError,
        TransitionNotAllowed,
        UnknownName,
        WorkflowError,
    )
    from workflow.core.guards import register_guard
    from workflow.core.loading import load_file, load_text
    from workflow.events import Listener, register_listener, unregister_listener
    from workflow.registry import Registry

__all__ = [
    "AuditFailure",
    "Body",
    "Case",
    "CaseNotFound",
    "ConcurrentUpdate",
    "Decision",
    "DecisionRef",
    "DecisionRefused",
    "Definition",
    "DefinitionNotFound",
    "DiaryNumber",
    "DueSpec",
    "DuplicateCase",
    "Entry",
    "GuardRefused",
    "MissingRequirement",
    "ReplayError",
    "SchemaOutdated",
    "UnknownName",
    "ImportReport",
    "InvalidDefinition",
    "InvalidInput",
    "Label",
    "Listener",
    "NotArchivable",
    "NotFound",
    "PartialDate",
    "Party",
    "PermissionDenied",
    "Possibility",
    "Problem",
    "Recorded",
    "Registry",
    "State",
    "StorageError",
    "Transition",
    "TransitionNotAllowed",
    "VerifyReport",
    "Workflow",
    "WorkflowError",
    "cases_csv",
    "cases_to_erms",
    "definition_to_bpmn",
    "due_rows_csv",
    "export_bytes",
    "export_cases",
    "import_cases",
    "load_file",
    "load_text",
    "parse_amount",
    "parse_diary_number",
    "register_guard",
    "register_listener",
    "unregister_listener",
]

# The exchange formats (JSON, CSV, BPMN, ERMS) are imported on first use, so
# that commands which do not use them do not pay for them at start-up.
_EXCHANGE = {
    "ImportReport": "workflow.exchange.cases",
    "export_bytes": "workflow.exchange.cases",
    "export_cases": "workflow.exchange.cases",
    "import_cases": "workflow.exchange.cases",
    "cases_csv": "workflow.exchange.csv_io",
    "due_rows_csv": "workflow.exchange.csv_io",
    "definition_to_bpmn": "workflow.exchange.bpmn",
    "cases_to_erms": "workflow.exchange.erms",
}

if TYPE_CHECKING:
    from workflow.exchange.bpmn import definition_to_bpmn
    from workflow.exchange.cases import ImportReport, export_bytes, export_cases, import_cases
    from workflow.exchange.csv_io import cases_csv, due_rows_csv
    from workflow.exchange.erms import cases_to_erms


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name) or _EXCHANGE.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workflow' has no attribute {name!r}")
