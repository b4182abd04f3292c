"""An embedding program's view: ``workflow`` and ``workflow_cli`` import and type-check from outside the
checkout, in the editable install ``make`` makes (a plain .pth line mypy can follow) as in a wheel."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MYPY = Path(sys.executable).with_name("mypy")

GOOD = '''
from __future__ import annotations

from workflow import Case, Decision, DecisionRef, Entry, Workflow
import workflow_cli
from workflow_cli.main import cli, exit_code_table

sent: list[tuple[str, str | None, tuple[str, ...]]] = []


def on_decision(case: Case, entries: tuple[Entry, ...], recipients: tuple[str, ...]) -> None:
    sent.append((case.label, entries[0].reference, recipients))


def record(url: str) -> str:
    with Workflow(url) as wf:
        wf.add_listener(on_decision)
        case = wf.open_case("finansiering", title="T", numbers=["HSN 801-2022"], actor="r", effective="2022")
        wf.advance(case.id, Decision(trigger="grant", reference=DecisionRef.parse("HSN 2022-09-22 § 142"),
                                     actor="s"))
        return wf.case(case.id).state


codes: list[tuple[int, str]] = exit_code_table()
name: str | None = cli.name
package: str = workflow_cli.__name__
'''

# Each line is wrong, so that a pass above is not mypy seeing Any.
BAD = '''
from workflow import Workflow
from workflow_cli.main import exit_code_table

state: int = Workflow("sqlite://").case("x").state
codes: str = exit_code_table()
'''


def _mypy(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MYPY), "--no-incremental", "--strict", *args, "good.py", "readme.py", "bad.py"],
                          cwd=folder, capture_output=True, text=True, timeout=600)


def _write(folder: Path) -> None:
    """The embedder: a program of its own, the README's example, and a file of type errors."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"^```python\n(.*?)^```", readme, flags=re.S | re.M) if "add_listener" in b]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.py").write_text(textwrap.dedent(GOOD), encoding="utf-8")
    (folder / "readme.py").write_text(example, encoding="utf-8")
    (folder / "bad.py").write_text(textwrap.dedent(BAD), encoding="utf-8")


def _check(result: subprocess.CompletedProcess[str]) -> None:
    out = result.stdout
    assert "good.py" not in out and "readme.py" not in out, out
    assert "bad.py:5: error: Incompatible types in assignment (expression has type \"str\", variable has type \"int\")" \
        in out, out
    assert "bad.py:6: error: Incompatible types in assignment" in out, out
    assert "missing library stubs or py.typed" not in out and "Cannot find implementation" not in out, out


def test_an_embedder_type_checks_against_the_development_install(tmp_path: Path) -> None:
    _write(tmp_path / "embedder")
    _check(_mypy(tmp_path / "embedder"))
    run = subprocess.run([sys.executable, "-c", "import good; print(good.record('sqlite://'), good.sent)"],
                         cwd=tmp_path / "embedder", capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("financed"), run.stderr


@pytest.mark.slow
def test_an_embedder_type_checks_against_a_wheel(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    built = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                            str(root)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    site = next(venv.glob("lib/python3*/site-packages"))
    for shipped in ("workflow/py.typed", "workflow_cli/py.typed", "workflow/i18n/sv/cli.mo",
                    "workflow/i18n/sv/core.mo", "workflow_definitions/systemledning.yaml"):
        assert (site / shipped).exists(), shipped
    assert str(root) not in "".join(p.read_text() for p in site.glob("*.pth"))  # the wheel, not the checkout
    _write(tmp_path / "embedder")
    _check(_mypy(tmp_path / "embedder", "--python-executable", str(python)))
