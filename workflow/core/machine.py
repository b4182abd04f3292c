"""The one adapter to ``transitions``: one shared machine per definition version.

No other module imports ``transitions``.  The machine is the judge of what
can happen: which triggers are possible in a state, and where a decision
leads.  Each step of the definition becomes one or more transitions, tried in
order, with the definition's guards bound as conditions when the machine is
built:

* a step taken by one body: its source states -> its destination;
* a joint decision (``joint: [region, kommun]``): a party's *no* leads to the
  refusal state (``on_refusal``); a *yes* while other parties are still awaited
  is an internal transition (the case stays where it is); the last party's
  *yes* leads to the destination.

The machine has no models of its own: each firing drives a throw-away token
holding only a state, so a case costs nothing in the machine.  Machines are
kept per definition id, version and digest, so any number of registries (or
:class:`~workflow.api.Workflow` objects) over the same definitions share one
machine per version.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from workflow.core.definition import Definition
from workflow.core.errors import GuardRefused, TransitionNotAllowed
from workflow.core.guards import Guard, get_guard

if TYPE_CHECKING:
    from workflow.core.case import Case
    from workflow.core.decisions import Decision


class _Token:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def _says_yes(event: Any) -> bool:
    return bool(event.kwargs["decision"].outcome == "yes")


def _says_no(event: Any) -> bool:
    return bool(event.kwargs["decision"].outcome == "no")


def _others_awaited(event: Any) -> bool:
    return bool(event.kwargs["awaiting"])


def _bound(name: str, guard: Guard | None) -> Any:
    """A guard of the registry as a condition; its reason to refuse is kept for the message."""

    def condition(event: Any) -> bool:
        reason = guard(event.kwargs["case"], event.kwargs["decision"]) if guard else f"unknown guard {name!r}"
        if reason:
            event.kwargs["refusals"].append((name, reason))
            return False
        return True

    condition.__name__ = f"guard_{name}"
    return condition


class ProcessMachine:
    """The compiled form of one definition version.

    The ``transitions`` machine is built when the first decision is fired, not
    before: what steps a state offers is read from the definition itself (the
    machine is built from the same transitions, and a test holds the two to each
    other), so showing a case imports no machine.
    """

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self._built: Any = None
        self._refused: type[Exception] = Exception
        self._lock = threading.Lock()

    @property
    def _machine(self) -> Any:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
        return self._built

    def _build(self) -> Any:
        from transitions import Machine, MachineError

        definition = self.definition
        machine = Machine(
            model=None,
            states=list(definition.states),
            initial=definition.initial.id,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for t in definition.transitions:
            guards = [_bound(name, get_guard(name)) for name in t.guards]
            dest = None if t.dest == "=" else t.dest  # None: an internal transition, the state stays
            sources: list[Any] = list(t.sources)
            if t.joint:
                if t.on_refusal:
                    machine.add_transition(t.trigger, sources, t.on_refusal, conditions=[_says_no, *guards])
                machine.add_transition(t.trigger, sources, None, conditions=[_says_yes, _others_awaited, *guards])
            machine.add_transition(t.trigger, sources, dest, conditions=[_says_yes, *guards])
        self._refused = MachineError
        return machine

    def triggers(self, state: str) -> list[str]:
        """The triggers the machine can fire from ``state``, in definition order."""
        offered = {t.trigger for t in self.definition.transitions_from(state)}
        return [t for t in self.definition.triggers() if t in offered]

    def fire(self, case: "Case", decision: "Decision", *, awaiting: bool = False) -> str:
        """The state ``decision`` leads ``case`` to; ``awaiting``: other parties of a joint decision have not decided.

        Raises :class:`TransitionNotAllowed` for a trigger not possible in the
        case's state, :class:`GuardRefused` with the guard's reason when a guard says no.
        """
        machine = self._machine
        event = machine.events.get(decision.trigger)
        if event is None:
            raise TransitionNotAllowed(case.label, decision.trigger, case.state, self.triggers(case.state))
        token = _Token(case.state)
        refusals: list[tuple[str, str]] = []
        try:
            moved = event.trigger(token, case=case, decision=decision, awaiting=awaiting, refusals=refusals)
        except self._refused:
            raise TransitionNotAllowed(case.label, decision.trigger, case.state, self.triggers(case.state)) from None
        if not moved:
            guard, reason = refusals[0] if refusals else (None, "no transition of the definition applies")
            raise GuardRefused(case.label, decision.trigger, reason, guard=guard)
        return token.state


_MACHINES: dict[tuple[str, int, str], ProcessMachine] = {}
_LOCK = threading.Lock()


def machine_for(definition: Definition) -> ProcessMachine:
    """The shared machine of a definition version (built on first use), whichever object describes it."""
    key = (definition.id, definition.version, definition.digest)
    found = _MACHINES.get(key)
    if found is None:
        with _LOCK:
            found = _MACHINES.get(key)
            if found is None:
                found = _MACHINES[key] = ProcessMachine(definition)
    return found


def machines_built() -> int:
    """How many machines exist (one per definition version used), for tests and diagnostics."""
    return len(_MACHINES)
