"""One table of limits, the same on every database: what each kind of bad value gets, wherever it enters.

The oracle for every refusal: :class:`InvalidInput` (exit 5, never the
database's 8), one line naming the kind of value, its limit and its length (or
the character), never the raw character itself, and -- where a store is
involved -- nothing written.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String

from tests.conftest import dump
from workflow import Decision, DecisionRef, InvalidInput
from workflow.core import actions, engine, limits
from workflow.core.case import DiaryNumber
from workflow.core.decisions import DueSpec, PartialDate
from workflow.core.limits import (
    BY_KIND,
    LIMITS,
    check_case_values,
    check_entry_values,
    check_text,
    entry_kind,
    limit,
)
from workflow.registry import default_registry
from workflow.store import tables

LIMITS_PY = Path(__file__).resolve().parents[2] / "workflow" / "core" / "limits.py"
NOW = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)


def refused(call: Callable[[], object]) -> InvalidInput:
    """The refusal ``call`` gives: exit 5, one line, no raw control character in it."""
    with pytest.raises(InvalidInput) as caught:
        call()
    e = caught.value
    assert e.exit_code == 5
    assert "\n" not in str(e) and all(c.isprintable() for c in str(e)), repr(str(e))
    return e


# -- the table and the columns ------------------------------------------------------------


def _column(name: str) -> Any:
    table, column = name.split(".")
    return tables.metadata.tables[table].c[column]


@pytest.mark.parametrize("spec", [s for s in LIMITS if s.columns], ids=lambda s: s.kind)
def test_every_limit_of_a_stored_value_fits_each_column_it_is_stored_in(spec: Any) -> None:
    for name in spec.columns:
        column_type = _column(name).type
        assert isinstance(column_type, String) and column_type.length is not None, f"{name} is not a String(n)"
        assert spec.max_length <= column_type.length, f"{spec.kind}: {spec.max_length} > {name} {column_type.length}"


@pytest.mark.parametrize("column", [c for c in tables.audit_entries.columns
                                    if isinstance(c.type, String) and c.type.length is not None],
                         ids=lambda c: c.name)
def test_every_text_column_of_an_entry_is_checked_on_import_within_its_length(column: Any) -> None:
    """A column added to entries (recorded_by) is covered by its name, or this test says which is not."""
    kind = entry_kind(column.name)
    assert kind is not None, f"audit_entries.{column.name} has no kind in workflow.core.limits.ENTRY_KINDS"
    assert limit(kind).max_length <= column.type.length


def test_the_table_declares_each_kind_once_and_free_texts_are_the_only_multi_line_ones() -> None:
    assert len(BY_KIND) == len(LIMITS)
    assert {s.kind for s in LIMITS if not s.single_line} == {
        "note", "basis document", "document", "statement", "proposal text", "text"}
    assert limit("title").single_line and limit("title").max_length >= 500


def test_the_limits_module_is_pure() -> None:
    """It imports the standard library and workflow.core only (so the core stays free of I/O)."""
    found = set()
    for node in ast.walk(ast.parse(LIMITS_PY.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    assert all(m.startswith("workflow.core.") or m.split(".")[0] in sys.stdlib_module_names or m == "__future__"
               for m in found), found


# -- check_text -------------------------------------------------------------------------

BAD_TEXTS = [
    # (kind, value, words in the message)
    ("request id", "r" * 300, "request id is 300 characters long; at most 200 are allowed"),
    ("diary number", "H" * 150, "diary number is 150 characters long; at most 100 are allowed"),
    ("case id", "c" * 41, "case id is 41 characters long; at most 40 are allowed"),
    ("party", "p" * 65, "party is 65 characters long; at most 64 are allowed"),
    ("actor", "a" * 201, "actor is 201 characters long; at most 200 are allowed"),
    ("title", "t" * 5_000_000, "title is 5,000,000 characters long; at most 1,000 are allowed"),
    ("note", "n" * 20_001, "note is 20,001 characters long; at most 20,000 are allowed"),
    ("title", "bad\x00title", "title contains control characters (U+0000 at character 4)"),
    ("title", "red\x1b[31mtitle", "(U+001B at character 4); only one line of plain text is allowed"),
    ("title", "del\x7f", "U+007F"),
    ("title", "c1\x85control", "U+0085"),
    ("title", "csi\x9b2J", "U+009B"),
    ("title", "two\nlines", "U+000A"),
    ("title", "a\ttab", "U+0009"),
    ("actor", "line\u2028separator", "U+2028"),
    ("actor", "para\u2029separator", "U+2029"),
    ("note", "carriage\r\nreturn", "(U+000D at character 9); only plain text, new lines and tabs is allowed"),
    ("note", "escape \x1b]0;owned\x07", "U+001B"),
    ("note", "line\u2028separator", "U+2028"),
    ("actor", "not utf-8 \udcff", "not valid text"),
    ("party", "   ", "party is blank"),
    ("note", " \n\t ", "note is blank"),
]


@pytest.mark.parametrize(("kind", "value", "words"), BAD_TEXTS,
                         ids=[f"{k}-{i}" for i, (k, _v, _w) in enumerate(BAD_TEXTS)])
def test_a_bad_value_gets_invalid_input_naming_its_kind_limit_and_length(kind: str, value: str, words: str) -> None:
    e = refused(lambda: check_text(kind, value, field="some_field"))
    assert words in e.message
    assert e.field == "some_field"
    assert len(e.message) < 200


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("title", "  Gemensam systemledning i Dorotea – § 5 ≈ 🙂  ", "Gemensam systemledning i Dorotea – § 5 ≈ 🙂"),
    ("title", "t" * 1000, "t" * 1000),
    ("note", "line one\n\tline two\n", "line one\n\tline two"),
    ("request id", "r" * 200, "r" * 200),
    ("diary number", "KS-2023-0136-106", "KS-2023-0136-106"),
])
def test_a_good_value_passes_stripped(kind: str, value: str, expected: str) -> None:
    assert check_text(kind, value) == expected


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no limit is declared"):
        check_text("nonsense", "x")


# -- where values enter: the fields' readers -----------------------------------------------

READ = [
    # (decision fields, words, field)
    ({"request_id": "r" * 300}, "request id is 300 characters long; at most 200 are allowed", "request_id"),
    ({"decision": "HSN 2024-02-28 § 15", "note": "n" * 20_001}, "note is 20,001 characters long", "note"),
    ({"note": "bell\x07"}, "note contains control characters (U+0007", "note"),
    ({"basis": ["ok", "b\x1bad"]}, "basis document contains control characters", "basis"),
    ({"to": ["two\nlines"]}, "recipient contains control characters (U+000A", "recipients"),
    ({"proposed_by": "p" * 201}, "proposer is 201 characters long; at most 200", "proposed_by"),
    ({"party": "p" * 65}, "party is 65 characters long; at most 64", "party"),
    ({"agenda_item": "i" * 65}, "agenda item is 65 characters long", "agenda_item"),
    ({"proposal": "P\x001"}, "proposal contains control characters", "proposal"),
    ({"decision": "HSN 2024-02-28 § 15\x1b"}, "decision reference contains control characters", "reference"),
    ({"decision": "H" * 199 + " 2024"}, "decision reference is 204 characters long; at most 200", "reference"),
    ({"due": ["n" * 65 + "=2027-09"]}, "due date name is 65 characters long; at most 64", "due"),
    ({"due": ["report_back=" + "B" * 65 + "@2027-09"]}, "meeting is 65 characters long; at most 64", "due"),
    ({"statements": {"child_rights": "esc\x1b"}}, "statement contains control characters", "statements"),
    ({"statements": {"s" * 65: "Beaktad"}}, "statement name is 65 characters long", "statements"),
    ({"statements": ["s" * 65 + "=Beaktad"]}, "statement name is 65 characters long", "statements"),
    ({"assign": ["t" * 401 + "=x"]}, "assignment is 403 characters long; at most 400", "assign"),
    ({"amount": "1" * 41}, "amount is 41 characters long; at most 40", "amount"),
]


@pytest.mark.parametrize(("fields", "words", "field"), READ, ids=[str(f)[:40] for f, _w, _f in READ])
def test_the_fields_readers_refuse_a_bad_value_naming_the_field(fields: dict[str, Any], words: str,
                                                                 field: str) -> None:
    e = refused(lambda: Decision.from_mapping({"trigger": "close", "actor": "k", **fields}))
    assert words in e.message and e.field == field


def test_the_actor_of_a_mapped_decision_is_one_line_when_it_is_recorded() -> None:
    d = default_registry().get("systemledning")
    case, _ = engine.open_case(d, case_id="c1", title="T", numbers=[DiaryNumber("HSN 1-2023")], actor="t", now=NOW)
    decision = Decision.from_mapping({"trigger": "commission_pre_study", "actor": "sekreterare\nhacker",
                                      "decision": "HSN 2023"})
    assert "actor contains control characters (U+000A" in refused(lambda: engine.decide(d, case, decision, NOW)).message


# -- where values enter: the engine, for what a program builds directly --------------------


def _opened() -> tuple[Any, Any]:
    d = default_registry().get("systemledning")
    case, _ = engine.open_case(d, case_id="c1", title="T", numbers=[DiaryNumber("HSN 1-2023")], actor="t", now=NOW)
    return d, case


OPEN = [
    # (open_case arguments, words)
    ({"title": "bad\x00title"}, "title contains control characters (U+0000"),
    ({"title": "esc\x1b[2Jtitle"}, "title contains control characters (U+001B"),
    ({"title": "t" * 5_000_000}, "title is 5,000,000 characters long; at most 1,000 are allowed"),
    ({"numbers": [DiaryNumber("H" * 150)]}, "diary number is 150 characters long; at most 100 are allowed"),
    ({"numbers": [DiaryNumber("HSN 1-2023", "p" * 65)]}, "party is 65 characters long; at most 64"),
    ({"case_id": "c" * 41}, "case id is 41 characters long; at most 40 are allowed"),
    ({"actor": "a" * 201}, "actor is 201 characters long; at most 200 are allowed"),
    ({"actor": "a\u2028b"}, "actor contains control characters (U+2028"),
    ({"request_id": "r" * 201}, "request id is 201 characters long"),
]


@pytest.mark.parametrize(("given", "words"), OPEN, ids=[f"{next(iter(g))}-{i}" for i, (g, _w) in enumerate(OPEN)])
def test_opening_a_case_refuses_a_bad_value(given: dict[str, Any], words: str) -> None:
    d = default_registry().get("systemledning")
    args: dict[str, Any] = {"case_id": "c1", "title": "T", "numbers": [DiaryNumber("HSN 1-2023")], "actor": "t",
                            "now": NOW, **given}
    assert words in refused(lambda: engine.open_case(d, **args)).message


DIRECT = [
    # (Decision fields set directly, bypassing the readers; words; field)
    ({"request_id": "r" * 300}, "request id is 300 characters long; at most 200 are allowed", "request_id"),
    ({"reference": DecisionRef("H" * 250, DecisionRef.parse("HSN 2023").date)}, "decision reference is 255",
     "reference"),
    ({"note": "esc\x1b"}, "note contains control characters", "note"),
    ({"recipients": ("r" * 1001,)}, "recipient is 1,001 characters long; at most 1,000", "recipients"),
    ({"due": (DueSpec("report_back", DecisionRef.parse("HSN 2023").date, "M" * 65),)}, "meeting is 65", "due"),
    ({"statements": (("child_rights", "x" * 20_001),)}, "statement is 20,001 characters long", "statements"),
    ({"agenda_item": "a\nb"}, "agenda item contains control characters", "agenda_item"),
    ({"actor": "a" * 201}, "actor is 201 characters long", None),
]


@pytest.mark.parametrize(("given", "words", "field"), DIRECT, ids=[next(iter(g)) for g, _w, _f in DIRECT])
def test_a_decision_built_directly_is_checked_as_it_will_be_stored(given: dict[str, Any], words: str,
                                                                   field: str | None) -> None:
    d, case = _opened()
    args: dict[str, Any] = {"trigger": "commission_pre_study", "reference": DecisionRef.parse("HSN 2023"),
                            "actor": "t", **given}
    e = refused(lambda: engine.decide(d, case, Decision(**args), NOW))
    assert words in e.message and e.field == field


@pytest.mark.parametrize(("act", "words"), [
    (lambda d, c, _o: engine.note(d, c, "ok", "a" * 201, NOW), "actor is 201 characters long"),
    (lambda d, c, _o: engine.note(d, c, "esc\x1b", "t", NOW), "note contains control characters"),
    (lambda d, c, o: actions.link((d, d), (c, o), "related", "ac\x1btor", NOW), "actor contains control characters"),
    (lambda d, c, _o: actions.minutes_posted(d, c, DecisionRef.parse("HSN 2023-05-01 § 1"),
                                             PartialDate.parse("2023-05-02"), "a\tb", NOW),
     "actor contains control characters (U+0009"),
], ids=["note-actor", "note-text", "link-actor", "posted-actor"])
def test_every_act_checks_its_actor_and_texts(act: Callable[[Any, Any, Any], object], words: str) -> None:
    d, case = _opened()
    other, _ = engine.open_case(d, case_id="c2", title="T2", numbers=(), actor="t", now=NOW)
    assert words in refused(lambda: act(d, case, other)).message


@pytest.mark.parametrize(("actor", "role", "words"), [
    ("a" * 201, "secretary", "actor is 201 characters long; at most 200"),
    ("sekreterare", "r" * 65, "role is 65 characters long; at most 64"),
    ("sek\x1bretary", "secretary", "actor contains control characters"),
    ("  ", "secretary", "actor is blank"),
    ("sekreterare", "", "role is blank"),
])
def test_role_names_are_checked_by_the_same_table(actor: str, role: str, words: str) -> None:
    from workflow.access import names

    assert words in refused(lambda: names(actor, role)).message


# -- where values enter: an import -------------------------------------------------------


@pytest.fixture
def exported(demo: Any) -> dict[str, Any]:
    """The demo's export document, to spoil one value at a time."""
    from workflow.exchange import export_cases

    return export_cases(demo)


