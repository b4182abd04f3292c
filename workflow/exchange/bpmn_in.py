"""A BPMN 2.0 process as a definition (YAML): what an analyst drew in bpmn.io or Camunda Modeler.

The inverse of :mod:`workflow.exchange.bpmn`'s export, and lenient enough for a
plain model drawn without its conventions:

* a task of any kind (``task``, ``userTask``, ``manualTask``...) and an
  intermediate event (a letter awaited, a milestone) is a **state**: the case
  waits there for a decision; an ``endEvent`` is a **final state**;
* the ``startEvent`` leads to the **initial state**; when it leads to more than
  one place (or its flow is named as a decision) it is a state of its own;
* a **step** (transition) is a way from one state to the next: a sequence flow,
  or a chain of flows through exclusive gateways -- the export's question
  ("Vilket beslut?") splitting the ways out of a state and its unnamed gateways
  merging the ways into one.  It is named by the flow's name (the step's
  label); a flow back into the same state is a step that keeps the state
  (``to: "="``, a postponement).  Several flows leaving a task without a
  gateway are read as a choice too: in a decision register one decision moves
  the case (BPMN itself would read them as parallel);
* a **joint decision** is drawn as the export draws it: a parallel split into one
  task per party named ``Part: steg`` (``Region Västerbotten: Uppdrag om
  förstudie``), joined again; the export's refusal flow (condition ``outcome ==
  'no'``) is its ``on_refusal``.  Any other parallel gateway is refused;
* **pools and lanes**, if drawn, name the parties and bodies: a lane is a body, of
  the party its pool (or enclosing lane) names; a step is taken by the body in
  whose lane its decision is drawn (the gateway splitting the ways, else the
  state's task).

From a file the export wrote (``exporter="kansli-workflow"``) the ids are taken
back (``Task_<state>``, the trigger in each flow's documentation or condition,
the definition's id and version from the target namespace), with both
languages' labels (the name, and the other language in the documentation) and
the due dates each step sets.  A plain model's ids are made from its names
(``Godkänn förstudie`` -> ``godkann_forstudie``) and its names are taken as
Swedish.

What BPMN cannot say gets a default and a ``# TODO`` line in the YAML: which
bodies may take a step (default: any), what a decision needs (``requires:
[reference]``), the due dates a step closes, guards and statements, the roles
(``registrar``, ``secretary``, ``officer``, as the shipped definitions), English
labels of a plain model.  What the engine cannot do is refused, naming the
element: parallel and other gateways, timers (a due date is set by a decision
and watched by reminders), boundary events, sub-processes and call activities
(a called process is a case of its own), loops and multi-instance tasks.

The XML is untrusted: it is read by the standard library's expat, and a
document with a document type declaration (``<!DOCTYPE``) -- the only place an
entity can be declared, so every entity-expansion bomb and external entity --
is refused before any tree is built; BPMN never needs one.  Size is bounded.
The YAML written is then loaded by :mod:`workflow.core.loading` like any
definition, so what is imported is valid.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workflow.core.definition import Definition
from workflow.core.errors import InvalidDefinition, InvalidInput
from workflow.i18n import t

MAX_BYTES = 10_000_000
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
EXPORTER = "kansli-workflow"

STATE_TAGS = frozenset({
    "task", "userTask", "manualTask", "sendTask", "receiveTask", "serviceTask", "scriptTask",
    "businessRuleTask", "intermediateCatchEvent", "intermediateThrowEvent",
})
IGNORED_TAGS = frozenset({
    "laneSet", "textAnnotation", "association", "dataObject", "dataObjectReference", "dataStoreReference",
    "documentation", "extensionElements", "ioSpecification", "property", "group", "auditing", "monitoring",
    "correlationSubscription", "resourceRole", "performer", "humanPerformer", "potentialOwner",
})
REFUSED_TAGS = {
    "inclusiveGateway": "an inclusive gateway cannot be imported: a case is in one state at a time",
    "complexGateway": "a complex gateway cannot be imported: a case is in one state at a time",
    "eventBasedGateway": "an event-based gateway cannot be imported: a case moves by decisions, not by the "
                         "first event to arrive",
    "boundaryEvent": "a boundary event cannot be imported: a deadline is a due date a decision sets "
                     "(sets_due), watched by reminders",
    "subProcess": "a sub-process cannot be imported: draw its steps in the process, or make it a case of its own",
    "adHocSubProcess": "an ad-hoc sub-process cannot be imported: draw its steps in the process",
    "transaction": "a transaction cannot be imported: draw its steps in the process",
    "callActivity": "a call activity cannot be imported: a called process is a case of its own (a child case)",
}
PARALLEL = ("a parallel gateway cannot be imported: a case is in one state at a time (a joint decision is "
            "a split into one task per party, named 'Part: steg', joined again)")
TIMER = "a timer cannot be imported: a due date is set by a decision (sets_due) and watched by reminders"
REFUSED_EVENTS = {
    "linkEventDefinition": "a link event cannot be imported: draw the flow itself",
    "errorEventDefinition": "an error event cannot be imported: an outcome is a state, not an error",
    "escalationEventDefinition": "an escalation event cannot be imported",
    "compensateEventDefinition": "a compensation event cannot be imported",
    "cancelEventDefinition": "a cancel event cannot be imported",
}
DEFAULT_ROLES = ("registrar", "secretary", "officer")
UNNAMED_PARTY = "Huvudman"
"""The name of the one party of lanes drawn without a pool (a placeholder the YAML marks TODO)."""
DEFAULT_ON_BEHALF = ("registrar", "secretary")
_DECISION = re.compile(r"^\s*decision\s*==\s*'([A-Za-z][A-Za-z0-9_-]{0,63})'\s*$")
_REFUSAL = re.compile(r"^\s*decision\s*==\s*'([A-Za-z][A-Za-z0-9_-]{0,63})'\s+and\s+outcome\s*==\s*'no'\s*$")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_VERSIONED = re.compile(r"^(.*) \(v\d+\)$")


@dataclass(frozen=True)
class Imported:
    """A definition read from BPMN: the YAML to keep, the definition it loads as, and how much is left to do."""

    text: str
    definition: Definition
    todos: int


def import_bpmn(data: bytes, *, source: str = "<bpmn>", definition_id: str | None = None,
                version: int | None = None) -> Imported:
    """The definition a BPMN 2.0 document's process describes, as YAML (see the module's text).

    Raises :class:`InvalidInput` naming the element for what cannot be imported.
    """
    root = parse_xml(data, source)
    model = _Model(root, source)
    text = model.to_yaml(definition_id, version)
    from workflow.core.loading import load_text

    try:
        definition = load_text(text, source)
    except InvalidDefinition as e:  # a graph the engine refuses: say it of the BPMN element
        raise InvalidInput(f"{source}: {model.element_of(e.problem)}: {e.problem}") from None
    return Imported(text, definition, sum(1 for line in text.splitlines() if "TODO" in line))


def import_bpmn_file(path: str | Path, *, definition_id: str | None = None,
                     version: int | None = None) -> Imported:
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise InvalidInput(f"{p}: cannot be read: {e.strerror or e}") from None
    return import_bpmn(data, source=str(p), definition_id=definition_id, version=version)


# -- reading the XML safely ----------------------------------------------------------------------------


def parse_xml(data: bytes, source: str) -> ET.Element:
    """The document's root element; refused (:class:`InvalidInput`) if it is too large, not
    well-formed, or declares a document type (where entities live)."""
    from xml.parsers import expat

    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{source}: larger than {MAX_BYTES} bytes")
    guard = expat.ParserCreate()

    def forbid(*_args: object) -> None:
        raise InvalidInput(f"{source}: a document type declaration (<!DOCTYPE>, entities) is not allowed "
                           "in a BPMN file")

    guard.StartDoctypeDeclHandler = forbid
    guard.EntityDeclHandler = forbid
    guard.UnparsedEntityDeclHandler = forbid
    guard.ExternalEntityRefHandler = forbid  # type: ignore[assignment]
    try:
        guard.Parse(data, True)
    except expat.ExpatError as e:
        raise InvalidInput(f"{source}: not well-formed XML: {e}") from None
    return ET.fromstring(data)  # proven above to declare no entity: nothing can expand


# -- the model ----------------------------------------------------------------------------------------


def _local(el: ET.Element) -> str | None:
    """The BPMN element's local name; None for an element of another namespace."""
    if not isinstance(el.tag, str) or not el.tag.startswith("{"):
        return None
    ns, _, name = el.tag[1:].partition("}")
    return name if ns == BPMN else None


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c) == name]


