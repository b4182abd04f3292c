"""Swedish by default, English on request: the catalogues, the formatting of amounts and dates,
and what the commands print in either language."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from workflow import i18n
from workflow.i18n import format_amount, format_date, format_number, language, set_language, t

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"



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


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_dates_are_written_as_babel_writes_them_without_loading_its_data(lang: str) -> None:
    """Every month, as a whole date and as a month alone, against Babel's own formatting (the oracle),
    and the month names generated from Babel's data are current."""
    from babel.dates import format_date as babel_date

    locale = {"sv": "sv_SE", "en": "en_GB"}[lang]
    for month in range(1, 13):
        for day in (1, 9, 28):
            when = dt.date(2026, month, day)
            assert format_date(when, lang) == babel_date(when, "d MMMM y", locale=locale)
            assert format_date(when.isoformat(), lang) == babel_date(when, "d MMMM y", locale=locale)
        assert format_date(f"2027-{month:02}", lang) == babel_date(dt.date(2027, month, 1), "LLLL y", locale=locale)
    generated = _generator().render_months()
    assert (ROOT / "workflow" / "i18n" / "months.py").read_text(encoding="utf-8") == generated, (
        "workflow/i18n/months.py is stale: run 'make generated' and commit the result")


def test_numbers() -> None:
    assert format_number(1234567, "sv") == f"1{NBSP}234{NBSP}567"
    assert format_number(Decimal("1234.5"), "en") == "1,234.5"


