"""Definitions are validated on load: schema first, then the graph; errors name file, line and element."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("bounded", [True, False])
@pytest.mark.parametrize("depth", [40, 999, 100_000])
def test_deep_nesting_is_refused_whether_or_not_libyaml_bounds_it(
    bounded: bool, depth: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libyaml before 0.2.5 crashed on deep nesting: the event-stream check stands in for its bound."""
    from workflow.core import yaml_reader

    monkeypatch.setattr(yaml_reader, "NESTING_BOUNDED", bounded)
    for text in ("x: " + "[" * depth + "]" * depth + "\n", "- " * depth + "x\n", "a: {" * depth + "}" * depth):
        err = _error(text)
        assert "nested too deeply" in err.problem or "nesting depth" in err.problem, err


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


ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "scripts" / "generate.py"


def _generator() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator


def test_the_committed_schema_validator_is_generated_from_the_schema() -> None:
    """The oracle is the generator itself, run in memory on the shipped schema."""
    generator = _generator()
    expected = generator.render((definitions_dir() / "definition.schema.json").read_text(encoding="utf-8"))
    committed = (ROOT / "workflow" / "core" / "definition_schema_validator.py").read_text(encoding="utf-8")
    assert committed == expected, (
        "workflow/core/definition_schema_validator.py is stale: "
        "run 'make generated' (.venv/bin/python scripts/generate.py) and commit the result"
    )


def test_the_shipped_definitions_parsed_form_is_generated_from_them() -> None:
    expected = _generator().render_parsed(definitions_dir())
    committed = (definitions_dir() / "parsed.json").read_text(encoding="utf-8")
    assert committed == expected, "definitions/parsed.json is stale: run 'make generated' and commit the result"


def test_the_shipped_definitions_load_from_their_parsed_form_without_yaml_and_match_a_fresh_parse() -> None:
    code = (
        "import sys\n"
        "from workflow.registry import default_registry\n"
        "r = default_registry()\n"
        "print(len(r.latest()), 'yaml' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(list(definitions_dir().glob("*.yaml")))), "False"]
    from workflow.registry import Registry, default_registry

    fresh = Registry.from_paths([definitions_dir()])
    for d in default_registry().latest():
        again = fresh.get(d.id, d.version)
        assert (d.digest, d.states, d.transitions, d.bodies) == (again.digest, again.states, again.transitions, again.bodies)


def test_an_edited_shipped_file_is_parsed_not_taken_from_the_stale_parsed_form(tmp_path: Path) -> None:
    import json

    from workflow.registry import Registry

    prepared = {e["text"]: e for e in json.loads((definitions_dir() / "parsed.json").read_text(encoding="utf-8"))}
    edited = tmp_path / "finansiering.yaml"
    edited.write_text((definitions_dir() / "finansiering.yaml").read_text(encoding="utf-8")
                      .replace("Finansieringsbeslut", "Finansieringsbeslut (ny)"), encoding="utf-8")
    assert Registry.from_paths([edited], prepared).get("finansiering").label.sv.endswith("(ny)")


FORBIDDEN_CALLS = {"exec", "eval", "compile", "__import__"}


def _forbidden(tree: ast.AST) -> list[str]:
    """``import marshal`` in any form, and calls of the builtins that run or build code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"line {node.lineno}: {node.func.id}(...)")
            continue
        else:
            continue
        found += [f"line {node.lineno}: import {n}" for n in names if n.split(".")[0] == "marshal"]
    return found


def test_no_code_is_compiled_or_unmarshalled_at_run_time() -> None:
    """Nothing under workflow/ (the generated validator included) runs code it builds or reads back."""
    files = sorted((ROOT / "workflow").rglob("*.py"))
    assert ROOT / "workflow" / "core" / "definition_schema_validator.py" in files
    offenders = {
        f.relative_to(ROOT).as_posix(): found
        for f in files
        if (found := _forbidden(ast.parse(f.read_text(encoding="utf-8"), str(f))))
    }
    assert offenders == {}


def test_the_forbidden_code_check_sees_what_it_looks_for() -> None:
    code = "import os, marshal\nfrom marshal import loads\nexec('1')\neval('1')\ncompile('1', 'x', 'exec')\n"
    assert _forbidden(ast.parse(code)) == [
        "line 1: import marshal", "line 2: import marshal", "line 3: exec(...)", "line 4: eval(...)",
        "line 5: compile(...)"]
    assert _forbidden(ast.parse("import re\nre.compile('x')\nfastjsonschema.compile({})\n")) == []


def test_the_loader_uses_nothing_of_the_project_outside_the_core() -> None:
    tree = ast.parse((ROOT / "workflow" / "core" / "loading.py").read_text(encoding="utf-8"))
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    project = [m for m in modules if m.split(".")[0] in {"workflow", "workflow_cli", "workflow_definitions"}]
    assert project and all(m == "workflow.core" or m.startswith("workflow.core.") for m in project), project


def test_nothing_is_written_to_a_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    load_text(MINIMAL, "tiny.yaml")
    default_registry()
    assert not (tmp_path / "cache").exists() and not (tmp_path / "home").exists()


# -- YAML 1.2 booleans: no, yes, on, off stay strings -----------------------------------

NO_STATE = MINIMAL.replace("id: done", "id: no").replace("to: done", "to: no")


def test_a_state_called_no_is_a_state() -> None:
    d = load_text(NO_STATE, "no.yaml")
    assert list(d.states) == ["open", "no"] and d.final_states == ("no",)
    assert d.transitions[0].dest == "no"
    assert d.states["open"].initial is True  # true is still a boolean


@pytest.mark.parametrize("word", ["yes", "on", "off", "y", "n", "No", "OFF"])
def test_yaml_1_1_booleans_stay_strings_in_definitions(word: str) -> None:
    d = load_text(NO_STATE.replace("id: no", f"id: {word}").replace("to: no", f"to: {word}"), "w.yaml")
    assert word in d.states and d.transitions[0].dest == word


def test_true_and_false_are_booleans_and_other_spellings_are_not() -> None:
    from workflow.core.yaml_reader import Loader, SafeLoader, safe_load

    text = "a: true\nb: False\nc: TRUE\nd: no\ne: yes\nf: on\ng: off\nh: tRUE\ni: null\nj: 3\n"
    expected = {"a": True, "b": False, "c": True, "d": "no", "e": "yes", "f": "on", "g": "off",
                "h": "tRUE", "i": None, "j": 3}
    assert safe_load(text) == expected
    for cls in {Loader, SafeLoader}:
        loader = cls(text)
        try:
            assert loader.get_single_data() == expected
        finally:
            loader.dispose()
    import yaml

    assert yaml.safe_load("d: no") == {"d": False}  # PyYAML's own loader is left as it was


def test_a_scenario_keeps_outcome_no_as_a_string(tmp_path: Path) -> None:
    from workflow.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(
        "definition: systemledning\ntitle: T\nnumbers: {}\nsteps:\n"
        "  - {trigger: decide, outcome: no, urgent: true}\n  - {trigger: decide, outcome: yes, party: on}\n",
        encoding="utf-8",
    )
    steps = load_scenario(path).data["steps"]
    assert steps[0]["outcome"] == "no" and steps[0]["urgent"] is True
    assert steps[1]["outcome"] == "yes" and steps[1]["party"] == "on"

