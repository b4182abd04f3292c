"""The limits end to end through ``wf``, on SQLite and on PostgreSQL alike.

Each bad value gets exit 5 (bad input), never 8 (the database): one line
naming the kind of value, its limit and its length, or the character, and
nothing written -- ``wf case list`` and ``wf audit verify`` show no
half-written case.  The longest values allowed are stored on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, _pg_database, dump


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read wf's English output (as wf --lang en); tests/test_i18n.py reads the Swedish."""
    monkeypatch.setenv("WF_LANG", "en")

DNR = "HSN 501-2023"


@pytest.fixture
def other(db_url: str, tmp_path: Path) -> Iterator[Cli]:
    """``wf`` on a second empty database of the same kind, to import into."""
    if db_url.startswith("sqlite"):
        yield Cli(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    else:
        yield from (Cli(url) for url in _pg_database())


def open_case(cli: Cli) -> str:
    out = cli("case", "open", "systemledning", "--title", "Gemensam systemledning i Dorotea", "--dnr", DNR,
              "--date", "2023", "--json")
    return str(json.loads(out.output)["id"])


def refused(cli: Cli, *args: str, words: str) -> None:
    """``wf *args`` exits 5 with one line saying ``words``, shows no raw control character, writes nothing."""
    before = dump(cli.db_url)
    result = cli(*args, code=5)
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    assert words in result.output, result.output
    assert result.output[:-1].isprintable(), repr(result.output)
    assert dump(cli.db_url) == before


BAD = [
    # (arguments, words in the message)
    (["case", "advance", DNR, "commission_pre_study", "--decision", "HSN 2023", "--request-id", "r" * 300],
     "request id is 300 characters long; at most 200 are allowed (--request-id)"),
    (["case", "open", "systemledning", "--title", "Lång", "--dnr", "H" * 150],
     "diary number is 150 characters long; at most 100 are allowed"),
    (["case", "open", "systemledning", "--title", "bad\x00title"],
     "title contains control characters (U+0000 at character 4); only one line of plain text is allowed"),
    (["case", "open", "systemledning", "--title", "red\x1b[31m title"],
     "title contains control characters (U+001B at character 4)"),
    (["case", "open", "systemledning", "--title", "not utf-8 \udcff"], "title is not valid text"),
    (["case", "open", "systemledning", "--title", "t" * 1001], "title is 1,001 characters long; at most 1,000"),
    (["case", "note", DNR, "bell\x07 and \x1b]0;title\x07"], "note contains control characters (U+0007"),
    (["case", "advance", DNR, "commission_pre_study", "--decision", "HSN 2023", "--to", "two\nlines"],
     "recipient contains control characters (U+000A at character 4); only one line of plain text is allowed (--to)"),
]


@pytest.mark.parametrize(("args", "words"), BAD, ids=[w.split(" (")[0].split(";")[0] for _a, w in BAD])
def test_a_bad_value_exits_5_on_both_databases_and_writes_nothing(cli: Cli, args: list[str], words: str) -> None:
    cid = open_case(cli)
    refused(cli, *args, words=words)
    assert [c["id"] for c in json.loads(cli("case", "list", "--json").output)] == [cid]
    assert "ok: 1 case(s)" in cli("audit", "verify").output


def test_the_longest_values_allowed_are_stored_on_both_databases(cli: Cli) -> None:
    out = cli("case", "open", "systemledning", "--title", "T" * 1000, "--dnr", "H" * 100, "--date", "2023",
              "--json").output
    cid = json.loads(out)["id"]
    note = "rad ett\n\trad två\n"
    note += "n" * (20_000 - len(note))
    cli("case", "advance", cid, "commission_pre_study", "--decision", "HSN 2023", "--request-id", "r" * 200,
        "--note", note)
    shown = json.loads(cli("case", "show", "H" * 100, "--json").output)
    assert shown["title"] == "T" * 1000
    history = json.loads(cli("case", "history", cid, "--json").output)
    assert history[-1]["request_id"] == "r" * 200 and history[-1]["payload"]["note"] == note
    assert "ok: 1 case(s)" in cli("audit", "verify").output


def _title(value: str) -> Callable[[dict[str, Any]], None]:
    """The case's title changed in the file, in the case and in its opening entry, and nothing re-sealed."""
    def edit(doc: dict[str, Any]) -> None:
        case = doc["cases"][0]
        case["title"] = case["entries"][0]["payload"]["title"] = value
    return edit


def _entry(key: str, value: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["cases"][0]["entries"][1][key] = value
    return edit


IMPORTS = [
    # (how the exported file is edited, words after "case <id>: ")
    (_title("t" * 5_000_000), "title is 5,000,000 characters long; at most 1,000 are allowed"),
    (_title("bad\x00title"), "title contains control characters (U+0000 at character 4)"),
    (_title("red\x1b[31m title"), "title contains control characters (U+001B at character 4)"),
    (_entry("actor", "sek\x1bretare"), "entry 2: actor contains control characters (U+001B"),
    (_entry("recorded_at", "2099-01-01T00:00:00.000000+00:00"), "entry 2: recorded_at 2099-01-01T00:00:00.000000"
     "+00:00 lies in the future"),
]


@pytest.mark.parametrize(("edit", "words"), IMPORTS, ids=["5MB-title", "NUL-title", "ESC-title", "ESC-actor",
                                                         "future"])
def test_an_import_with_a_bad_value_exits_5_and_writes_nothing(cli: Cli, other: Cli, tmp_path: Path,
                                                               edit: Callable[[dict[str, Any]], None],
                                                               words: str) -> None:
    """The value is refused before anything else: not as a broken chain (exit 9), not by the database (8)."""
    cid = open_case(cli)
    cli("case", "advance", cid, "commission_pre_study", "--decision", "HSN 2023", "--note", "Ett beslut.")
    path = tmp_path / "cases.json"
    cli("export", "-o", str(path))
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")

    other("case", "list")  # the database exists, empty
    refused(other, "import", str(path), words=f"case {cid}: {words}")
    assert json.loads(other("case", "list", "--json").output) == []
    assert "ok: 0 case(s)" in other("audit", "verify").output
