"""The registry of guards a definition may name.

A definition never carries code: it names a guard, and the name is looked up
here when the definition loads.  A guard takes the case and the decision and
returns ``None`` when the decision may go ahead, or the reason it may not.
Embedding programs add their own with :func:`register_guard` before loading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow.core.case import Case
    from workflow.core.decisions import Decision

Guard = Callable[["Case", "Decision"], "str | None"]

_GUARDS: dict[str, Guard] = {}


def register_guard(name: str, guard: Guard) -> None:
    """Make ``guard`` available to definitions under ``name``."""
    _GUARDS[name] = guard


def get_guard(name: str) -> Guard | None:
    return _GUARDS.get(name)


def _basis_attached(case: "Case", decision: "Decision") -> str | None:
    if not decision.basis:
        return "the decision must list its basis documents (beslutsunderlag)"
    return None


register_guard("basis_attached", _basis_attached)