def _case(doc: dict[str, Any], case_id: str = "demo-dorotea") -> dict[str, Any]:
    return next(c for c in doc["cases"] if c["id"] == case_id)


def _entry(doc: dict[str, Any], seq: int = 2) -> dict[str, Any]:
    return _case(doc)["entries"][seq - 1]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def spoil(doc: dict[str, Any]) -> None:
        where, *keys = path.split(".")
        target = _case(doc) if where == "case" else _entry(doc)
        for k in keys[:-1]:
            target = target[int(k)] if isinstance(target, list) else target[k]
        target[keys[-1]] = value
    return spoil


IMPORTED = [
    # (how the file is spoiled, words in the message after "<input>: case demo-dorotea: ")
    (_set("case.title", "t" * 5_000_000), "title is 5,000,000 characters long; at most 1,000 are allowed"),
    (_set("case.title", "bad\x00title"), "title contains control characters (U+0000"),
    (_set("case.title", "red\x1b[31m"), "title contains control characters (U+001B"),
    (_set("case.numbers.0.number", "H" * 150), "diary number is 150 characters long"),
    (_set("case.numbers.0.party", "p" * 65), "party is 65 characters long"),
    (_set("case.state", "s\ts"), "state contains control characters"),
    (_set("case.updated_at", "2026-03-23 09:00:01"), "updated_at '2026-03-23 09:00:01' is not a UTC timestamp"),
    (_set("case.data.due.report_back.meeting", "M" * 65), "meeting is 65 characters long"),
    (_set("entry.actor", "a" * 201), "entry 2: actor is 201 characters long; at most 200"),
    (_set("entry.actor", "sek\x1bretare"), "entry 2: actor contains control characters"),
    (_set("entry.request_id", "r" * 300), "entry 2: request id is 300 characters long; at most 200"),
    (_set("entry.trigger", "t" * 65), "entry 2: step is 65 characters long"),
    (_set("entry.kind", "k" * 33), "entry 2: entry kind is 33 characters long; at most 32"),
    (_set("entry.to_state", "pre\nstudy"), "entry 2: state contains control characters"),
    (_set("entry.reference", "r" * 201), "entry 2: decision reference is 201 characters long"),
    (_set("entry.effective", "2024-13"), "entry 2: malformed date '2024-13'"),
    (_set("entry.recorded_at", "2099-01-01T00:00:00.000000+00:00"), "entry 2: recorded_at 2099-01-01T00:00:00"
     ".000000+00:00 lies in the future"),
    (_set("entry.recorded_at", "2026-03-23T10:00:01.000000+01:00"), "entry 2: recorded_at "
     "'2026-03-23T10:00:01.000000+01:00' is not a UTC timestamp"),
    (_set("entry.recorded_at", "yesterday"), "entry 2: recorded_at 'yesterday' is not a UTC timestamp"),
    (_set("entry.recorded_by", "r" * 201), "entry 2: actor is 201 characters long"),
    (_set("entry.payload.note", "esc\x1b]0;x\x07"), "entry 2: text in payload.note contains control characters"),
    (_set("entry.payload.note", "n" * 20_001), "entry 2: text in payload.note is 20,001 characters long"),
    (_set("entry.payload.basis", ["ok", "lone \ud800"]), "entry 2: text in payload.basis[1] is not valid text"),
    (_set("entry.payload.\x1b[2J", 1), "entry 2: text in a key of payload contains control characters"),
]


