"""Swedish by default, English on request: the catalogues, the formatting of amounts and dates,
and what the commands print in either language."""

from __future__ import annotations

import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from workflow import i18n
from workflow.i18n import format_amount, format_date, format_number, language, set_language, t

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _fresh_language(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("WF_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    set_language(None)
    yield
    set_language(None)


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "scripts" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_compiled_catalogue_is_generated_from_its_po() -> None:
    generate = _generator()
    pos = sorted((ROOT / "workflow" / "i18n").glob("*/*.po"))
    assert pos, "no catalogue"
    for po in pos:
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.read_bytes() == generate.render_mo(po), (
            f"{mo.relative_to(ROOT)} is stale: run 'make generated' and commit the result")


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "sv"),
    ({"LANG": "C.UTF-8"}, "sv"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "sv_SE.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "sv_SE.UTF-8"}, "sv"),
    ({"LANG": "en_US.UTF-8", "WF_LANG": "sv"}, "sv"),
    ({"WF_LANG": "en"}, "en"),
    ({"WF_LANG": "xx", "LANG": "en_US"}, "en"),
])
def test_the_language_comes_from_the_environment_swedish_by_default(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert language() == expected


def test_an_explicit_language_wins_over_the_chosen_one_which_wins_over_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WF_LANG", "en")
    set_language("sv")
    assert language() == "sv"
    assert language("en") == "en"
    set_language(None)
    assert language() == "en"
    with pytest.raises(ValueError):
        set_language("de")


def test_english_is_the_message_itself_and_values_are_filled_in() -> None:
    assert t("No such text {name}", "en", name="x") == "No such text x"
    assert t("No such text {name}", "sv", name="x") == "No such text x"  # untranslated: the id


@pytest.mark.parametrize(("amount", "sv", "en"), [
    (Decimal("1800000"), f"1{NBSP}800{NBSP}000{NBSP}kr", "SEK 1,800,000"),
    ("1800000.50", f"1{NBSP}800{NBSP}000,50{NBSP}kr", "SEK 1,800,000.50"),
    (Decimal("1.8E+6"), f"1{NBSP}800{NBSP}000{NBSP}kr", "SEK 1,800,000"),
    (250, f"250{NBSP}kr", "SEK 250"),
    ("0.5", f"0,50{NBSP}kr", "SEK 0.50"),
])
def test_amounts_are_written_as_the_language_writes_kronor(amount: Any, sv: str, en: str) -> None:
    assert format_amount(amount, "sv") == sv
    assert format_amount(amount, "en") == en
    assert format_amount(amount) == sv  # Swedish by default


@pytest.mark.parametrize(("value", "sv", "en"), [
    (dt.date(2026, 5, 8), "8 maj 2026", "8 May 2026"),
    ("2026-05-08", "8 maj 2026", "8 May 2026"),
    ("2027-09", "september 2027", "September 2027"),
    ("2026", "2026", "2026"),
    ("not a date", "not a date", "not a date"),
])
def test_dates_for_prose(value: Any, sv: str, en: str) -> None:
    assert format_date(value, "sv") == sv
    assert format_date(value, "en") == en


def test_numbers() -> None:
    assert format_number(1234567, "sv") == f"1{NBSP}234{NBSP}567"
    assert format_number(Decimal("1234.5"), "en") == "1,234.5"


def test_translating_imports_no_babel() -> None:
    import subprocess
    import sys

    code = ("import sys; from workflow.i18n import t; t('Due dates', 'sv'); "
            "print(any(m == 'babel' or m.startswith('babel.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert i18n.catalogue("en").gettext("Due dates") == "Due dates"
