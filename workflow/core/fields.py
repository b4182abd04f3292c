"""The fields of a decision, each declared once.

A field's name, how its text is read, its help text, the requirement key a
definition's ``requires:`` names it by, and its name in the audit payload all
sit here.  The CLI's options (``wf case advance``, the shared ones of
``wf case propose``), the keys of a scenario step, the names in a mapping
given by an embedding program or a web form, the serialisation into the
audit entry and the vocabulary of ``requires:`` are derived from this table,
so adding a field is one entry here and one attribute on
:class:`~workflow.core.decisions.Decision`.

Every reader refuses what no secretary means: a blank or whitespace-only
value, a list item that is blank, a key nobody knows; and a text longer, or
holding other characters, than its kind of value may
(:mod:`workflow.core.limits`, the same limits on every database).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflow.core.decisions import (
    Assignment,
    DecisionRef,
    DueSpec,
    parse_amount,
    parse_statements,
)
from workflow.core.errors import InvalidInput
from workflow.core.limits import check_optional, check_text, check_value

if TYPE_CHECKING:
    from workflow.core.decisions import Decision

Reader = Callable[[Any, Mapping[str, Any]], Any]
"""Reads a field's raw value (text, a list of texts, a flag); gets the whole mapping for fields read together."""


@dataclass(frozen=True)
class Field:
    name: str
    """The attribute of :class:`Decision`, and the key in mappings and scenario steps."""
    help: str
    read: Reader
    dump: Callable[["Decision"], dict[str, Any]]
    """The field's part of the audit payload (several keys for a reference)."""
    flag: str = ""
    """The CLI option, ``--`` and the name with ``-`` for ``_`` unless given."""
    metavar: str | None = None
    multiple: bool = False
    kind: str = "value"
    """``value``, ``flag`` (a switch) or ``choice``."""
    choices: tuple[str, ...] = ()
    default: Any = None
    requirement: str | None = None
    """The key a definition's ``requires:`` names this field by."""
    needs: str = ""
    """How a message says what the requirement asks for ("a note")."""
    aliases: tuple[str, ...] = ()
    """Other keys a mapping may give the field under (``decision`` for ``reference``)."""
    attribute: bool = True
    """False for a field read only with others (``may_subdelegate``, read by ``assign``)."""

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def given(self, value: Any) -> bool:
        """Whether a decision gives this field (for a requirement)."""
        return value is not None and value != () and value is not False


def _as_text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a number in a scenario's YAML (agenda_item: 5)
    raise InvalidInput(f"{what} must be text, not {type(value).__name__}")


def of_kind(kind: str, value: Any) -> str:
    """A text a person wrote, as a kind of value of :mod:`workflow.core.limits` (``"request id"``):
    stripped; refused blank, longer than the kind's limit, or with characters it may not hold."""
    return check_text(kind, _as_text(value, kind))


def text(value: Any, what: str, *, limit: int = 10_000, single_line: bool = False) -> str:
    """A text checked against a limit of its own (for readers not yet named by a kind); see :func:`of_kind`."""
    stripped = _as_text(value, what).strip()
    if not stripped:
        raise InvalidInput(f"{what} is blank")
    check_value(what, stripped, limit, single_line=single_line)
    return stripped


