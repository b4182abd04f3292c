"""A workflow engine for public-sector decision processes.

The public API.  Importing :mod:`workflow` is cheap: storage (SQLAlchemy) is
imported only when a :class:`Workflow` first touches its database, and
rendering (Graphviz) only when something is drawn.

>>> from workflow import Workflow, Decision, DecisionRef
>>> wf = Workflow("sqlite:///register.sqlite3")              # doctest: +SKIP
>>> case = wf.open_case("finansiering", title="...", numbers=["HSN 801-2022"], actor="kansli")  # doctest: +SKIP
"""

from __future__ import annotations

from workflow.api import Recorded, VerifyReport, Workflow, parse_diary_number
from workflow.audit import Entry, Problem
from workflow.case import Case, DiaryNumber
from workflow.decisions import Decision, DecisionRef, DueSpec, PartialDate, parse_amount
from workflow.definition import Body, Definition, Label, Party, State, Transition
from workflow.engine import Possibility
from workflow.errors import (
    AuditFailure,
    CaseNotFound,
    ConcurrentUpdate,
    DecisionRefused,
    DefinitionNotFound,
    DuplicateCase,
    InvalidDefinition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageError,
    TransitionNotAllowed,
    WorkflowError,
)
from workflow.guards import register_guard
from workflow.loading import load_file, load_text
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
    "InvalidDefinition",
    "InvalidInput",
    "Label",
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
    "load_file",
    "load_text",
    "parse_amount",
    "parse_diary_number",
    "register_guard",
]