@pytest.mark.parametrize(("spoil", "words"), IMPORTED, ids=[w.split(" is ")[0].split(" contains")[0][:40]
                                                           for _s, w in IMPORTED])
def test_each_imported_value_is_checked_naming_the_case_and_the_entry(exported: dict[str, Any],
                                                                       spoil: Callable[[dict[str, Any]], None],
                                                                       words: str) -> None:
    doc = copy.deepcopy(exported)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for item in doc["cases"]:
        check_case_values(item, now)  # the export as it is passes
    spoil(doc)
    e = refused(lambda: [check_case_values(item, now) for item in doc["cases"]])
    assert e.message.startswith("<input>: case demo-dorotea: ") and words in e.message, e.message


def test_a_spoiled_import_writes_nothing_on_either_database(exported: dict[str, Any], demo: Any,
                                                             db_url: str) -> None:
    """Through import_cases itself, into a database that holds cases: the value is refused before anything
    else (not as a broken chain, exit 9) and nothing is written."""
    from workflow.exchange import import_cases

    doc = copy.deepcopy(exported)
    doc["cases"] = [c for c in doc["cases"] if c["id"] == "demo-dorotea"]
    item = _case(doc)
    item["id"] = item["entries"][0]["case_id"] = "other-case"  # not a duplicate: the values are the problem
    item["title"] = "t" * 5_000_000
    before = dump(db_url)
    e = refused(lambda: import_cases(demo, doc, source="spoiled.json"))
    assert e.message.startswith("spoiled.json: case other-case: title is 5,000,000 characters long")
    assert dump(db_url) == before