def _text_of(el: ET.Element, name: str) -> str:
    found = _children(el, name)
    return " ".join((found[0].text or "").split()) if found else ""


def _oneline(text: str) -> str:
    return " ".join(text.split())


def slug(text: str, *, lower: bool = True, fallback: str = "x") -> str:
    """An id from a name: ASCII letters, digits and ``_`` (``Godkänn förstudie`` -> ``godkann_forstudie``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9]+", "_", folded).strip("_")
    s = s.lower() if lower else s
    if not s:
        s = fallback
    if not s[0].isalpha():
        s = f"{fallback}_{s}"
    return s[:64].rstrip("_")


@dataclass
class _Node:
    id: str
    kind: str  # start, end, state, xor, and
    name: str
    doc: str


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str
    doc: str
    condition: str


@dataclass
class _Joint:
    split: str
    join: str
    parties: list[tuple[str, str]]  # (party id, party name)


@dataclass
class _Path:
    source: str
    target: str
    flows: list[_Flow]
    joint: _Joint | None
    decided_at: str


@dataclass
class _Step:
    trigger: str
    label: tuple[str, str]  # sv, en
    sources: list[str]
    dest: str
    elements: list[str]
    joint: list[str] = field(default_factory=list)
    on_refusal: str | None = None
    bodies: list[str] = field(default_factory=list)
    documented_bodies: list[str] = field(default_factory=list)
    sets_due: list[str] = field(default_factory=list)


class _Model:
    """One process of a BPMN document, read into states and steps."""

    def __init__(self, root: ET.Element, source: str) -> None:
        self.source = source
        if _local(root) != "definitions":
            raise InvalidInput(f"{source}: not a BPMN 2.0 document (the root element is "
                               f"{_oneline(str(root.tag))!r}, not bpmn:definitions)")
        self.root = root
        self.exported = root.get("exporter") == EXPORTER
        processes = _children(root, "process")
        if not processes:
            raise InvalidInput(f"{source}: the document has no process (bpmn:process) to import")
        drawn = [p for p in processes if any(_local(c) not in (None, "documentation", "laneSet", "extensionElements")
                                             for c in p)]
        if len(drawn) > 1:
            raise InvalidInput(f"{source}: {drawn[1].get('id', '?')}: more than one process (pool) has flow "
                               "elements; import one process at a time")
        self.process = (drawn or processes)[0]
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []
        self._read_elements()
        self.outgoing: dict[str, list[_Flow]] = {n: [] for n in self.nodes}
        self.incoming: dict[str, list[_Flow]] = {n: [] for n in self.nodes}
        for f in self.flows:
            for end in (f.source, f.target):
                if end not in self.nodes:
                    raise InvalidInput(f"{source}: {f.id}: the sequence flow refers to {end!r}, "
                                       "which is not an element of the process")
            self.outgoing[f.source].append(f)
            self.incoming[f.target].append(f)
        self.lang = self._language()
        self._deciding: set[str] | None = None
        self.joints = self._joints()
        self.lanes, self.parties = self._lanes()
        self.state_ids: dict[str, str] = {}
        self.labels: dict[str, tuple[str, str]] = {}

    # -- elements ------------------------------------------------------------------------------------

    def _refuse(self, element: str, why: str) -> InvalidInput:
        return InvalidInput(f"{self.source}: {element}: {why}")

    def _read_elements(self) -> None:
        for el in self.process:
            name = _local(el)
            if name is None or name in IGNORED_TAGS:
                continue
            ident = el.get("id")
            if not ident:
                raise self._refuse(f"bpmn:{name}", "an element without an id")
            if name in REFUSED_TAGS:
                raise self._refuse(ident, REFUSED_TAGS[name])
            if name == "sequenceFlow":
                cond = _children(el, "conditionExpression")
                self.flows.append(_Flow(ident, el.get("sourceRef", ""), el.get("targetRef", ""),
                                        _oneline(el.get("name", "")), _text_of(el, "documentation"),
                                        _oneline(cond[0].text or "") if cond else ""))
                continue
            if name in STATE_TAGS or name in ("startEvent", "endEvent"):
                self._check_event(el, ident, name)
                for loop in ("standardLoopCharacteristics", "multiInstanceLoopCharacteristics"):
                    if _children(el, loop):
                        raise self._refuse(ident, "a loop or multi-instance task cannot be imported: "
                                           "draw a step back to the state instead")
                kind = {"startEvent": "start", "endEvent": "end"}.get(name, "state")
            elif name == "exclusiveGateway":
                kind = "xor"
            elif name == "parallelGateway":
                kind = "and"
            else:
                raise self._refuse(ident, f"a bpmn:{name} cannot be imported")
            if ident in self.nodes:
                raise self._refuse(ident, "the id is used twice")
            self.nodes[ident] = _Node(ident, kind, _oneline(el.get("name", "")), _text_of(el, "documentation"))
        starts = [n for n in self.nodes.values() if n.kind == "start"]
        if len(starts) != 1:
            at = starts[1].id if starts else self.process.get("id", "process")
            raise self._refuse(at, f"a process must have exactly one start event (it has {len(starts)})")
        self.start = starts[0].id

    def _check_event(self, el: ET.Element, ident: str, name: str) -> None:
        for d in el:
            what = _local(d)
            if what == "timerEventDefinition":
                raise self._refuse(ident, TIMER)
            if what in REFUSED_EVENTS and name != "endEvent":
                raise self._refuse(ident, REFUSED_EVENTS[what])

    def _language(self) -> str:
        """The language the names are in: an export says so by its start event's name; else Swedish."""
        if self.exported:
            start = self.nodes[self.start].name
            for lang in ("sv", "en"):
                if start == t("The case is opened", lang):
                    return lang
            for n in self.nodes.values():
                if n.kind == "xor" and n.name == t("Which decision?", "en"):
                    return "en"
        return "sv"

    def _joints(self) -> dict[str, _Joint]:
        """Every parallel split, read as a joint decision (by split id); any other parallel gateway is refused."""
        joints: dict[str, _Joint] = {}
        used: set[str] = set()
        for n in self.nodes.values():
            if n.kind != "and" or n.id in used:
                continue
            ins, outs = self.incoming[n.id], self.outgoing[n.id]
            if len(ins) != 1 or len(outs) < 2:
                raise self._refuse(n.id, PARALLEL)
            branches = [self.nodes[f.target] for f in outs]
            if not all(b.kind == "state" and len(self.incoming[b.id]) == 1 and len(self.outgoing[b.id]) == 1
                       for b in branches):
                raise self._refuse(n.id, PARALLEL)
            join = self.nodes[self.outgoing[branches[0].id][0].target]
            if (join.kind != "and" or any(self.outgoing[b.id][0].target != join.id for b in branches)
                    or len(self.incoming[join.id]) != len(branches) or len(self.outgoing[join.id]) != 1):
                raise self._refuse(n.id, PARALLEL)
            step_label = ins[0].name
            parties = []
            for b in branches:
                who, sep, what = b.name.partition(": ")
                if not sep or not who.strip() or (step_label and what.strip() != step_label):
                    raise self._refuse(n.id, PARALLEL)
                prefix = f"Decide_{ins[0].id.removeprefix('Flow_')}_"
                party = b.id.removeprefix(prefix) if self.exported and b.id.startswith(prefix) else ""
                parties.append((party if _IDENT.match(party) else slug(who), who.strip()))
            joints[n.id] = _Joint(n.id, join.id, parties)
            used |= {n.id, join.id, *(b.id for b in branches)}
        return joints

    def _lanes(self) -> tuple[dict[str, str], dict[str, tuple[str, list[tuple[str, str]], bool]]]:
        """Element id -> body id, and party id -> (name, [(body id, body name)], whether a pool or lane
        names it), from pools and lanes."""
        pool = ""
        for collab in _children(self.root, "collaboration"):
            for p in _children(collab, "participant"):
                if p.get("processRef") == self.process.get("id"):
                    pool = _oneline(p.get("name", ""))
        at: dict[str, str] = {}
        parties: dict[str, tuple[str, list[tuple[str, str]], bool]] = {}
        taken: set[str] = set()

        def walk(lane_set: ET.Element, party: str) -> None:
            for lane in _children(lane_set, "lane"):
                name = _oneline(lane.get("name", "")) or lane.get("id", "")
                inner = _children(lane, "childLaneSet")
                if inner:
                    walk(inner[0], name)
                    continue
                body = name if _IDENT.match(name) and len(name) <= 16 else slug(name, lower=False, fallback="body")
                while body in taken:
                    body += "_2"
                taken.add(body)
                owner = party or pool or UNNAMED_PARTY
                parties.setdefault(slug(owner, fallback="party"), (owner, [], owner != UNNAMED_PARTY))[1].append(
                    (body, name))
                for ref in _children(lane, "flowNodeRef"):
                    at[(ref.text or "").strip()] = body

        for lane_set in _children(self.process, "laneSet"):
            walk(lane_set, "")
        return at, parties

    # -- states and steps ----------------------------------------------------------------------------

    def _is_state(self, node: _Node) -> bool:
        return node.kind in ("state", "end") and node.id not in self.deciding

    @property
    def deciding(self) -> set[str]:
        """The tasks of the parties of joint decisions: part of a step, not states."""
        if self._deciding is None:
            self._deciding = {f.target for j in self.joints.values() for f in self.outgoing[j.split]}
        return self._deciding

    def _initial(self) -> str:
        """The state the start event leads to; the start event itself when it leads to a choice."""
        outs = self.outgoing[self.start]
        if not outs:
            raise self._refuse(self.start, "the start event has no outgoing flow")
        if len(outs) == 1 and not outs[0].name:
            node = self.nodes[outs[0].target]
            seen: set[str] = set()
            while node.kind == "xor" and len(self.outgoing[node.id]) == 1 and node.id not in seen:
                seen.add(node.id)
                nxt = self.outgoing[node.id][0]
                if nxt.name:
                    break
                node = self.nodes[nxt.target]
            if self._is_state(node):
                return node.id
        return self.start

    def _paths(self, origin: str) -> list[_Path]:
        """Every way from the state ``origin`` to the next state, through gateways and joint decisions."""
        found: list[_Path] = []

        def walk(flow: _Flow, trail: list[_Flow], joint: _Joint | None, seen: frozenset[str],
                 decided_at: str) -> None:
            node = self.nodes[flow.target]
            trail = [*trail, flow]
            if node.kind == "start":
                raise self._refuse(flow.id, "a flow cannot lead back into the start event")
            if self._is_state(node):
                found.append(_Path(origin, node.id, trail, joint, decided_at))
                return
            if node.id in seen:
                raise self._refuse(node.id, "gateways in a loop with no task between them")
            outs = self.outgoing[node.id]
            if not outs:
                raise self._refuse(node.id, "a gateway with no outgoing flow")
            if node.kind == "and":
                if node.id not in self.joints or joint is not None:
                    raise self._refuse(node.id, PARALLEL)
                j = self.joints[node.id]
                for nxt in self.outgoing[j.join]:
                    walk(nxt, trail, j, seen | {node.id}, decided_at)
                return
            if node.kind != "xor":
                raise self._refuse(node.id, "an element the process cannot route through")
            here = node.id if len(outs) > 1 and decided_at == origin else decided_at
            for nxt in outs:
                walk(nxt, trail, joint, seen | {node.id}, here)

        outs = self.outgoing[origin]
        if not outs and self.nodes[origin].kind != "end":
            raise self._refuse(origin, "nothing leaves this element: end the process with an end event")
        if outs and self.nodes[origin].kind == "end":
            raise self._refuse(origin, "a flow leaves an end event")
        for f in outs:
            walk(f, [], None, frozenset(), origin)
        return found

    def _doc_parts(self, doc: str) -> tuple[str, dict[str, str]]:
        """An exported step's documentation: its label in the other language, and what it says of the step."""
        keys = {"step": "step: {trigger}", "bodies": "bodies: {bodies}", "joint": "joint: {parties}",
                "sets_due": "sets due dates: {names}"}
        prefixes = [(key, t(msg, lang).split("{")[0]) for key, msg in keys.items() for lang in ("sv", "en")]
        label: list[str] = []
        said: dict[str, str] = {}
        for part in doc.split("; "):
            for key, prefix in prefixes:
                if part.startswith(prefix):
                    said.setdefault(key, part[len(prefix):].strip())
                    break
            else:
                if not said:
                    label.append(part)
        return "; ".join(label).strip(), said

    def _name_state(self, node: _Node, initial_is_start: bool) -> None:
        other = "en" if self.lang == "sv" else "sv"
        if node.kind == "start":
            name = node.name or t("The case is opened", self.lang)
            labels = {self.lang: name, other: node.doc if self.exported and node.doc else
                      (t("The case is opened", other) if not node.name else name)}
            candidate = "opened" if not node.name else slug(node.name)
        else:
            name = node.name or node.id
            labels = {self.lang: name, other: node.doc if self.exported and node.doc else name}
            exported_id = re.sub(r"^(Task|End)_", "", node.id) if self.exported else ""
            candidate = exported_id if _IDENT.match(exported_id) else slug(node.name or node.id)
        ident = candidate
        n = 2
        while ident in self.state_ids.values():
            ident = f"{candidate[:60]}_{n}"
            n += 1
        self.state_ids[node.id] = ident
        self.labels[node.id] = (labels["sv"], labels["en"])

    def _step(self, path: _Path) -> tuple[_Step, str | None]:
        """The step a path is; and, for the export's refusal flow of a joint decision, its trigger."""
        named = [f for f in path.flows if f.name]
        refusal = next((m[1] for f in path.flows if (m := _REFUSAL.match(f.condition))), None)
        trigger = ""
        said: dict[str, str] = {}
        other_label = ""
        for f in named:
            if self.exported and f.doc:
                other_label, said = self._doc_parts(f.doc)
                trigger = said.get("step", "")
                break
        if not _IDENT.match(trigger):
            trigger = next((m[1] for f in path.flows if (m := _DECISION.match(f.condition))), "")
        sv_en: dict[str, str] = {}
        if named:
            text = " / ".join(f.name for f in named)
            sv_en = {self.lang: text, ("en" if self.lang == "sv" else "sv"): other_label or text}
        else:
            to = self.labels[path.target]
            sv_en = {"sv": t("To {state}", "sv", state=to[0]), "en": t("To {state}", "en", state=to[1])}
        if not _IDENT.match(trigger):
            trigger = slug(sv_en["sv"], fallback="step")
        target = self.state_ids[path.target]
        dest = "=" if path.target == path.source else target
        step = _Step(trigger, (sv_en["sv"], sv_en["en"]), [self.state_ids[path.source]], dest,
                     [f.id for f in named] or [path.flows[0].id])
        if path.joint is not None:
            step.joint = [p for p, _ in path.joint.parties]
        elif path.decided_at in self.lanes:
            step.bodies = [self.lanes[path.decided_at]]
        step.documented_bodies = _names(said.get("bodies", ""))
        step.sets_due = [n for n in _names(said.get("sets_due", "")) if _IDENT.match(n)]
        return step, refusal

    def steps(self) -> tuple[list[str], list[_Step]]:
        """The states (BPMN ids, in document order, the initial first) and the steps between them."""
        initial = self._initial()
        order = [initial] + [n.id for n in self.nodes.values() if n.id != initial and self._is_state(n)]
        for node_id in order:
            self._name_state(self.nodes[node_id], initial == self.start)
        raw: list[_Step] = []
        runs: list[list[int]] = []  # per state, its steps (indexes into raw) in the order drawn
        refusals: dict[tuple[str, str], str] = {}
        for origin in order:
            taken: dict[str, str] = {}  # trigger -> destination, from this state
            runs.append([])
            for path in self._paths(origin):
                step, refusal = self._step(path)
                if refusal is not None:
                    refusals[(step.sources[0], refusal)] = step.dest if step.dest != "=" else step.sources[0]
                    continue
                base, n = step.trigger, 2
                while step.trigger in taken and taken[step.trigger] != step.dest:
                    step.trigger = f"{base[:60]}_{n}"
                    n += 1
                if step.trigger in taken:
                    continue  # the same step drawn twice (two routes to the same state)
                taken[step.trigger] = step.dest
                runs[-1].append(len(raw))
                raw.append(step)
        merged: list[_Step] = []
        into: dict[int, int] = {}  # raw index -> merged index
        loops_last = [i for i, s in enumerate(raw) if s.dest != "="] + [i for i, s in enumerate(raw) if s.dest == "="]
        for i in loops_last:
            step = raw[i]
            # A step keeping the state joins one leading into it from elsewhere, else the others keeping theirs.
            wanted = [step.sources[0], "="] if step.dest == "=" else [step.dest]
            k = next((k for dest in wanted for k, m in enumerate(merged) if _same(m, step, dest)), None)
            if k is None:
                into[i] = len(merged)
                merged.append(step)
            else:
                into[i] = k
                merged[k].sources += [s for s in step.sources if s not in merged[k].sources]
                merged[k].elements += step.elements
        for step in merged:
            if step.joint:
                dests = {refusals.get((s, step.trigger)) for s in step.sources} - {None}
                if len(dests) == 1:
                    step.on_refusal = dests.pop()
        return order, [merged[k] for k in _in_drawn_order(len(merged), [[into[i] for i in run] for run in runs])]

    def element_of(self, problem: str) -> str:
        """The BPMN element a loader's problem names (by a state id or trigger in quotes), else the process."""
        for quoted in re.findall(r"'([^']+)'", problem):
            for element, ident in self.state_ids.items():
                if ident == quoted:
                    return element
        return self.process.get("id", "process")

    # -- YAML ----------------------------------------------------------------------------------------

    def to_yaml(self, definition_id: str | None, version: int | None) -> str:
        order, steps = self.steps()
        proc_id = self.process.get("id", "")
        proc_name = _oneline(self.process.get("name", ""))
        ns_id, ns_version = None, None
        m = re.match(r"^urn:kansli-workflow:definition:([A-Za-z][A-Za-z0-9_-]{0,63}):(\d+)$",
                     self.root.get("targetNamespace", ""))
        if self.exported and m:
            ns_id, ns_version = m[1], int(m[2])
        ident = definition_id or ns_id or slug(proc_name or proc_id or Path(self.source).stem, fallback="process")
        if not _IDENT.match(ident):
            raise InvalidInput(f"{self.source}: {ident!r} is not a definition id: letters, digits, _ and -, "
                               "beginning with a letter", field="id")
        number = version if version is not None else ns_version or 1
        if number < 1:
            raise InvalidInput(f"{self.source}: a version is a whole number from 1", field="version")
        label = _VERSIONED.sub(r"\1", proc_name) if self.exported else proc_name
        label = label or ident
        description = _text_of(self.process, "documentation")

        out = [
            "# yaml-language-server: $schema=definition.schema.json",
            "#",
            f"# Imported from BPMN: {Path(self.source).name}, process {proc_id or '?'}"
            + (" (written by kansli-workflow)." if self.exported else "."),
            "# BPMN does not say all a definition needs: every line marked TODO asks for a decision of yours.",
            "# TODO: what each step needs (requires), the due dates it closes (closes_due), guards, statements;",
            "# see README and definitions/*.yaml.  Check the result with: wf definitions validate FILE",
            f"id: {ident}",
            f"version: {number}",
            f"label: {_label(label, label)}  # TODO: the English label",
        ]
        if description:
            out.append(f"description: {_q(description)}")
        out += [
            "",
            f"roles: [{', '.join(DEFAULT_ROLES)}]  # TODO: the roles that record (defaults as the shipped definitions)",
            f"on_behalf: [{', '.join(DEFAULT_ON_BEHALF)}]",
        ]
        parties = self.parties
        joint_parties: dict[str, str] = {}
        for step in steps:
            if step.joint:
                for p, who in next(j.parties for j in self.joints.values() if [x for x, _ in j.parties] == step.joint):
                    joint_parties.setdefault(p, who)
        documented = sorted({b for s in steps for b in s.documented_bodies})
        if parties or joint_parties:
            out += ["", "parties:"]
            for pid, (name, bodies, named) in parties.items():
                out += [f"  - id: {pid}", f"    name: {_q(name)}"
                        + ("" if named else "  # TODO: the principal's name (no pool names it)"),
                        "    bodies:"]
                for bid, bname in bodies:
                    out.append(f"      - {{id: {bid}, label: {_label(bname, bname)}}}  # TODO: English label, kind")
            for pid, who in joint_parties.items():
                if pid in parties:
                    continue
                hint = f" (the steps name {', '.join(documented)})" if documented else ""
                out += [f"  - id: {pid}", f"    name: {_q(who)}", "    bodies:",
                        f"      # TODO: the bodies of {who} that decide{hint}; BPMN does not say",
                        f"      - {{id: {pid}_body, label: {_label(who, who)}}}"]
        due = list(dict.fromkeys(n for s in steps for n in s.sets_due))
        if due:
            out += ["", "due_dates:  # TODO: labels and reminders (remind: {before: [30, 7], after: [1, 14]})"]
            out += [f"  - {{id: {n}, label: {_label(n, n)}}}" for n in due]
        out += ["", "states:"]
        for i, node_id in enumerate(order):
            node = self.nodes[node_id]
            sv, en = self.labels[node_id]
            extra = ", initial: true" if i == 0 else ", final: true" if node.kind == "end" else ""
            todo = "; TODO: English label" if sv == en and not self.exported else ""
            out.append(f"  - {{id: {self.state_ids[node_id]}, label: {_label(sv, en)}{extra}}}  # {node_id}{todo}")
        out += ["", "transitions:"]
        for step in steps:
            sources = step.sources[0] if len(step.sources) == 1 else f"[{', '.join(step.sources)}]"
            todo = "  # TODO: English label" if step.label[0] == step.label[1] and not self.exported else ""
            out += [
                f"  - trigger: {step.trigger}  # {', '.join(dict.fromkeys(step.elements))}",
                f"    label: {_label(*step.label)}{todo}",
                f"    from: {sources}",
                f"    to: {_q(step.dest)}",
            ]
            if step.bodies:
                out.append(f"    bodies: [{', '.join(step.bodies)}]")
            elif step.documented_bodies:
                out.append(f"    # TODO bodies: the BPMN names {', '.join(step.documented_bodies)}; declare them "
                           "under parties and list them here")
            else:
                out.append("    # TODO bodies: which bodies may take this step (none listed: any)")
            if step.joint:
                out.append(f"    joint: [{', '.join(step.joint)}]")
            if step.on_refusal:
                out.append(f"    on_refusal: {step.on_refusal}")
            out.append("    requires: [reference]  # TODO: also due, note, amount, basis?")
            if step.sets_due:
                out.append(f"    sets_due: [{', '.join(step.sets_due)}]")
        return "\n".join(out) + "\n"


