"""The decision form and the API's decision body, both derived from the one field spec.

:data:`workflow.core.fields.FIELDS` declares every field of a decision once: its
name, kind (text, list, flag, choice), requirement key and how it is read.  The
HTML form of a step shows the fields the step needs first, one input per due
date the step sets and per statement it asks for, and the rest under "more";
what a clerk submits becomes the same mapping a CLI or a scenario gives
:meth:`Decision.from_mapping`, so the same readers check it and the same
messages come back, now beside the input they concern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.core.engine import Possibility
from workflow.core.fields import BY_NAME, FIELDS, Field, requirement_field
from workflow.i18n import t

HIDDEN = ("request_id",)
"""Fields the form fills in itself: a new request id per form makes a double submit record once."""
SPECIAL = ("due", "statements", "reference")
"""Fields the form lays out per step (one input per due date, per statement; the reference first)."""


def labels(lang: str) -> dict[str, str]:
    """The label of each field's input, in ``lang``."""
    return {
        "reference": t("Decision (body, meeting date, §)", lang),
        "proposed_by": t("Proposed by", lang),
        "due": t("Due dates", lang),
        "note": t("Note", lang),
        "basis": t("Decision basis (one document a line)", lang),
        "recipients": t("Dispatched to (one recipient a line)", lang),
        "party": t("Deciding party (joint decision)", lang),
        "outcome": t("The party's answer", lang),
        "urgent": t("Urgent decision by the chair", lang),
        "amount": t("Amount granted (kronor)", lang),
        "ceiling": t("Ceiling (kronor)", lang),
        "statements": t("Statements", lang),
        "assign": t("Assignments (TASK=ASSIGNEE, one a line)", lang),
        "may_subdelegate": t("With the right to sub-delegate", lang),
        "proposal": t("The proposal this decision answers", lang),
        "proposal_outcome": t("The proposal was", lang),
        "before_opening": t("Taken before the case was opened", lang),
        "agenda_item": t("Agenda item", lang),
        "request_id": t("Request id", lang),
        "actor": t("On whose behalf (blank: yourself)", lang),
    }


def choice_labels(lang: str) -> dict[str, str]:
    return {"yes": t("yes", lang), "no": t("no", lang), "adopted": t("adopted as proposed", lang),
            "changed": t("adopted with changes", lang)}


@dataclass(frozen=True)
class Input:
    """One input of the form."""

    name: str
    """The form's name for it (``reference``, ``due.report_back``, ``statement.child_rights``)."""
    field: str
    """The decision field it gives (errors name it)."""
    label: str
    kind: str
    """``text``, ``lines``, ``textarea``, ``flag``, ``choice``."""
    required: bool = False
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


def _kind(f: Field) -> str:
    if f.kind == "flag":
        return "flag"
    if f.kind == "choice":
        return "choice"
    if f.multiple:
        return "lines"
    return "textarea" if f.name == "note" else "text"


def form_inputs(p: Possibility, lang: str, *, due_labels: Mapping[str, str], statement_labels: Mapping[str, str],
                parties: Mapping[str, str], proposals: Mapping[str, str]) -> tuple[list[Input], list[Input]]:
    """The inputs of the form for step ``p``: (those it needs or names, the others)."""
    names = labels(lang)
    required = {requirement_field(r).name for r in p.requires}
    first: list[Input] = [Input("reference", "reference", names["reference"], "text", "reference" in required,
                                hint=t("e.g. HSN 2024-02-28 § 15; the date may be YYYY-MM or YYYY", lang))]
    for name in p.sets_due:
        first.append(Input(f"due.{name}", "due", due_labels.get(name, name), "text", "due" in required,
                           hint=t("a date: 2027-09-30, 2027-09 or 2027; or a body's meeting: HSN@2027-09", lang)))
    for name in p.statements:
        first.append(Input(f"statement.{name}", "statements", statement_labels.get(name, name), "textarea", True))
    if p.joint:
        first.append(Input("party", "party", names["party"], "choice", False,
                           choices=(("", t("the body's party", lang)),
                                    *((k, v) for k, v in parties.items() if k in p.joint))))
        first.append(Input("outcome", "outcome", names["outcome"], "choice", False,
                           choices=tuple((c, choice_labels(lang)[c]) for c in BY_NAME["outcome"].choices),
                           default="yes"))
    for f in FIELDS:
        if f.name in required and f.name not in SPECIAL and f.name not in ("party", "outcome"):
            first.append(_input(f, names, lang, True, proposals))
    shown = {i.field for i in first}
    rest = [_input(f, names, lang, False, proposals) for f in FIELDS
            if f.name not in shown and f.name not in SPECIAL and f.name not in HIDDEN
            and f.name not in ("party", "outcome")]
    rest.append(Input("actor", "actor", names["actor"], "text", False))
    return first, rest


