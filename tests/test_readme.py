"""Every ```python block of the README runs, so the examples cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_readme_has_python_examples() -> None:
    assert any("add_listener" in b for b in _blocks()), "the 'Embedding in Python' example is missing"


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_readme_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WF_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code = compile(_blocks()[index], f"README.md python block {index + 1}", "exec")
    exec(code, {"__name__": f"readme_{index}"})
    if "cases.json" in _blocks()[index]:
        assert (tmp_path / "cases.json").read_bytes().startswith(b"{")