def test_an_entry_is_checked_field_by_field_whatever_fields_it_has() -> None:
    entry = {"case_id": "c1", "seq": 1, "kind": "note", "actor": "t", "recorded_at": "2026-03-23T09:00:01.000000+00:00",
             "effective": None, "trigger": None, "from_state": "a", "to_state": "a", "reference": None,
             "payload": {"note": "ok"}, "request_id": None, "prev_hash": "0" * 64, "hash": "f" * 64}
    check_entry_values(entry, NOW)
    check_entry_values({**entry, "signed_by": "someone", "witnessed_at": "2026-03-23T09:00:02.000000+00:00"}, NOW)
    assert "signed_by" not in str(refused(lambda: check_entry_values({**entry, "signed_by": "x" * 201}, NOW)))
    assert "witnessed_at" in str(refused(lambda: check_entry_values({**entry, "witnessed_at": "soon"}, NOW)))
    assert "hash" in str(refused(lambda: check_entry_values({**entry, "hash": "f" * 65}, NOW)))


@pytest.mark.parametrize("single_line", [True, False], ids=["one line", "lines"])
def test_the_quick_scan_passes_exactly_what_the_category_rule_passes(single_line: bool) -> None:
    """Every code point: the one-regex scan that passes a clean value must refuse what the per-character
    rule refuses, or a control character would get in unchecked."""
    import unicodedata

    scan = limits._SUSPECT_ONE_LINE if single_line else limits._SUSPECT_LINES
    wrong = []
    for cp in range(0x110000):
        c = chr(cp)
        category = unicodedata.category(c)
        refused = category == "Cs" or ((category == "Cc" or c in "\u2028\u2029") and (single_line or c not in "\n\t"))
        if refused != (scan.search(c) is not None):
            wrong.append(f"U+{cp:04X}")
    assert wrong == []
    assert limits.problem("title", "ok\x1b", 100) is not None
    assert limits.problem("note", "a\nb\tc", 100, single_line=False) is None


