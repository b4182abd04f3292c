"""Errors speak the domain: fields, not flags; one exit code per kind of mistake, documented once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI_WORDS = re.compile(r"(?<![\w-])--[a-z][a-z-]+|\bwf (case|db|audit|roles|due|import|export|archive|definitions|demo)\b")


def _messages(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string that can reach a user from a module: what is raised and what a guard returns."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        target = node.exc if isinstance(node, ast.Raise) else node.value if isinstance(node, ast.Return) else None
        for sub in ast.walk(target) if target is not None else ():
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                out.append((sub.lineno, sub.value))
    return out


def test_no_message_of_the_library_names_a_cli_flag_or_command() -> None:
    offenders = []
    for path in sorted((ROOT / "workflow").rglob("*.py")):
        if "migrations" in path.parts or path.name.endswith("_validator.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, text in _messages(tree):
            if CLI_WORDS.search(text):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
        # Messages built in __init__ of the error classes too.
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
            for sub in ast.walk(cls):
                if isinstance(sub, ast.Call) and getattr(sub.func, "attr", "") == "__init__":
                    for s in ast.walk(sub):
                        if isinstance(s, ast.Constant) and isinstance(s.value, str) and CLI_WORDS.search(s.value):
                            offenders.append(f"{path.relative_to(ROOT)}:{s.lineno}: {s.value!r}")
    assert offenders == []


def test_the_check_would_catch_a_flag() -> None:
    tree = ast.parse('def f():\n    raise InvalidInput("needs a note (--note)")\n')
    assert any(CLI_WORDS.search(t) for _l, t in _messages(tree))


def test_every_error_class_lives_in_errors_py() -> None:
    import workflow.core.errors as errors

    defined = []
    for path in sorted((ROOT / "workflow").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception")) or
                getattr(b, "id", "") in {c.__name__ for c in _all_errors(errors.WorkflowError)}
                for b in node.bases
            ):
                defined.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert all(d.startswith("workflow/core/errors.py:") for d in defined), defined


def _all_errors(cls: type) -> list[type]:
    out = [cls]
    for sub in cls.__subclasses__():
        out += _all_errors(sub)
    return out


def test_the_readme_table_of_exit_codes_is_the_one_the_classes_give() -> None:
    from workflow_cli.main import exit_code_table

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = [tuple(c.strip() for c in line.strip("|").split("|"))
            for line in section.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert [(int(code), meaning.replace("`", "")) for code, meaning in rows] == exit_code_table()


def test_same_kind_of_mistake_same_code() -> None:
    from workflow.core.errors import InvalidInput, MissingRequirement, UnknownName

    assert issubclass(MissingRequirement, InvalidInput) and issubclass(UnknownName, InvalidInput)
    note = MissingRequirement("close", "note", "a note", field="note")
    statement = MissingRequirement("close", "statement", "the statement 'x'", field="statements")
    assert note.exit_code == statement.exit_code == 5
    in_reference = UnknownName("body", "XYZ", ["HSN"], field="reference")
    in_due_date = UnknownName("body", "XYZ", ["HSN"], field="due")
    assert in_reference.exit_code == in_due_date.exit_code == 5
    assert (in_reference.kind, in_reference.name, in_reference.known) == ("body", "XYZ", ("HSN",))


def test_the_cli_names_the_flag_of_the_field() -> None:
    from workflow_cli.main import message

    from workflow.core.errors import MissingRequirement, SchemaOutdated

    assert message(MissingRequirement("close", "basis", "its basis documents", field="basis")).endswith("(--basis)")
    assert message(MissingRequirement("x", "reference", "a reference", field="reference")).endswith("(--decision)")
    assert "wf db upgrade" in message(SchemaOutdated("0002", "0003"))