def _input(f: Field, names: Mapping[str, str], lang: str, required: bool, proposals: Mapping[str, str]) -> Input:
    kind = _kind(f)
    choices: tuple[tuple[str, str], ...] = ()
    if f.kind == "choice":
        choices = tuple((c, choice_labels(lang).get(c, c)) for c in f.choices)
    if f.name == "proposal" and proposals:
        kind = "choice"
        choices = (("", t("none", lang)), *proposals.items())
    return Input(f.name, f.name, names.get(f.name, f.name), kind, required,
                 default=str(f.default) if f.kind == "choice" and f.default else "", choices=choices)


def read_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A submitted form as the mapping :meth:`Decision.from_mapping` reads, and the actor named (if any).

    Blank inputs are left out (a field not given); list inputs hold one value a line.
    """
    out: dict[str, Any] = {}
    due: list[str] = []
    statements: list[str] = []
    for key, raw in form.items():
        text = raw if isinstance(raw, str) else ""
        if key.startswith("due.") and text.strip():
            due.append(f"{key[4:]}={text.strip()}")
        elif key.startswith("statement.") and text.strip():
            statements.append(f"{key[10:]}={' '.join(text.split())}")
    if due:
        out["due"] = due
    if statements:
        out["statements"] = statements
    for f in FIELDS:
        if f.name in ("due", "statements"):
            continue
        value = form.get(f.name)
        if not isinstance(value, str):
            continue
        if f.kind == "flag":
            out[f.name] = value in ("on", "true", "1", "yes")
        elif f.multiple:
            lines = [line.strip() for line in value.splitlines() if line.strip()]
            if lines:
                out[f.name] = lines
        elif value.strip():
            out[f.name] = value if f.name == "note" else value.strip()
    out["trigger"] = str(form.get("trigger") or "")
    actor = form.get("actor")
    return out, actor.strip() if isinstance(actor, str) and actor.strip() else None


def decision_schema() -> dict[str, Any]:
    """The JSON Schema of a decision as the API takes it, from the field spec (keys as ``from_mapping`` reads)."""
    props: dict[str, Any] = {
        "trigger": {"type": "string", "description": "The step: one of the case's triggers now."},
        "actor": {"type": "string", "description": "On whose behalf it is recorded; blank: the caller."},
    }
    for f in FIELDS:
        if f.name == "request_id":
            continue  # the Idempotency-Key header
        if f.kind == "flag":
            schema: dict[str, Any] = {"type": "boolean"}
        elif f.kind == "choice":
            schema = {"type": "string", "enum": list(f.choices)}
        elif f.multiple:
            schema = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        elif f.name in ("amount", "ceiling"):
            schema = {"oneOf": [{"type": "string"}, {"type": "number"}]}
        else:
            schema = {"type": "string"}
        schema["description"] = f.help + (f" (requirement '{f.requirement}')" if f.requirement else "")
        props[f.name] = schema
        for alias in f.aliases:
            props[alias] = {**schema, "description": f"Another name for '{f.name}'."}
    return {"type": "object", "required": ["trigger"], "properties": props, "additionalProperties": False}
