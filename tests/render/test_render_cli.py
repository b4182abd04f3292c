"""Every diagram command through the CLI, the missing-dot case, bad input, and import hygiene."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from render_helpers import parse, replay_demo_into

needs_dot = pytest.mark.skipif(
    not any((Path(p) / "dot").exists() for p in os.environ.get("PATH", "").split(os.pathsep)),
    reason="Graphviz dot is not installed")


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_definition_diagram_formats_from_suffix(cli, tmp_path, suffix: str, magic: bytes) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"process{suffix}"
    cli("definitions", "diagram", "systemledning", "-o", str(out))
    assert out.read_bytes().startswith(magic)


def test_definition_diagram_dot_and_mermaid_to_stdout(cli) -> None:  # type: ignore[no-untyped-def]
    dot = cli("definitions", "diagram", "finansiering", "--format", "dot").output
    assert set(parse(dot).nodes) >= {"proposal", "financed", "closed"}
    en = cli("definitions", "diagram", "finansiering", "--format", "mermaid", "--lang", "en").output
    assert en.splitlines()[3] == "stateDiagram-v2" and "Grant financing" in en


def test_definition_diagram_bad_input(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = cli("definitions", "diagram", "nope", "--format", "dot", code=3)
    assert "'nope'" in r.output
    cli("definitions", "diagram", "systemledning", "--format", "gif", code=2)
    cli("definitions", "diagram", "systemledning", "--lang", "fi", code=2)
    r = cli("definitions", "diagram", "systemledning", "--format", "dot", "-o", str(tmp_path / "no" / "x.dot"), code=5)
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "no" / "x.dot") in lines[0]
    cli("definitions", "diagram", "systemledning", "--format", "dot", "-o", str(tmp_path), code=5)
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_missing_dot_says_how_to_install_and_text_formats_still_work(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"PATH": str(empty)}
    r = cli("definitions", "diagram", "systemledning", "-o", str(tmp_path / "x.svg"), env=env, code=5)
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "apt-get install graphviz" in lines[0] and "'dot'" in lines[0]
    assert not (tmp_path / "x.svg").exists()
    cli("definitions", "diagram", "systemledning", "-o", str(tmp_path / "x.dot"), env=env)
    cli("definitions", "diagram", "systemledning", "-o", str(tmp_path / "x.mmd"), env=env)
    assert (tmp_path / "x.dot").read_text(encoding="utf-8").startswith('digraph "systemledning"')
    assert "stateDiagram-v2" in (tmp_path / "x.mmd").read_text(encoding="utf-8")
    r = cli("diagrams", "build", "--out", str(tmp_path / "d"), env=env, code=5)
    assert "apt-get install graphviz" in r.output


def test_case_diagram_and_timeline(cli, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    replay_demo_into(db_url)
    dot = cli("case", "diagram", "HSN 501-2023", "--format", "dot", "--today", "2026-03-23").output
    edges = {(s, t): a for s, t, a in parse(dot).edges}
    assert "HSN 2024-02-28 § 15" in edges[("pre_study", "pilot")]["label"]
    mmd = cli("case", "diagram", "demo-governo", "--format", "mermaid").output
    assert "1. HSN 2022-09-22 § 142" in mmd and "class financed current" in mmd
    out = tmp_path / "t.svg"
    assert "wrote" in cli("case", "timeline", "KS-2023-0136-106", "-o", str(out), "--lang", "en").output
    cli("case", "timeline", "KS-2023-0136-106", "-o", str(out), "--today", "2026-03-23")
    assert out.read_text(encoding="utf-8").startswith("<svg") and "idag 23 mars 2026" in out.read_text(encoding="utf-8")
    assert "today 23 March 2026" in cli("case", "timeline", "demo-dorotea", "--today", "2026-03-23", "--lang", "en").output
    assert "today 23 March 2026" in cli("--lang", "en", "case", "timeline", "demo-dorotea", "--today", "2026-03-23").output
    assert "idag 23 mars 2026" in cli("case", "timeline", "demo-dorotea", "--today", "2026-03-23", "--lang", "sv").output
    if any((Path(p) / "dot").exists() for p in os.environ.get("PATH", "").split(os.pathsep)):
        cli("case", "diagram", "demo-dorotea", "-o", str(tmp_path / "c.png"))
        assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")


def test_case_commands_bad_input(cli, db_url) -> None:  # type: ignore[no-untyped-def]
    replay_demo_into(db_url)
    assert "no case" in cli("case", "diagram", "HSN 9-1999", "--format", "dot", code=3).output
    assert "no case" in cli("case", "timeline", "nope", code=3).output
    assert "felaktigt datum" in cli("case", "timeline", "demo-dorotea", "--today", "2026-13-01", code=5).output
    assert "malformed date" in cli("--lang", "en", "case", "timeline", "demo-dorotea", "--today", "2026-13-01",
                                   code=5).output
    cli("case", "diagram", "demo-dorotea", "--format", "bmp", code=2)


@needs_dot
def test_diagrams_build_and_check(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "d"
    r = cli("diagrams", "build", "--out", str(out))
    names = sorted(p.name for p in out.iterdir())
    assert "systemledning.svg" in names and "demo-dorotea-timeline.svg" in names and "demo-dorotea.svg" in names
    assert len(r.output.strip().splitlines()) == len(names)
    cli("diagrams", "check", "--dir", str(out))
    (out / "systemledning.dot").write_text("digraph {}\n", encoding="utf-8")
    r = cli("--lang", "en", "diagrams", "check", "--dir", str(out), code=1)
    assert "stale: systemledning.dot: out of date" in r.output
    assert "inaktuell: systemledning.dot: inaktuell" in cli("diagrams", "check", "--dir", str(out), code=1).output


def test_drawing_as_text_never_imports_graphviz(tmp_path) -> None:
    code = (
        "import sys\n"
        "import workflow, workflow.core.engine, workflow.core.definition, workflow.render.model, workflow.render.dot\n"
        "import workflow.render.mermaid, workflow.render.timeline, workflow.render.diagrams, workflow_cli.diagrams\n"
        "import workflow.render.graphviz_run\n"
        "assert 'graphviz' not in sys.modules, 'graphviz imported on import'\n"
        "from workflow_cli.main import cli\n"
        "try:\n"
        "    cli.main(['definitions', 'diagram', 'systemledning', '--format', 'dot', '-o', sys.argv[1]], prog_name='wf')\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "assert 'graphviz' not in sys.modules, 'graphviz imported to write DOT'\n"
        "print('clean')\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.dot")], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "clean" in done.stdout, done.stderr