def _in_drawn_order(count: int, runs: list[list[int]]) -> list[int]:
    """0..count-1 in an order that keeps each state's steps in the order they leave it (as the export
    draws a definition's steps), earliest drawn first; so the imported definition draws as the original."""
    after: dict[int, set[int]] = {k: set() for k in range(count)}
    first: dict[int, int] = {}
    for run in runs:
        for a, b in zip(run, run[1:], strict=False):
            if a != b:
                after[b].add(a)
    for pos, k in enumerate(k for run in runs for k in run):
        first.setdefault(k, pos)
    done: list[int] = []
    left = set(range(count))
    while left:
        ready = [k for k in left if not (after[k] & left)] or list(left)  # a cycle: the earliest drawn
        k = min(ready, key=lambda k: first.get(k, count))
        done.append(k)
        left.discard(k)
    return done


def _same(a: _Step, b: _Step, dest: str) -> bool:
    return (a.trigger == b.trigger and a.dest == dest and a.label == b.label and a.joint == b.joint
            and a.bodies == b.bodies and a.sets_due == b.sets_due)


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


_PLAIN = re.compile(r"^[^\W\d_][\w .()/'&+-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def _q(text: str) -> str:
    """A YAML scalar for ``text``, plain where that is safe (also inside a flow mapping), else quoted."""
    if _PLAIN.match(text) and text == text.strip() and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _label(sv: str, en: str) -> str:
    return f"{{sv: {_q(sv)}, en: {_q(en)}}}"


def element_ids(text: str) -> Iterable[str]:
    """The BPMN element ids a YAML written here names in its comments, for tests."""
    return re.findall(r"#\s+([A-Za-z_][\w.-]*)", text)