def test_translating_imports_no_babel() -> None:
    import subprocess
    import sys

    code = ("import sys; from workflow.i18n import format_date, t; t('Due dates', 'sv'); format_date('2026-05-08'); "
            "print(any(m == 'babel' or m.startswith('babel.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert i18n.catalogue("en").gettext("Due dates") == "Due dates"


# -- every message has its Swedish text ------------------------------------------------------------------

def _messages() -> dict[str, str]:
    """Every message passed to ``t("...")`` in the program (workflow/ and cli/), with where it is."""
    import ast

    found: dict[str, str] = {}
    for path in sorted([*(ROOT / "workflow").rglob("*.py"), *(ROOT / "cli").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _catalogues() -> dict[str, list[tuple[str, str]]]:
    """Every msgid of the Swedish catalogues, with each catalogue's name and text for it."""
    from babel.messages.pofile import read_po

    out: dict[str, list[tuple[str, str]]] = {}
    for po in sorted((ROOT / "workflow" / "i18n" / "sv").glob("*.po")):
        with po.open("rb") as f:
            for m in read_po(f):
                if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy:
                    out.setdefault(m.id, []).append((po.name, m.string))
    return out


def test_every_message_the_program_writes_has_a_swedish_text() -> None:
    messages = _messages()
    assert len(messages) > 100, "the scan found too few t(...) calls"
    have = _catalogues()
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(messages.items(), key=lambda kv: kv[1])
               if msgid not in have]
    assert not missing, "untranslated (add them to workflow/i18n/sv/<area>.po, then make generated):\n" + "\n".join(missing)


def test_a_message_reads_the_same_in_every_catalogue() -> None:
    """The catalogues are chained, so the first that has a message wins for the whole program."""
    differ = {msgid: texts for msgid, texts in _catalogues().items() if len({s for _, s in texts}) > 1}
    assert not differ, differ


def test_placeholders_survive_translation() -> None:
    import string

    def names(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    wrong = [(msgid, s) for msgid, texts in _catalogues().items() for _, s in texts if names(msgid) != names(s)]
    assert not wrong, wrong


# -- what people read, end to end ------------------------------------------------------------------------

ENGLISH = ("Decisions", "Due dates", "Possible next", "OVERDUE", "NOT YET REPORTED", "NOT REPORTED", "State:",
           "Process", "Diary number", "Phase", "Opened", "Parties", "Proposal", "PENDING", "Urgent decisions",
           "Assignments", "Linked cases", "Amounts granted", "History", "TRIGGER", "STEP", "DECISION", "WHEN",
           "SET BY", "TITLE", "awaiting", "decided", "moved", "set to", "case opened", "proposal", " SEK",
           " meeting", "sub-delegate", "urgent", "related case", "child case", "ceiling", "recorded")
# Ids with a label; English words that are states' ids.
IDS = re.compile(r"\b(report_back|pilot_end|consequence_study|follow_up|pre_study|final_position|assignment|"
                 r"approved|reported|extension|rejected|withdrawn|closed|financed)\b")
TRIGGERS = re.compile(r"\b(commission_pre_study|approve_pre_study|start_pilot|postpone|approve_report_back|"
                      r"extend_pilot|commission_investigation|take_final_position|grant_more|grant|withdraw)\b")
TODAY = "2026-06-01"  # the report-back and the end of the pilot are overdue


def _outputs(cli: Any, *lang: str) -> dict[str, str]:
    def run(*args: str) -> str:
        return str(cli(*lang, *args).output)

    return {
        "show dorotea": run("case", "show", "demo-dorotea", "--today", TODAY),
        "show governo": run("case", "show", "demo-governo", "--today", TODAY),
        "history dorotea": run("case", "history", "demo-dorotea"),
        "history governo": run("case", "history", "demo-governo"),
        "due": run("due", "--today", TODAY),
        "list": run("case", "list", "--today", TODAY),
        "triggers": run("case", "triggers", "demo-dorotea"),
    }


def test_swedish_output_has_no_english_word_and_no_id_where_a_label_exists(demo: Any, cli: Any) -> None:
    for name, out in _outputs(cli).items():
        english = [w for w in ENGLISH if w in out]
        assert not english, f"wf {name}: English {english} in\n{out}"
        # A step's id is shown only as what to type: the last column of what can happen next.
        before, _, after = out.partition("Möjliga nästa steg:")
        if name == "triggers":
            before, after = "", out
        rest = [line.rsplit("  ", 1)[0] for line in after.splitlines()[3:]]
        for text in (before, *rest):
            assert not IDS.findall(text), f"wf {name}: ids {set(IDS.findall(text))} in\n{out}"
            assert not TRIGGERS.findall(text), f"wf {name}: step ids {set(TRIGGERS.findall(text))} in\n{out}"
    shown = _outputs(cli)
    assert "Beslut:" in shown["show dorotea"] and "Bevakningar:" in shown["show dorotea"]
    assert "FÖRSENAD" in shown["show dorotea"] and "INTE ANMÄLT ÄNNU" in shown["show dorotea"]
    assert "Återrapportering" in shown["show dorotea"] and "Pilotprojekt" in shown["show dorotea"]
    assert "HSN 2023 § 30: 1\u00a0800\u00a0000\u00a0kr (högst 1\u00a0800\u00a0000\u00a0kr)" in shown["show governo"]
    assert "Återrapportering: flyttad från HSN:s sammanträde i december 2023 till februari 2024" in " ".join(
        shown["history dorotea"].split())


def test_english_on_request(demo: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    english = _outputs(cli, "--lang", "en")
    for words, name in (("Decisions:", "show dorotea"), ("Due dates:", "show dorotea"),
                        ("Possible next:", "show dorotea"), ("OVERDUE", "show dorotea"),
                        ("NOT YET REPORTED", "show dorotea"), ("State:", "show dorotea"), ("Process:", "show dorotea"),
                        ("Report-back", "show dorotea"), ("SEK 1,800,000 (ceiling SEK 1,800,000)", "show governo"),
                        ("moved from HSN's meeting in December 2023 to February 2024", "history dorotea"),
                        ("OVERDUE", "due"), ("STATE", "list"), ("STEP", "triggers")):
        assert words in " ".join(english[name].split()) or words in english[name], f"{words!r} not in wf {name}"
    # WF_LANG too, and a command's own --lang wins over the global one.
    monkeypatch.setenv("WF_LANG", "en")
    assert "Decisions:" in cli("case", "show", "demo-dorotea").output
    assert "Beslut:" in cli("case", "show", "demo-dorotea", "--lang", "sv").output
    assert "Beslut:" in cli("--lang", "sv", "case", "show", "demo-dorotea").output
    assert "Decisions:" in cli("--lang", "sv", "case", "show", "demo-dorotea", "--lang", "en").output
    # --json stays the same in either language
    monkeypatch.delenv("WF_LANG")
    assert cli("case", "show", "demo-dorotea", "--json", "--today", TODAY).output == cli(
        "--lang", "en", "case", "show", "demo-dorotea", "--json", "--today", TODAY).output


def test_wf_lang_is_read_as_the_locale_is(demo: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """WF_LANG names a language as LANG does; one wf does not know is no reason to refuse to run."""
    for value, heading in (("en_GB.UTF-8", "Decisions:"), ("de", "Beslut:"), ("sv", "Beslut:")):
        monkeypatch.setenv("WF_LANG", value)
        assert heading in cli("case", "show", "demo-dorotea").output, value
