"""Decision fields: declared once, read the same from every interface."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflow import Decision, InvalidInput
from workflow.core.fields import FIELDS, REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]


def test_the_definition_schema_knows_exactly_the_requirements_the_fields_declare() -> None:
    schema = json.loads((ROOT / "definitions" / "definition.schema.json").read_text(encoding="utf-8"))
    transition = schema["properties"]["transitions"]["items"]["properties"]
    assert sorted(transition["requires"]["items"]["enum"]) == sorted(REQUIREMENTS)


def test_every_field_is_an_option_of_advance() -> None:
    from workflow_cli.case import advance

    options = {o for p in advance.params for o in p.opts}
    assert {f.option for f in FIELDS} <= options
    assert "--posted" not in options, "minutes are posted by one route: wf case posted"


def test_cli_and_mapping_give_the_same_decision() -> None:
    from_mapping = Decision.from_mapping({
        "trigger": "start_pilot", "actor": "k", "decision": "HSN 2024-02-28 § 15", "to": ["Direktören"],
        "due": ["pilot_end=2026-01"], "statements": {"child_rights": "Beaktad"}, "assign": ["pilot=Direktören"],
        "may_subdelegate": True,
    })
    from_options = Decision.from_mapping({
        "trigger": "start_pilot", "actor": "k", "reference": "HSN 2024-02-28 § 15", "recipients": ("Direktören",),
        "due": ("pilot_end=2026-01",), "statements": ("child_rights=Beaktad",), "assign": ("pilot=Direktören",),
        "may_subdelegate": True,
    })
    assert from_mapping == from_options
    assert from_mapping.assign[0].may_subdelegate


@pytest.mark.parametrize(("mapping", "words", "field"), [
    ({"basis": ["  "]}, "basis document is blank", "basis"),
    ({"note": " \t "}, "note is blank", "note"),
    ({"decision": " "}, "blank", "reference"),
    ({"to": [""]}, "recipient is blank", "recipients"),
    ({"agenda_item": "  "}, "agenda item is blank", "agenda_item"),
    ({"outcome": "maybe"}, "outcome must be one of yes, no", "outcome"),
    ({"urgent": "yes"}, "true or false", "urgent"),
    ({"posted": "2024-03-01"}, "unknown decision field 'posted'", None),
    ({"decision": "HSN 2024", "reference": "HSN 2024"}, "given twice", None),
])
def test_what_no_secretary_means_is_refused_naming_the_field(mapping: dict[str, object], words: str,
                                                             field: str | None) -> None:
    with pytest.raises(InvalidInput, match=words) as refused:
        Decision.from_mapping({"trigger": "close", "actor": "k", **mapping})
    assert refused.value.field == field


def test_yaml_no_stays_the_answer_no_in_a_scenario_step(tmp_path: Path) -> None:
    from workflow.scenario import decision_of, load_scenario

    path = tmp_path / "s.yaml"
    path.write_text("definition: systemledning\ntitle: T\nsteps:\n  - {trigger: approve_pre_study, "
                    "decision: KF 2024, outcome: no}\n", encoding="utf-8")
    step = load_scenario(path).data["steps"][0]
    assert decision_of(step, "k").outcome == "no"
