"""One hierarchy of errors, each kind with a stable exit code, each error with fields.

Messages speak the domain: which requirement is missing, which body, which
state.  They never name a command-line flag or command: an embedding program
or a web form has none.  The CLI maps an error's ``field`` to the flag that
supplies it and adds what to run where an error says what to do
(:data:`workflow_cli.main`); a web form maps the same ``field`` to its input.

The rule for exit codes, by kind of mistake (the README's table is checked
against :func:`exit_codes` by a test):

* 3: something named does not exist (a case, a definition, a proposal, a task);
* 4: the input is well-formed, but the rules do not allow it now (a step not
  possible in this state, a body that may not take it, a guard says no);
* 5: the input is malformed or incomplete (a date, a reference, a blank value,
  a missing requirement, a name the definition does not know);
* 6, 7, 8, 9, 10, 11: a bad definition, a conflict, the database, the audit
  log, a permission, a duplicate -- one class each.

Never renumber a code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class WorkflowError(Exception):
    """other error"""

    exit_code = 1
    field: str | None = None
    """The decision field (:mod:`workflow.core.fields`) whose value is wrong or missing, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(WorkflowError):
    """not found: a case, definition, proposal or task named does not exist"""

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
    """decision refused: not possible in this state, a body that may not take it, a guard said no"""

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


class GuardRefused(DecisionRefused):
    """A guard of the step, or the rules of a joint decision, said no."""

    def __init__(self, case: str, trigger: str, reason: str, *, guard: str | None = None) -> None:
        super().__init__(f"case {case}: {trigger!r} refused: {reason}")
        self.case = case
        self.trigger = trigger
        self.reason = reason
        self.guard = guard


class BodyNotAllowed(DecisionRefused):
    """A body of the definition that may not take this step."""

    def __init__(self, body: str, trigger: str, allowed: Sequence[str]) -> None:
        super().__init__(f"{body} may not take the decision {trigger!r}; it is taken by {', '.join(allowed)}",
                         field="reference")
        self.body = body
        self.trigger = trigger
        self.allowed = tuple(allowed)


class InvalidInput(WorkflowError):
    """invalid input: a malformed date, reference or amount, a blank value, a missing requirement, an unknown name"""

    exit_code = 5


class MissingRequirement(InvalidInput):
    """A step requires a field (``requires:`` in the definition) that the decision does not give."""

    def __init__(self, trigger: str, requirement: str, what: str, *, field: str) -> None:
        super().__init__(f"{trigger!r} needs {what}", field=field)
        self.trigger = trigger
        self.requirement = requirement


class UnknownName(InvalidInput):
    """A body, party, due date, statement, step or role that the definition does not know."""

    def __init__(self, kind: str, name: str, known: Iterable[str], *, where: str = "",
                 field: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.known = tuple(known)
        at = f" {where}" if where else ""
        super().__init__(f"unknown {kind} {name!r}{at}; known: {', '.join(self.known) or 'none'}", field=field)


class InvalidDefinition(WorkflowError):
    """invalid definition"""

    exit_code = 6

    def __init__(self, path: str, line: int | None, element: str, problem: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {element}: {problem}")
        self.path = path
        self.line = line
        self.element = element
        self.problem = problem


class ConcurrentUpdate(WorkflowError):
    """conflict: the case was changed by someone else; read it again and retry"""

    exit_code = 7

    def __init__(self, case: str, version: int) -> None:
        super().__init__(
            f"case {case} was changed by someone else (expected version {version}); "
            "read it again and retry"
        )
        self.case = case
        self.version = version


class StorageError(WorkflowError):
    """database unavailable, busy past its timeout, or at an older schema"""

    exit_code = 8


class SchemaOutdated(StorageError):
    """The database is at an older schema revision than this program needs."""

    def __init__(self, current: str, needed: str) -> None:
        super().__init__(f"the database schema is at revision {current}, this program needs {needed}; "
                         "upgrade the database schema")
        self.current = current
        self.needed = needed


class AuditFailure(WorkflowError):
    """the audit log does not verify"""

    exit_code = 9


class ReplayError(AuditFailure):
    """A log that cannot be replayed onto its definition."""


class PermissionDenied(WorkflowError):
    """not permitted: the recorder may not record this, or the database refused the login"""

    exit_code = 10


class DuplicateCase(WorkflowError):
    """duplicate case id or diary number"""

    exit_code = 11


class NotArchivable(InvalidInput):
    """A case that may not go to the archive yet (it is not in a final state)."""

    def __init__(self, cases: list[tuple[str, str]]) -> None:
        listed = ", ".join(f"{label} (state {state})" for label, state in cases)
        super().__init__(f"only closed cases can be archived; not in a final state: {listed}")
        self.cases = cases


class RenderError(WorkflowError):
    """A diagram could not be drawn or written: neither bad input nor a refused decision (exit code 1)."""


class ToolMissing(InvalidInput):
    """A program an output needs is not installed (exit code 5: ask for another format, or install it)."""

    def __init__(self, message: str, *, program: str = "", package: str = "") -> None:
        super().__init__(message)
        self.program = program
        self.package = package


class GraphvizMissing(ToolMissing):
    """The Graphviz ``dot`` program is not installed (DOT and Mermaid still work)."""

    def __init__(self) -> None:
        super().__init__(
            "the Graphviz 'dot' program was not found on PATH; install it "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
            "or draw as DOT or Mermaid, which need no Graphviz", program="dot", package="graphviz"
        )


class GraphvizFailed(RenderError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Graphviz 'dot' failed: {detail}")
        self.detail = detail


class OutputNotWritable(InvalidInput):
    """An output file that cannot be written: a folder, a symbolic link, no such folder (exit code 5, as
    for any output named wrongly, whatever the command)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason


def exit_codes() -> list[tuple[int, str]]:
    """Each exit code an error can give, with what it means: the first line of its class's docstring."""
    out: dict[int, str] = {}
    todo: list[type[WorkflowError]] = [WorkflowError]
    while todo:
        cls = todo.pop(0)
        if cls.exit_code not in out:
            out[cls.exit_code] = (cls.__doc__ or "").strip().splitlines()[0]
        todo += cls.__subclasses__()
    return sorted(out.items())
