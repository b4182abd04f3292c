"""YAML -> :class:`~workflow.core.definition.Definition`: schema first, then the graph.

Every error names the file, the line and the element.  The YAML is read with
the safe loader (YAML 1.2 booleans: ``no`` stays a string), aliases are
refused (no billion-laughs), and size and depth are bounded, so a hostile file
ends in :class:`InvalidDefinition`, never in a crash.

Nothing is cached between runs: every text is parsed and checked afresh, but
for the shipped definitions, whose parsed and checked form is generated into
the package with them (``definitions/parsed.json``).  The schema check is a module generated from ``definitions/definition.schema.json``
and committed with the package (:mod:`~workflow.core.definition_schema_validator`),
so no code is compiled at run time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from workflow.core.definition import (
    Body,
    Definition,
    DueKind,
    Label,
    Party,
    State,
    Statement,
    Transition,
)
from workflow.core.errors import InvalidDefinition
from workflow.core.guards import get_guard

MAX_BYTES = 1_000_000
MAX_DEPTH = 32

Lines = dict[tuple[Any, ...], int]


def _parse_yaml(text: str, path: str) -> tuple[Any, Lines]:
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from workflow.core import yaml_reader

    loader_cls = yaml_reader.Loader
    if not yaml_reader.NESTING_BOUNDED:
        _check_depth(text, path, loader_cls)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InvalidDefinition(path, 1, "document", "the file is empty")
        lines: Lines = {}
        visited: set[int] = set()

        def walk(n: Any, at: tuple[Any, ...], depth: int) -> None:
            if depth > MAX_DEPTH:
                raise InvalidDefinition(path, n.start_mark.line + 1, _element(at), "nested too deeply")
            if id(n) in visited and not isinstance(n, ScalarNode):
                raise InvalidDefinition(
                    path, n.start_mark.line + 1, _element(at), "anchors and aliases are not allowed"
                )
            visited.add(id(n))
            lines[at] = n.start_mark.line + 1
            if isinstance(n, MappingNode):
                seen: set[Any] = set()
                for key_node, value_node in n.value:
                    if not isinstance(key_node, ScalarNode):
                        raise InvalidDefinition(
                            path, key_node.start_mark.line + 1, _element(at), "keys must be plain text"
                        )
                    key = key_node.value
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        raise InvalidDefinition(
                            path, key_node.start_mark.line + 1, _element(at), "merge keys (<<) are not allowed"
                        )
                    if key in seen:
                        raise InvalidDefinition(
                            path, key_node.start_mark.line + 1, _element(at + (key,)), "duplicate key"
                        )
                    seen.add(key)
                    walk(value_node, at + (key,), depth + 1)
            elif isinstance(n, SequenceNode):
                for i, item in enumerate(n.value):
                    walk(item, at + (i,), depth + 1)

        walk(node, (), 0)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InvalidDefinition(path, line, "document", f"not valid YAML: {exc.problem or exc}")
    except yaml.YAMLError as exc:
        raise InvalidDefinition(path, None, "document", f"not valid YAML: {exc}")
    except RecursionError:
        raise InvalidDefinition(path, None, "document", "nested too deeply")
    finally:
        loader.dispose()
    return data, lines


def _check_depth(text: str, path: str, loader_cls: Any) -> None:
    """Refuse deep nesting before a node tree is built: composing one recurses, and with
    libyaml before 0.2.5 a few tens of thousands of ``[`` crash the interpreter (a segfault,
    not a RecursionError).  The event stream is produced without recursion.  Needed only
    where :data:`~workflow.core.yaml_reader.NESTING_BOUNDED` is false."""
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader_cls):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise InvalidDefinition(path, line, "document", "nested too deeply")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # reported, with its line, by the parse proper


def _element(at: tuple[Any, ...]) -> str:
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def _line(lines: Lines, at: tuple[Any, ...]) -> int | None:
    while at not in lines and at:
        at = at[:-1]
    return lines.get(at)


def load_text(text: str, path: str = "<text>") -> Definition:
    """Parse and validate one definition from YAML text: schema first, then the graph."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_BYTES:
        raise InvalidDefinition(path, None, "document", f"larger than {MAX_BYTES} bytes")
    data, lines = _parse_yaml(text, path)
    return _checked(data, lines, path, _digest(encoded), text)


def load_file(path: str | os.PathLike[str], prepared: Mapping[str, Any] | None = None) -> Definition:
    """Read, parse and validate one definition file.

    ``prepared`` maps texts to their parsed form (see :func:`parsed_form`), as
    generated into the package for the shipped definitions: a file whose text
    is, character for character, one of them was parsed and checked against
    the schema when the form was generated (``make generated`` refuses an
    invalid one, and a test fails when the form is stale), so it is neither
    parsed nor schema-checked again; its graph is checked as any other's.
    """
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise InvalidDefinition(p, None, "file", exc.strerror or str(exc))
    if len(raw) > MAX_BYTES:
        raise InvalidDefinition(p, None, "document", f"larger than {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidDefinition(p, None, "document", f"not UTF-8 text ({exc.reason})")
    parsed = (prepared or {}).get(text)
    if parsed is None:
        return load_text(text, p)
    lines: Lines = {("transitions", i): n for i, n in enumerate(parsed["transition_lines"])}
    return _checked(parsed["data"], lines, p, parsed["digest"], text, schema_checked=True)


def parsed_form(text: str, path: str) -> dict[str, Any]:
    """What :func:`load_file` needs to skip parsing ``text``: the text, its digest, its data, the lines of its
    transitions."""
    data, lines = _parse_yaml(text, path)
    return {
        "digest": _digest(text.encode("utf-8")), "data": data, "text": text,
        "transition_lines": [lines.get(("transitions", i), 0) for i in range(len(data["transitions"]))],
    }


def _digest(encoded: bytes) -> str:
    import hashlib  # not at start-up: a shipped definition's digest was generated with it

    return hashlib.sha256(encoded).hexdigest()


def _checked(data: Any, lines: Lines, path: str, digest: str, text: str, *, schema_checked: bool = False) -> Definition:
    if not isinstance(data, dict):
        raise InvalidDefinition(path, 1, "document", "must be a mapping with id, version, states, ...")
    if not schema_checked:
        _check_schema(data, lines, path)
    definition = _build(data, lines, path, digest, text)
    check_graph(definition, data, lines)
    return definition


def _check_schema(data: dict[str, Any], lines: Lines, path: str) -> None:
    from workflow.core.definition_schema_validator import JsonSchemaValueException, validate

    try:
        validate(data)
    except JsonSchemaValueException as exc:
        at = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in (exc.path or [])[1:])
        message = exc.message.removeprefix(exc.name or "data").strip() or exc.message
        raise InvalidDefinition(path, _line(lines, at), _element(at), message)


def _label(raw: dict[str, str]) -> Label:
    return Label(sv=raw["sv"], en=raw["en"])


def _as_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _build(data: dict[str, Any], lines: Lines, path: str, digest: str, text: str) -> Definition:
    def unique(kind: str, items: Iterable[tuple[int, str]], key: str) -> None:
        seen: set[str] = set()
        for i, ident in items:
            if ident in seen:
                at = (kind, i, key)
                raise InvalidDefinition(path, _line(lines, at), _element(at), f"duplicate id {ident!r}")
            seen.add(ident)

    parties: dict[str, Party] = {}
    bodies: dict[str, Body] = {}
    body_at: list[tuple[int, str]] = []
    for pi, p in enumerate(data.get("parties", [])):
        for bi, b in enumerate(p["bodies"]):
            if b["id"] in bodies:
                at = ("parties", pi, "bodies", bi, "id")
                raise InvalidDefinition(path, _line(lines, at), _element(at), f"duplicate body {b['id']!r}")
            bodies[b["id"]] = Body(
                id=b["id"], party=p["id"], label=_label(b["label"]),
                kind=b.get("kind", "committee"), proposes_to=b.get("proposes_to"),
                numbering=b.get("numbering", "yearly"),
            )
            body_at.append((bi, b["id"]))
        parties[p["id"]] = Party(p["id"], p["name"], tuple(b["id"] for b in p["bodies"]))
    unique("parties", enumerate(p["id"] for p in data.get("parties", [])), "id")
    unique("states", enumerate(s["id"] for s in data["states"]), "id")
    unique("due_dates", enumerate(d["id"] for d in data.get("due_dates", [])), "id")
    unique("statements", enumerate(s["id"] for s in data.get("statements", [])), "id")

    states = {
        s["id"]: State(
            id=s["id"], label=_label(s["label"]), initial=bool(s.get("initial", False)),
            final=bool(s.get("final", False)), phase=s.get("phase"),
        )
        for s in data["states"]
    }
    transitions = tuple(
        Transition(
            trigger=t["trigger"], label=_label(t["label"]), sources=_as_tuple(t["from"]),
            dest=t["to"], bodies=_as_tuple(t.get("bodies")), joint=_as_tuple(t.get("joint")),
            on_refusal=t.get("on_refusal"),
            requires=frozenset(t.get("requires", ["reference"])),
            sets_due=_as_tuple(t.get("sets_due")), closes_due=_as_tuple(t.get("closes_due")),
            guards=_as_tuple(t.get("guards")), statements=_as_tuple(t.get("statements")),
            roles=_as_tuple(t.get("roles")), line=_line(lines, ("transitions", i)) or 0,
        )
        for i, t in enumerate(data["transitions"])
    )
    return Definition(
        id=data["id"], version=data["version"], label=_label(data["label"]),
        description=data.get("description", "").strip(),
        states=MappingProxyType(states), transitions=transitions,
        parties=MappingProxyType(parties), bodies=MappingProxyType(bodies),
        due_kinds=MappingProxyType({d["id"]: _due_kind(d) for d in data.get("due_dates", [])}),
        statements=MappingProxyType({s["id"]: Statement(s["id"], _label(s["label"])) for s in data.get("statements", [])}),
        roles=tuple(data.get("roles", [])), on_behalf=tuple(data.get("on_behalf", [])), source=path, digest=digest, text=text,
    )


def _due_kind(raw: dict[str, Any]) -> DueKind:
    remind = raw.get("remind", {})
    return DueKind(raw["id"], _label(raw["label"]), tuple(sorted(remind.get("before", []), reverse=True)),
                   tuple(sorted(remind.get("after", []))), raw.get("on_overdue", {}).get("offer"))


def check_graph(d: Definition, data: dict[str, Any], lines: Lines) -> None:
    """The graph checks: one initial state, final states are final, all reachable, names exist."""

    def fail(at: tuple[Any, ...], problem: str) -> None:
        raise InvalidDefinition(d.source, _line(lines, at), _element(at), problem)

    initials = [i for i, s in enumerate(data["states"]) if s.get("initial")]
    if len(initials) != 1:
        fail(("states",) if not initials else ("states", initials[1]),
             f"exactly one state must be initial (found {len(initials)})")
    if not d.final_states:
        fail(("states",), "at least one state must be final")
    for i, s in enumerate(data["states"]):
        if s.get("initial") and s.get("final"):
            fail(("states", i), "a state cannot be both initial and final")

    for i, name in enumerate(d.on_behalf):
        if name not in d.roles:
            fail(("on_behalf", i), f"unknown role {name!r}")

    for i, kind in enumerate(d.due_kinds.values()):
        if kind.offer_when_overdue is not None and kind.offer_when_overdue not in d.triggers():
            fail(("due_dates", i, "on_overdue", "offer"), f"unknown step {kind.offer_when_overdue!r}")

    for body in d.bodies.values():
        if body.proposes_to and body.proposes_to not in d.bodies:
            fail(("parties",), f"body {body.id!r} proposes to unknown body {body.proposes_to!r}")

    for i, t in enumerate(d.transitions):
        at = ("transitions", i)
        for src in t.sources:
            if src not in d.states:
                fail(at + ("from",), f"unknown state {src!r}")
            if d.states[src].final:
                fail(at + ("from",), f"transition {t.trigger!r} leaves final state {src!r}")
        if t.dest != "=" and t.dest not in d.states:
            fail(at + ("to",), f"unknown state {t.dest!r}")
        for key, what, names, known in (
            ("bodies", "body", t.bodies, d.bodies), ("joint", "party", t.joint, d.parties),
            ("sets_due", "due date", t.sets_due, d.due_kinds),
            ("closes_due", "due date", t.closes_due, d.due_kinds),
            ("statements", "statement", t.statements, d.statements),
        ):
            for name in names:
                if name not in known:
                    fail(at + (key,), f"unknown {what} {name!r}")
        for name in t.roles:
            if name not in d.roles:
                fail(at + ("roles",), f"unknown role {name!r}")
        for name in t.guards:
            if get_guard(name) is None:
                fail(at + ("guards",), f"unknown guard {name!r}")
        if t.on_refusal is not None:
            if t.on_refusal not in d.states:
                fail(at + ("on_refusal",), f"unknown state {t.on_refusal!r}")
            if not t.joint:
                fail(at + ("on_refusal",), "on_refusal needs a joint decision (joint: [...])")
        for party in t.joint:
            if t.bodies and not any(d.bodies[b].party == party for b in t.bodies):
                fail(at + ("joint",), f"no body of party {party!r} may take this decision")
        if "due" in t.requires and not t.sets_due:
            fail(at + ("requires",), "requires a due date but sets none (sets_due: [...])")
        dup = [
            o for o in d.transitions[:i]
            if o.trigger == t.trigger and set(o.sources) & set(t.sources)
        ]
        if dup:
            fail(at + ("trigger",), f"trigger {t.trigger!r} is already defined from the same state")

    edges: dict[str, set[str]] = {s: set() for s in d.states}
    for t in d.transitions:
        for src in t.sources:
            edges[src].add(src if t.dest == "=" else t.dest)
            if t.on_refusal:
                edges[src].add(t.on_refusal)
    reachable = _closure(d.initial.id, edges)
    for i, s in enumerate(d.states.values()):
        if s.id not in reachable:
            fail(("states", i), f"state {s.id!r} cannot be reached from {d.initial.id!r}")
    finals = set(d.final_states)
    for i, s in enumerate(d.states.values()):
        if not s.final and not (_closure(s.id, edges) & finals):
            fail(("states", i), f"state {s.id!r} is a trap: no final state can be reached from it")


def _closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
