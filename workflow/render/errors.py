"""Errors of drawing, in the one :class:`~workflow.core.errors.WorkflowError` hierarchy.

They use the generic exit code 1: a missing program or an unwritable file is
neither bad input to the engine nor a refused decision.
"""

from __future__ import annotations

from workflow.core.errors import WorkflowError


class RenderError(WorkflowError):
    """A diagram could not be drawn or written."""

    exit_code = 1


class GraphvizMissing(RenderError):
    """The Graphviz ``dot`` program is not installed (DOT and Mermaid still work)."""

    def __init__(self) -> None:
        super().__init__(
            "the Graphviz 'dot' program was not found on PATH; install it "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
            "or use --format dot or --format mermaid, which need no Graphviz"
        )


class GraphvizFailed(RenderError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Graphviz 'dot' failed: {detail}")
        self.detail = detail


class OutputNotWritable(RenderError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason
