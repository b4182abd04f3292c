"""A small graph model of a process, or of a case's path through it.

Every renderer (DOT, Mermaid) draws from this model, never from a definition
or an audit log directly: the meaning -- which state is initial, which step is
a joint decision, which edge a case took and by which decision -- is decided
here once, and the writers only choose how it looks.  Nodes and edges keep the
order of the definition (states, then transitions, then their sources), so the
same input always gives the same model and therefore the same text.

Nothing here imports Graphviz, and nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from workflow.core.decisions import PartialDate
from workflow.core.errors import InvalidInput
from workflow.i18n import format_date, language, t

if TYPE_CHECKING:
    from workflow.core.audit import Entry
    from workflow.core.case import Case
    from workflow.core.definition import Definition, Transition

START = "__start"
DUE = "__due"
LEGEND = "__legend"

# Node kinds, statuses and edge kinds, named so writers can switch on them.
STATE, START_KIND, NOTE, LEGEND_KIND = "state", "start", "note", "legend"
PLAIN, VISITED, CURRENT, FADED = "plain", "visited", "current", "faded"
STEP, REFUSAL, ENTRY, ATTACH = "step", "refusal", "entry", "attach"
TAKEN = "taken"

LANGS = ("sv", "en")


def check_lang(lang: str | None) -> str:
    """``lang`` if it is ``sv`` or ``en``; None: the language chosen for this run (:func:`workflow.i18n.language`)."""
    if lang is None:
        return language()
    if lang not in LANGS:
        raise InvalidInput(t("unknown language {language}: use one of {languages}", language=repr(lang),
                             languages=", ".join(LANGS)))
    return lang


def version_line(definition: "Definition", lang: str) -> str:
    """What a diagram's title says of the process: its name and version, no ids."""
    return t("{process}, version {version}", lang, process=definition.label.get(lang), version=definition.version)


@dataclass(frozen=True)
class Node:
    """A state (or a helper: the start point, the due-date note, the legend)."""

    id: str
    lines: tuple[str, ...]
    """The label, one entry per line; the first is the name."""
    kind: str = STATE
    initial: bool = False
    final: bool = False
    status: str = PLAIN
    tooltip: str = ""


@dataclass(frozen=True)
class Edge:
    """A step between two nodes; a process step has one edge per source state."""

    source: str
    dest: str
    lines: tuple[str, ...] = ()
    kind: str = STEP
    trigger: str | None = None
    joint: bool = False
    status: str = PLAIN
    tooltip: str = ""
    order: tuple[int, ...] = ()
    """For a case: the numbers of the decisions that took this edge, in order."""


@dataclass(frozen=True)
class Graph:
    """What a diagram shows, in drawing order."""

    id: str
    kind: str
    """``process`` or ``case``."""
    lang: str
    title: tuple[str, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...] = field(default=())

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


def _parties(definition: "Definition", ids: Iterable[str]) -> str:
    return " + ".join(definition.parties[p].name if p in definition.parties else p for p in ids)


def _step_lines(definition: "Definition", step: "Transition", lang: str) -> tuple[str, ...]:
    lines = [step.label.get(lang), " · ".join(step.bodies) if step.bodies else t("any body", lang)]
    if step.joint:
        lines.append(t("joint decision: {parties}", lang, parties=_parties(definition, step.joint)))
    return tuple(lines)


def _dest(step: "Transition", source: str) -> str:
    return source if step.dest == "=" else step.dest


def _legend(definition: "Definition", lang: str) -> Node | None:
    if not definition.bodies:
        return None
    lines = [t("Bodies", lang)]
    for body in definition.bodies.values():
        party = definition.parties.get(body.party)
        lines.append(f"{body.id}: {body.label.get(lang)}" + (f" ({party.name})" if party else ""))
    return Node(LEGEND, tuple(lines), kind=LEGEND_KIND)


def process_graph(definition: "Definition", lang: str | None = None) -> Graph:
    """The process as drawn for publishing: states, steps, bodies, joint decisions."""
    lang = check_lang(lang)
    nodes: list[Node] = [Node(START, (), kind=START_KIND)]
    for s in definition.states.values():
        nodes.append(Node(s.id, (s.label.get(lang),), initial=s.initial, final=s.final, tooltip=s.id))
    legend = _legend(definition, lang)
    if legend is not None:
        nodes.append(legend)
    edges: list[Edge] = [Edge(START, definition.initial.id, kind=ENTRY)]
    for step in definition.transitions:
        for source in step.sources:
            edges.append(Edge(source, _dest(step, source), _step_lines(definition, step, lang), STEP,
                              step.trigger, joint=bool(step.joint), tooltip=step.trigger))
    for step in definition.transitions:
        if step.joint and step.on_refusal:
            for source in step.sources:
                edges.append(Edge(source, step.on_refusal, (t("no from one party", lang),), REFUSAL, step.trigger,
                                  joint=True, tooltip=step.trigger))
    title = (definition.label.get(lang), t("version {version}", lang, version=definition.version))
    return Graph(definition.id, "process", lang, title, tuple(nodes), tuple(edges))


@dataclass(frozen=True)
class Step:
    """One decision of a case placed on the process: which edge it took and why."""

    number: int
    entry: "Entry"
    edge_key: tuple[str, str, str, str]
    """(kind, trigger, source, dest) of the edge it took."""


def _decision_line(number: int, e: "Entry", lang: str, definition: "Definition") -> str:
    ref = e.reference or e.trigger or "?"
    text = f"{number}. {ref}"
    if e.effective and e.effective not in ref:
        text += f" ({format_date(e.effective, lang)})"
    p = e.payload
    extra = []
    joint = p.get("joint")
    if isinstance(joint, dict) and joint.get("party"):
        extra.append(_parties(definition, [str(joint["party"])]))
        if p.get("outcome") == "no":
            extra.append(t("said no", lang))
    if p.get("urgent"):
        extra.append(t("chair's urgent decision", lang))
    if extra:
        text += " (" + ", ".join(extra) + ")"
    return text


def case_steps(definition: "Definition", history: Iterable["Entry"]) -> list[Step]:
    """The decisions of a history, each matched to the process edge it took.

    A part of a joint decision (the case stays until the last party decides)
    is placed on the edge the whole decision will take; a refusal on the
    refusal edge; a decision whose step the definition no longer knows keeps
    its own edge, so the drawn path never hides a recorded decision.
    """
    steps: list[Step] = []
    for e in sorted(history, key=lambda x: x.seq):
        if e.kind != "decision" or not e.from_state or not e.to_state or not e.trigger:
            continue
        step = definition.transition(e.from_state, e.trigger)
        if step is None:
            key = (STEP, e.trigger, e.from_state, e.to_state)
        elif e.to_state == _dest(step, e.from_state) or e.from_state == e.to_state:
            key = (STEP, step.trigger, e.from_state, _dest(step, e.from_state))
        elif step.on_refusal and e.to_state == step.on_refusal:
            key = (REFUSAL, step.trigger, e.from_state, e.to_state)
        else:
            key = (STEP, e.trigger, e.from_state, e.to_state)
        steps.append(Step(len(steps) + 1, e, key))
    return steps


def _visits(history: Iterable["Entry"]) -> dict[str, str | None]:
    """Each state the case has been in, with the (possibly partial) date it first got there."""
    seen: dict[str, str | None] = {}
    for e in sorted(history, key=lambda x: x.seq):
        if e.kind not in ("opened", "decision"):
            continue
        for s in (e.from_state, e.to_state):
            if s and s not in seen:
                seen[s] = e.effective
    return seen


def _entered(history: Iterable["Entry"], state: str) -> str | None:
    """When the case last came into ``state`` (the effective date of that entry)."""
    when: str | None = None
    for e in sorted(history, key=lambda x: x.seq):
        if e.kind in ("opened", "decision") and e.to_state == state and e.from_state != state:
            when = e.effective
    return when


def _due_lines(definition: "Definition", case: "Case", lang: str, today: dt.date | None) -> tuple[str, ...]:
    lines = []
    for name, d in sorted(case.due_dates().items()):
        if not isinstance(d, dict) or d.get("status") != "open":
            continue
        kind = definition.due_kinds.get(name)
        label = kind.label.get(lang) if kind else name
        when = format_date(str(d.get("date", "?")), lang)
        if d.get("meeting"):
            when = t("{date} (meeting of {body})", lang, date=when, body=str(d["meeting"]))
        overdue = False
        try:
            overdue = today is not None and PartialDate.parse(str(d.get("date"))).last_day() < today
        except InvalidInput:
            pass
        if overdue:
            lines.append(t("{due_date}: {date}, OVERDUE", lang, due_date=label, date=when))
        else:
            lines.append(t("{due_date}: {date}, open", lang, due_date=label, date=when))
    return tuple(lines)


def case_graph(
    definition: "Definition", case: "Case", history: Iterable["Entry"], lang: str | None = None,
    today: dt.date | None = None,
) -> Graph:
    """The process with the path ``case`` took drawn over it.

    Visited states and taken edges are marked, each taken edge labelled with
    its decisions in order; the current state is marked and carries the open
    due dates; everything the case never touched is faded.  ``today`` decides
    which open due dates are overdue (none are, without it).
    """
    lang = check_lang(lang)
    history = list(history)
    base = process_graph(definition, lang)
    steps = case_steps(definition, history)
    visits = _visits(history)
    visits.setdefault(case.state, None)

    by_edge: dict[tuple[str, str, str, str], list[Step]] = {}
    for step in steps:
        by_edge.setdefault(step.edge_key, []).append(step)

    nodes: list[Node] = []
    for n in base.nodes:
        if n.kind == START_KIND:
            nodes.append(replace(n, status=VISITED))
        elif n.kind != STATE:
            nodes.append(n)
        elif n.id == case.state:
            since = _entered(history, n.id)
            extra = (t("● current state, since {date}", lang, date=format_date(since, lang)) if since
                     else t("● current state", lang))
            nodes.append(replace(n, lines=(*n.lines, extra), status=CURRENT))
        else:
            nodes.append(replace(n, status=VISITED if n.id in visits else FADED))
    known_states = {n.id for n in nodes}
    for state in visits:  # states a stored case knows but the definition no longer has
        if state not in known_states:
            nodes.append(Node(state, (state,), status=CURRENT if state == case.state else VISITED))

    edges: list[Edge] = []
    used: set[tuple[str, str, str, str]] = set()
    for edge in base.edges:
        if edge.kind == ENTRY:
            edges.append(replace(edge, status=TAKEN))
            continue
        key = (edge.kind, edge.trigger or "", edge.source, edge.dest)
        taken = by_edge.get(key)
        if taken:
            used.add(key)
            edges.append(_taken(edge, taken, lang, definition))
        else:
            edges.append(replace(edge, status=FADED))
    for key, taken in by_edge.items():  # decisions whose step the definition does not have
        if key not in used:
            kind, trigger, source, dest = key
            edges.append(_taken(Edge(source, dest, (trigger,), kind, trigger), taken, lang, definition))

    due = _due_lines(definition, case, lang, today)
    if due:
        nodes.append(Node(DUE, (t("Open due dates", lang), *due), kind=NOTE))
        edges.append(Edge(DUE, case.state, kind=ATTACH))

    current = definition.states.get(case.state)
    title = (
        f"{case.label} · {case.title}",
        version_line(definition, lang) + " · "
        + t("state: {state}", lang, state=current.label.get(lang) if current else case.state),
    )
    return Graph(case.id, "case", lang, title, tuple(nodes), tuple(edges))


def _taken(edge: Edge, steps: list[Step], lang: str, definition: "Definition") -> Edge:
    decided = tuple(_decision_line(s.number, s.entry, lang, definition) for s in steps)
    notes = "\n".join(f"{s.number}. {s.entry.payload.get('note')}" for s in steps if s.entry.payload.get("note"))
    label = edge.lines[:1] + tuple(line for line in edge.lines[2:])  # the step and joint line; bodies are in the refs
    return replace(edge, lines=(*decided, *label), status=TAKEN, tooltip=notes or edge.tooltip,
                   order=tuple(s.number for s in steps))
