"""Errors as HTTP: JSON problem details (RFC 9457) carrying the CLI's kinds and exit codes.

The same mistake gets the same answer wherever it is made: the kind is the
error's class, the exit code is the one ``wf`` exits with
(:mod:`workflow.core.errors`), the field is the decision field whose value is
wrong or missing -- the key the client sent, or the form's input.
"""

from __future__ import annotations

import re
from typing import Any

from workflow.core.errors import WorkflowError

PROBLEM_JSON = "application/problem+json"

STATUS_BY_EXIT = {1: 500, 3: 404, 4: 409, 5: 422, 6: 500, 7: 409, 8: 503, 9: 500, 10: 403, 11: 409}
"""The HTTP status of each exit code: not found 404, refused 409, invalid 422, conflict 409, not permitted 403."""


def status_for(error: WorkflowError) -> int:
    return STATUS_BY_EXIT.get(error.exit_code, 500)


def kind_slug(name: str) -> str:
    """``TransitionNotAllowed`` -> ``transition-not-allowed``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem_type(kind: str) -> str:
    return f"urn:kansli-workflow:problem:{kind_slug(kind)}"


def title_of(error: WorkflowError) -> str:
    """What the kind of error means: the first line of its exit code's class docstring."""
    from workflow.core.errors import exit_codes

    return dict(exit_codes()).get(error.exit_code, "other error")


def problem(error: WorkflowError, instance: str | None = None, **extra: Any) -> dict[str, Any]:
    """The problem document of a library error."""
    out: dict[str, Any] = {
        "type": problem_type(type(error).__name__),
        "title": title_of(error),
        "status": status_for(error),
        "detail": str(error),
        "kind": type(error).__name__,
        "exit_code": error.exit_code,
    }
    if error.field:
        out["field"] = error.field
    if instance:
        out["instance"] = instance
    out.update(extra)
    return out


def plain_problem(status: int, kind: str, title: str, detail: str, exit_code: int, instance: str | None = None,
                  **extra: Any) -> dict[str, Any]:
    """A problem that is not a library error: not logged in (401), a stale If-Match (412), a usage error."""
    out: dict[str, Any] = {"type": problem_type(kind), "title": title, "status": status, "detail": detail,
                           "kind": kind, "exit_code": exit_code}
    if instance:
        out["instance"] = instance
    out.update(extra)
    return out


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A problem (RFC 9457), with the kind and exit code wf gives the same mistake.",
    "required": ["type", "title", "status", "detail", "kind", "exit_code"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "kind": {"type": "string", "description": "The error's class, e.g. TransitionNotAllowed."},
        "exit_code": {"type": "integer", "description": "The exit code wf gives this error."},
        "field": {"type": "string", "description": "The decision field whose value is wrong or missing."},
        "current_version": {"type": "integer", "description": "On 412: the case's version now."},
    },
}
