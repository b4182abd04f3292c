"""Definitions are validated on load: schema first, then the graph; errors name file, line and element."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow import InvalidDefinition, load_file, load_text
from workflow.paths import definitions_dir
from workflow.registry import Registry, default_registry

MINIMAL = """\
id: tiny
version: 1
label: {sv: Liten, en: Tiny}
states:
  - id: open
    label: {sv: Öppen, en: Open}
    initial: true
  - id: done
    label: {sv: Klar, en: Done}
    final: true
transitions:
  - trigger: finish
    label: {sv: Avsluta, en: Finish}
    from: open
    to: done
"""


def test_shipped_definitions_load_and_validate() -> None:
    registry = default_registry()
    ids = [d.id for d in registry.latest()]
    assert "systemledning" in ids and "finansiering" in ids
    for d in registry.latest():
        assert d.initial.id in d.states
        assert d.final_states
        assert d.label.sv and d.label.en
    sl = registry.get("systemledning")
    assert {"assignment", "pre_study", "approved", "pilot", "reported", "extension", "investigation",
            "final_position", "rejected", "withdrawn", "closed"} <= set(sl.states)
    joint = [t for t in sl.transitions if t.joint]
    assert joint and all(t.on_refusal for t in joint)


def test_the_schema_file_is_shipped_next_to_the_definitions() -> None:
    import json

    schema = json.loads((definitions_dir() / "definition.schema.json").read_text())
    assert schema["title"] == "Process definition"


def _error(text: str) -> InvalidDefinition:
    with pytest.raises(InvalidDefinition) as err:
        load_text(text, "case.yaml")
    return err.value


def test_minimal_definition_loads() -> None:
    d = load_text(MINIMAL, "tiny.yaml")
    assert d.initial.id == "open" and d.final_states == ("done",)


@pytest.mark.parametrize(
    ("change", "line", "element", "problem"),
    [
        # schema errors
        (("version: 1", "version: one"), 2, "version", "must be integer"),
        (("    to: done", "    to: 7"), 15, "transitions[0].to", ""),
        (("label: {sv: Liten, en: Tiny}", "label: {sv: Liten}"), 3, "label", "must contain"),
        (("    initial: true", "    initial: true\n    colour: red"), 5, "states[0]", "must not contain"),
        # graph errors
        (("    to: done", "    to: nowhere"), 15, "transitions[0].to", "unknown state 'nowhere'"),
        (("    from: open", "    from: ghost"), 14, "transitions[0].from", "unknown state 'ghost'"),
        (("    initial: true\n", "\n"), None, "states", "exactly one state must be initial"),
        (("    final: true\n", "\n"), None, "states", "at least one state must be final"),
    ],
)
def test_errors_name_file_line_and_element(change: tuple[str, str], line: int | None, element: str, problem: str) -> None:
    old, new = change
    assert old in MINIMAL
    err = _error(MINIMAL.replace(old, new, 1))
    assert err.path == "case.yaml"
    assert err.element == element
    if line is not None:
        assert err.line == line
    assert problem in err.problem
    assert str(err).startswith("case.yaml")


def test_nothing_leaves_a_final_state() -> None:
    text = MINIMAL + """  - trigger: reopen
    label: {sv: Återöppna, en: Reopen}
    from: done
    to: open
"""
    err = _error(text)
    assert "leaves final state 'done'" in err.problem and err.element == "transitions[1].from" and err.line == 18


def test_unreachable_and_trap_states_are_refused() -> None:
    unreachable = MINIMAL.replace("transitions:", """  - id: island
    label: {sv: Ö, en: Island}
transitions:""")
    err = _error(unreachable)
    assert "cannot be reached" in err.problem and err.element == "states[2]" and err.line == 11

    trap = MINIMAL.replace("transitions:", """  - id: limbo
    label: {sv: Limbo, en: Limbo}
transitions:
  - trigger: wander
    label: {sv: Vandra, en: Wander}
    from: open
    to: limbo""")
    err = _error(trap)
    assert "trap" in err.problem and "'limbo'" in err.problem


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("    guards: [eval_this]\n", "unknown guard 'eval_this'"),
        ("    bodies: [KS]\n", "unknown body 'KS'"),
        ("    sets_due: [report]\n", "unknown due date 'report'"),
        ("    roles: [king]\n", "unknown role 'king'"),
        ("    joint: [kommun]\n", "unknown party 'kommun'"),
    ],
)
def test_every_referenced_name_must_exist(extra: str, problem: str) -> None:
    err = _error(MINIMAL + extra)
    assert problem in err.problem
    assert err.line == 15 or err.line == 16


def test_duplicates_are_refused() -> None:
    err = _error(MINIMAL.replace("  - id: done", "  - id: open"))
    assert "duplicate" in err.problem
    err = _error(MINIMAL + "version: 2\n")
    assert "duplicate key" in err.problem and err.line == 16


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("- just\n- a list\n", "must be a mapping"),
        ("id: [unclosed\n", "not valid YAML"),
        ("a: &x [1, 2]\nb: *x\n", "aliases"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "not allowed"),
        ("x: " + "[" * 200 + "]" * 200 + "\n", "nested too deeply"),
        ("id: !!python/object:os.system {}\n", "not valid YAML"),
    ],
)
def test_hostile_yaml_ends_in_a_clear_error(text: str, problem: str) -> None:
    err = _error(text)
    assert problem in str(err)


def test_huge_and_non_utf8_files(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "a" * 1_100_000)
    with pytest.raises(InvalidDefinition, match="larger than"):
        load_file(big)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("id: å\n".encode("latin-1"))
    with pytest.raises(InvalidDefinition, match="not UTF-8"):
        load_file(latin)
    with pytest.raises(InvalidDefinition, match="missing.yaml"):
        load_file(tmp_path / "missing.yaml")


def test_a_changed_definition_must_get_a_new_version(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL)
    (tmp_path / "b.yaml").write_text(MINIMAL.replace("Liten", "Lite"))
    with pytest.raises(InvalidDefinition, match="new version"):
        Registry.from_paths([tmp_path])
    (tmp_path / "b.yaml").write_text(MINIMAL.replace("Liten", "Lite").replace("version: 1", "version: 2"))
    registry = Registry.from_paths([tmp_path])
    assert registry.get("tiny").version == 2 and registry.get("tiny", 1).label.sv == "Liten"


def test_a_valid_definition_is_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import workflow.core.loading as loading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = load_text(MINIMAL, "tiny.yaml")
    cached = list((tmp_path / "cache" / "wf" / "definitions").glob("*.json"))
    assert len(cached) == 1

    def no_parsing(*_args: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(loading, "_parse_yaml", no_parsing)
    again = load_text(MINIMAL, "tiny.yaml")
    assert (again.id, again.digest, list(again.states), again.transitions) == (
        first.id, first.digest, list(first.states), first.transitions)
    with pytest.raises(AssertionError, match="parsed again"):  # a changed text is parsed
        load_text(MINIMAL.replace("Liten", "Litet"), "tiny.yaml")
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cached[0].write_text("{not json")  # a damaged cache is ignored and rewritten
    assert load_text(MINIMAL, "tiny.yaml").digest == first.digest
    # the graph is checked even on a cached text: a guard that is gone is named, with its line
    text = MINIMAL + "    guards: [temporary]\n"
    from workflow.core.guards import _GUARDS, register_guard

    register_guard("temporary", lambda case, decision: None)
    try:
        load_text(text, "g.yaml")
    finally:
        del _GUARDS["temporary"]
    err = _error(text)
    assert "unknown guard 'temporary'" in err.problem and err.line == 16