def _items(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise InvalidInput(f"{what} must be a list")


def one(kind: str) -> Reader:
    """The reader of a field holding one text of ``kind``."""
    return lambda v, _m: None if v is None else of_kind(kind, v)


def many(kind: str, plural: str) -> Reader:
    """The reader of a field holding texts of ``kind``, given one or as a list."""
    return lambda v, _m: tuple(of_kind(kind, x) for x in _items(v, plural))


def one_text(what: str, limit: int = 1000) -> Reader:
    return lambda v, _m: None if v is None else text(v, what, limit=limit)


def many_texts(what: str, limit: int = 1000) -> Reader:
    return lambda v, _m: tuple(text(x, what, limit=limit) for x in _items(v, what))


def _flag(value: Any, _m: Mapping[str, Any]) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    raise InvalidInput(f"a yes/no field must be true or false, not {value!r}")


def _choice(name: str, choices: tuple[str, ...], default: str) -> Reader:
    def read(value: Any, _m: Mapping[str, Any]) -> str:
        if value is None:
            return default
        if value not in choices:
            raise InvalidInput(f"{name} must be one of {', '.join(choices)}, not {value!r}", field=name)
        return str(value)
    return read


def _reference(value: Any, _m: Mapping[str, Any]) -> DecisionRef | None:
    if value is None:
        return None
    if isinstance(value, DecisionRef):
        return value
    ref = DecisionRef.parse(of_kind("decision reference", value))
    check_text("decision reference", str(ref))  # as it is stored: "§15" is written "§ 15"
    return ref


def _due(value: Any, _m: Mapping[str, Any]) -> tuple[DueSpec, ...]:
    specs = tuple(d if isinstance(d, DueSpec) else DueSpec.parse(of_kind("due date", d))
                  for d in _items(value, "due dates"))
    for spec in specs:
        check_text("due date name", spec.name)
        check_optional("meeting", spec.meeting)
    return specs


def _amount(what: str) -> Reader:
    def read(value: Any, _m: Mapping[str, Any]) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = of_kind("amount", value)
        return parse_amount(value)
    return read


def _statements(value: Any, _m: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        return tuple(sorted((of_kind("statement name", str(k)), of_kind("statement", v)) for k, v in value.items()))
    pairs = parse_statements([of_kind("statement", s) for s in _items(value, "statements")])
    for name, _said in pairs:
        check_text("statement name", name)
    return pairs


def _assign(value: Any, m: Mapping[str, Any]) -> tuple[Assignment, ...]:
    may = _flag(m.get("may_subdelegate"), m)
    return tuple(a if isinstance(a, Assignment) else Assignment.parse(of_kind("assignment", a), may)
                 for a in _items(value, "assignments"))


def _ref_json(d: "Decision") -> dict[str, Any]:
    r = d.reference
    return {"reference": str(r) if r else None, "body": r.body if r else None,
            "meeting_date": str(r.date) if r else None, "paragraph": r.paragraph if r else None}


def _plain(name: str) -> Callable[["Decision"], dict[str, Any]]:
    return lambda d: {name: getattr(d, name)}


def _listed(name: str) -> Callable[["Decision"], dict[str, Any]]:
    return lambda d: {name: list(getattr(d, name))}


def _decimal(name: str) -> Callable[["Decision"], dict[str, Any]]:
    return lambda d: {name: None if getattr(d, name) is None else str(getattr(d, name))}


def _nothing(_d: "Decision") -> dict[str, Any]:
    return {}


FIELDS: tuple[Field, ...] = (
    Field("reference", "The decision: body, meeting date and minute paragraph, 'HSN 2024-02-28 § 15'.",
          _reference, _ref_json, flag="--decision", metavar="REF", requirement="reference",
          needs="a decision reference: the body, the meeting date and the minute paragraph",
          aliases=("decision",)),
    Field("proposed_by", "Who proposed it (e.g. HSN-AU, KS).", one("proposer"),
          _plain("proposed_by"), metavar="BODY"),
    Field("due", "A due date set or moved: report_back=2027-09, or report_back=HSN@2023-12 (repeatable).",
          _due, lambda d: {"due": [x.to_json() for x in d.due]}, metavar="NAME=DATE", multiple=True,
          requirement="due", needs="a due date"),
    Field("note", "A note on the decision.", one("note"), _plain("note"), requirement="note",
          needs="a note"),
    Field("basis", "A basis document (beslutsunderlag; repeatable).", many("basis document", "basis documents"),
          _listed("basis"), metavar="DOCUMENT", multiple=True, requirement="basis",
          needs="its basis documents (beslutsunderlag)"),
    Field("recipients", "Dispatched to (expedieras till; repeatable).", many("recipient", "recipients"),
          _listed("recipients"), flag="--to", metavar="RECIPIENT", multiple=True, aliases=("to",)),
    Field("party", "The deciding party, for a joint decision (default: the body's party).",
          one("party"), _plain("party")),
    Field("outcome", "A party's answer in a joint decision.", _choice("outcome", ("yes", "no"), "yes"),
          _plain("outcome"), kind="choice", choices=("yes", "no"), default="yes"),
    Field("urgent", "Taken by the chair on the body's behalf (brådskande beslut); must be reported to the body.",
          _flag, _plain("urgent"), kind="flag", default=False),
    Field("delegated", "Taken by an officer under the body's delegation order (delegationsbeslut); "
          "reported to the body at a meeting.", _flag, _plain("delegated"), kind="flag", default=False),
    Field("amount", "An amount granted, in kronor: 1800000, 1 800 000 or 1800000,50 (at most two decimals).",
          _amount("the amount"), _decimal("amount"), metavar="SEK",
          requirement="amount", needs="an amount"),
    Field("ceiling", "The most that may be granted ('upp till'), in kronor.", _amount("the ceiling"),
          _decimal("ceiling"), metavar="SEK"),
    Field("statements", "A required statement, NAME=TEXT (repeatable).", _statements,
          lambda d: {"statements": dict(d.statements)}, flag="--statement", metavar="NAME=TEXT", multiple=True),
    Field("assign", "Assign a task ('ges i uppdrag'), TASK=ASSIGNEE (repeatable).", _assign,
          lambda d: {"assign": [a.to_json() for a in d.assign]}, metavar="TASK=ASSIGNEE", multiple=True),
    Field("may_subdelegate", "The assignments come with the right to sub-delegate (med rätt att vidaredelegera).",
          _flag, _nothing, kind="flag", default=False, attribute=False),
    Field("proposal", "The proposal this decision answers (P1, ...).", one("proposal"),
          lambda d: {"proposal": {"id": d.proposal, "outcome": d.proposal_outcome} if d.proposal else None},
          metavar="ID"),
    Field("proposal_outcome", "Whether the proposal was adopted as it was or changed.",
          _choice("proposal_outcome", ("adopted", "changed"), "adopted"), _nothing, kind="choice",
          choices=("adopted", "changed"), default="adopted"),
    Field("before_opening", "The decision was taken before the case was opened (an inherited or back-registered "
          "decision); without it such a date is refused as a likely typing error.",
          _flag, lambda d: {"before_opening": True} if d.before_opening else {}, kind="flag", default=False),
    Field("agenda_item", "The item of the meeting's agenda this decision answers (ärende nr på föredragningslistan).",
          one("agenda item"), _plain("agenda_item"), metavar="ITEM"),
    Field("request_id", "Makes a retry safe: the same id records the decision once.", one("request id"),
          _nothing),
)
"""Every field of a decision but its trigger and actor, in the order the CLI lists them."""

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
KEYS: dict[str, Field] = {**{a: f for f in FIELDS for a in f.aliases}, **BY_NAME}
REQUIREMENTS: tuple[str, ...] = tuple(f.requirement for f in FIELDS if f.requirement)
"""The vocabulary of a definition's ``requires:`` (the JSON Schema's enum is checked against it by a test)."""


def requirement_field(requirement: str) -> Field:
    return next(f for f in FIELDS if f.requirement == requirement)


def read_fields(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The fields' values from a mapping of keys (``decision``, ``basis``, ``to`` ...), each read and checked.

    An unknown key is refused, naming the known ones; a key given twice (under
    its name and an alias) likewise.
    """
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key in mapping:
        f = KEYS.get(key)
        if f is None:
            known = ", ".join(sorted({"trigger", "actor", *KEYS}))
            raise InvalidInput(f"unknown decision field {key!r}; known: {known}")
        if f.name in seen:
            raise InvalidInput(f"the decision field {f.name!r} is given twice ({seen[f.name]!r} and {key!r})")
        seen[f.name] = key
    for f in FIELDS:
        raw = mapping.get(seen.get(f.name, f.name))
        try:
            value = f.read(raw, mapping)
        except InvalidInput as e:
            if e.field is None:
                e.field = f.name
            raise
        if f.attribute:
            out[f.name] = value
    return out