def test_the_quick_checks_of_an_import_agree_with_the_full_ones() -> None:
    """What an imported entry's values are passed by without a message -- each stored value by
    ``_clean_stored``, a payload by ``_clean_payload`` -- is exactly what the full checks pass."""
    samples: list[Any] = ["", " ", "\u3000", "ok", " ok ", "a\nb", "a\tb", "a\x1bb", "a\u2028b", "a\ud800b",
                          "x" * 64, "x" * 65, "x" * 200, "x" * 201, 5, None]

    def passes(check: Callable[..., Any], *args: Any) -> bool:
        try:
            check(*args)
        except InvalidInput:
            return False
        return True

    for kind in sorted(set(limits.ENTRY_KINDS.values()) - {"timestamp", "date"}):
        for value in samples:
            assert limits._clean_stored(kind, value) == passes(limits._stored, kind, value), (kind, value)
    payloads: list[dict[str, Any]] = [{"note": v} for v in samples if isinstance(v, str)]
    payloads += [{"a\nb": 1}, {"k\x00": "v"}, {"deep": [{"x": ["ok", "\x85"]}]}, {"long": "y" * (limits.FREE_TEXT + 1)},
                 {"lines": "a\nb\tc" * 10}]
    for payload in payloads:
        full = all(limits.problem("t", t, limits.FREE_TEXT, single_line=False) is None
                   for _w, t in limits._texts(payload, "payload"))
        assert limits._clean_payload(payload) == full, payload
