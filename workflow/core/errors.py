"""One hierarchy of errors, each kind with a stable exit code.

The CLI turns any :class:`WorkflowError` into one line on stderr and its
``exit_code``; embedding programs catch the class they care about.  The codes
are documented in the README and must never be renumbered.
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(WorkflowError):
    """An unknown case, definition, trigger, due date or entry."""

    exit_code = 3


class CaseNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"no case with id or diary number {key!r}")
        self.key = key


class DefinitionNotFound(NotFound):
    def __init__(self, definition_id: str, version: int | None = None) -> None:
        what = definition_id if version is None else f"{definition_id} v{version}"
        super().__init__(f"no process definition {what!r}")
        self.definition_id = definition_id
        self.version = version


class DecisionRefused(WorkflowError):
    """A decision the rules of the definition do not allow now."""

    exit_code = 4


class TransitionNotAllowed(DecisionRefused):
    def __init__(self, case: str, trigger: str, state: str, allowed: list[str]) -> None:
        hint = ", ".join(allowed) if allowed else "none (the case is closed)"
        super().__init__(
            f"case {case}: {trigger!r} is not possible in state {state!r}; possible now: {hint}"
        )
        self.case = case
        self.trigger = trigger
        self.state = state
        self.allowed = allowed


class InvalidInput(WorkflowError):
    """Malformed user input: a date, a § reference, a missing field."""

    exit_code = 5


class InvalidDefinition(WorkflowError):
    """A process definition that fails its schema or graph checks."""

    exit_code = 6

    def __init__(self, path: str, line: int | None, element: str, problem: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {element}: {problem}")
        self.path = path
        self.line = line
        self.element = element
        self.problem = problem


class ConcurrentUpdate(WorkflowError):
    """Someone else changed the case since it was read."""

    exit_code = 7

    def __init__(self, case: str, version: int) -> None:
        super().__init__(
            f"case {case} was changed by someone else (expected version {version}); "
            "read it again and retry"
        )
        self.case = case
        self.version = version


class StorageError(WorkflowError):
    """The database cannot be reached, is locked too long, or has the wrong schema."""

    exit_code = 8


class AuditFailure(WorkflowError):
    """The audit log does not verify."""

    exit_code = 9


class PermissionDenied(WorkflowError):
    """The actor may not record this decision."""

    exit_code = 10


class DuplicateCase(WorkflowError):
    """A diary number or case id that is already taken."""

    exit_code = 11
