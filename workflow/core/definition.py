"""Process definitions as frozen, pure data.

A definition is parsed and validated once (see :mod:`workflow.core.loading`) and
then shared by every case of that id and version.  Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

Requirement = str
"""What a step requires of its decision: a decision field's requirement key (:data:`workflow.core.fields.REQUIREMENTS`)."""


@dataclass(frozen=True)
class Label:
    """A text in Swedish and English; Swedish is the default."""

    sv: str
    en: str

    def get(self, lang: str = "sv") -> str:
        return self.en if lang == "en" else self.sv


@dataclass(frozen=True)
class Body:
    """A deciding or proposing body of a party (HSN, its AU, KS, KF)."""

    id: str
    party: str
    label: Label
    kind: str = "committee"
    """``committee``, ``working_committee``, ``board``, ``council`` or ``officer``."""
    proposes_to: str | None = None
    numbering: str = "yearly"
    """How its minutes' paragraphs are numbered: ``yearly`` (from § 1 each calendar year) or ``running``."""


@dataclass(frozen=True)
class Party:
    """A principal (huvudman) taking part in a case: a region or a municipality."""

    id: str
    name: str
    bodies: tuple[str, ...]


@dataclass(frozen=True)
class State:
    id: str
    label: Label
    initial: bool = False
    final: bool = False
    phase: str | None = None
    """The lifecycle phase a state belongs to, for timelines (``pre_study``, ``pilot``...)."""


@dataclass(frozen=True)
class DueKind:
    """A named due date (bevakning) a decision can set, e.g. ``report_back``."""

    id: str
    label: Label
    remind_before: tuple[int, ...] = ()
    """Days before the date a reminder is sent (``remind: {before: [30, 7]}``), the earliest first."""
    remind_after: tuple[int, ...] = ()
    """Days after it a reminder is sent while it is open (``remind: {after: [1, 14]}``), the earliest first."""
    offer_when_overdue: str | None = None
    """The step offered, marked overdue, once the date has passed (``on_overdue: {offer: postpone}``)."""


@dataclass(frozen=True)
class Statement:
    """A statement a decision must carry, e.g. the child-rights consideration."""

    id: str
    label: Label


@dataclass(frozen=True)
class Transition:
    """A decision that moves a case from one of ``sources`` to ``dest``."""

    trigger: str
    label: Label
    sources: tuple[str, ...]
    dest: str
    bodies: tuple[str, ...] = ()
    """Bodies that may take this decision; empty means any body of the definition."""
    joint: tuple[str, ...] = ()
    """Parties that must each decide before the case moves (a joint decision)."""
    on_refusal: str | None = None
    """Where the case goes if one party of a joint decision says no."""
    requires: frozenset[Requirement] = frozenset({"reference"})
    sets_due: tuple[str, ...] = ()
    closes_due: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    statements: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    """Roles that may record this decision; empty means any role."""
    line: int = 0


@dataclass(frozen=True, eq=False)
class Definition:
    """One version of one process, validated."""

    id: str
    version: int
    label: Label
    description: str
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    parties: Mapping[str, Party] = field(default_factory=lambda: MappingProxyType({}))
    bodies: Mapping[str, Body] = field(default_factory=lambda: MappingProxyType({}))
    due_kinds: Mapping[str, DueKind] = field(default_factory=lambda: MappingProxyType({}))
    statements: Mapping[str, Statement] = field(default_factory=lambda: MappingProxyType({}))
    roles: tuple[str, ...] = ()
    on_behalf: tuple[str, ...] = ()
    """Roles that may record a decision on behalf of someone else (a secretary for the chair)."""
    source: str = ""
    """Where it was loaded from (a path), for messages."""
    digest: str = ""
    """SHA-256 of the source text, so a stored case can tell if its definition changed."""
    text: str = field(default="", repr=False)
    """The YAML it was loaded from, kept with the cases opened under it."""

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @property
    def initial(self) -> State:
        return next(s for s in self.states.values() if s.initial)

    @property
    def final_states(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.states.values() if s.final)

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if state in t.sources)

    def transition(self, state: str, trigger: str) -> Transition | None:
        for t in self.transitions:
            if t.trigger == trigger and state in t.sources:
                return t
        return None

    def triggers(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for t in self.transitions:
            seen.setdefault(t.trigger, None)
        return tuple(seen)
