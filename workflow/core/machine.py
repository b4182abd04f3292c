"""The one adapter to ``transitions``: one shared machine per definition version.

No other module imports ``transitions``.  The machine has no models of its
own: each firing drives a throw-away :class:`_Token` holding only a state, so a
case costs nothing in the machine and the machine is built once per
definition version, not once per case.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from transitions import Machine, MachineError

from workflow.core.definition import Definition

Check = Callable[[], "str | None"]


class _Token:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def _condition(event: Any) -> bool:
    reason = event.kwargs["check"]()
    if reason is not None:
        event.kwargs["refusals"].append(reason)
        return False
    return True


class ProcessMachine:
    """The compiled form of one definition version."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            initial=definition.initial.id,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for t in definition.transitions:
            self._machine.add_transition(
                t.trigger, list(t.sources), t.dest, conditions=[_condition]
            )

    def triggers(self, state: str) -> list[str]:
        """The triggers the machine can fire from ``state``, in definition order."""
        available = set(self._machine.get_triggers(state))
        return [t for t in self.definition.triggers() if t in available]

    def fire(self, state: str, trigger: str, check: Check) -> tuple[str | None, str | None]:
        """Fire ``trigger`` from ``state``; ``check`` is asked once for a reason to refuse.

        Returns ``(new_state, None)`` or ``(None, reason)``.
        """
        event = self._machine.events.get(trigger)
        if event is None:
            return None, f"unknown trigger {trigger!r}"
        token = _Token(state)
        refusals: list[str] = []
        try:
            moved = event.trigger(token, check=check, refusals=refusals)
        except MachineError:
            return None, f"{trigger!r} is not possible in state {state!r}"
        if not moved:
            return None, refusals[0] if refusals else "refused"
        return token.state, None


@cache
def machine_for(definition: Definition) -> ProcessMachine:
    """The shared machine of a definition version (built on first use)."""
    return ProcessMachine(definition)
