"""Hostile input, generated: the loader and every command end in a clear error or do exactly what was asked.

Invariants, per input:
* the definition loader returns a definition or raises InvalidDefinition -- nothing else;
* a command exits 0, or with one of the documented codes (never 70, "internal error"), with one
  line on stderr and no traceback;
* a command that fails leaves the database exactly as it was (a full dump before and after);
* a command that succeeds leaves a database whose audit log verifies, and what it stored is
  what was given (titles, notes).

The number of inputs run per target is printed at the end (``-s``) and bounded by
``max_examples`` so the suite stays fast.
"""

from __future__ import annotations

import atexit
import json
import string
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Cli, dump
from workflow import InvalidDefinition, Workflow, load_text
from workflow.paths import definitions_dir

COUNTS: Counter[str] = Counter()
atexit.register(lambda: COUNTS and print("\nFUZZ inputs per target: " + json.dumps(dict(sorted(COUNTS.items())))))

DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
FUZZ = settings(max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SQL = ["'; DROP TABLE cases; --", "\" OR 1=1 --", "%", "_", "\\", "'", "`", "$1", "?", ":name", "/*", "*/",
       "Robert'); DELETE FROM audit_entries;--", "\\x00", "NULL", "§", "§§ 1", "ÅÄÖ åäö"]
CONTROL = [chr(c) for c in [*range(0, 32), 127]] + ["\u202e", "\ufeff", "\u2028"]
hostile = st.one_of(
    st.text(max_size=40),
    st.sampled_from(SQL),
    st.text(alphabet=st.sampled_from(CONTROL + list("ab §-0123456789")), max_size=20),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "§", "'", "ä"]), st.integers(5_000, 20_000)),
    st.builds(lambda a, b: a + b, st.sampled_from(SQL), st.sampled_from(CONTROL)),
)
dates = st.one_of(hostile, st.sampled_from(["2024-02-30", "2024-13-01", "0000-00-00", "9999-12-31", "2024-2-3",
                                             "2024/02/03", "20240203", "2024-02", "2024", "-2024", "2024-02-28T10:00"]))
refs = st.one_of(hostile, st.sampled_from([
    "HSN 2024-02-28 § 15", "HSN 2024-02-28 §", "HSN § 15", "2024-02-28 § 15", "HSN 2024-02-30 § 1",
    "HSN 2024-02-28 § -1", "HSN 2024-02-28 § 999999", "XYZ 2024-02-28 § 1", "HSN 1899-01-01 § 1", "KS 2023",
]))


def run(cli: Cli, target: str, *args: str, writes: bool = False, one_line: bool = True) -> Any:
    """One command; the invariants above."""
    COUNTS[target] += 1
    before = dump(cli.db_url)
    result = cli(*args, code=None)
    assert result.exit_code in DOCUMENTED, f"wf {args!r} exited {result.exit_code}: {result.output}"
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        if result.exit_code == 2:  # click's usage errors: a usage line and the error
            assert any(line.startswith("Error:") for line in lines), result.stderr
        elif one_line:
            assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
        else:  # a report (verify, validate): one line per finding, then one error line
            assert lines and lines[-1].startswith("error:"), result.stderr
        assert dump(cli.db_url) == before, f"wf {args!r} failed but changed the database"
    elif not writes:
        assert dump(cli.db_url) == before, f"wf {args!r} is a read but changed the database"
    else:
        with Workflow(cli.db_url) as wf:
            assert wf.verify().ok
    return result


@pytest.fixture
def world(sqlite_url: str) -> dict[str, Any]:
    """A database with a case in pre-study and a closed one, for commands to find."""
    from tests.reliability.helpers import pre_study

    with Workflow(sqlite_url) as wf:
        case = pre_study(wf, "Fuzz", ("HSN 501-2023",))
        other = wf.open_case("finansiering", effective="2021", title="Other", numbers=["HSN 801-2022"], actor="registrar")
        # Roles enabled from the start, the owner holding every role: grants fuzzed later change nothing for it.
        for role in ("registrar", "secretary", "officer"):
            wf.grant_role(wf.identity.login, role)
    return {"cli": Cli(sqlite_url), "case": case.id, "keys": [case.id, "HSN 501-2023", other.id, "HSN 801-2022"]}


def keys(world: dict[str, Any]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(world["keys"]), hostile)


TRIGGERS = ["postpone", "approve_pre_study", "start_pilot", "withdraw", "reject", "take_final_position",
            "commission_pre_study", "grant", "close"]

# -- the definition loader ----------------------------------------------------------------------

VALID = (definitions_dir() / "systemledning.yaml").read_text(encoding="utf-8")
VALID_DATA = yaml.safe_load(VALID)


def _mutate(data: Any, path: list[Any], value: Any) -> Any:
    """``data`` with the element at ``path`` (followed as far as it goes) replaced by ``value``."""
    if not path or not isinstance(data, dict | list) or not data:
        return value
    if isinstance(data, dict):
        key = list(data)[path[0] % len(data)]
        return {**data, key: _mutate(data[key], path[1:], value)}
    i = path[0] % len(data)
    return [*data[:i], _mutate(data[i], path[1:], value), *data[i + 1:]]


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), hostile),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(hostile, inner, max_size=4)),
    max_leaves=10,
)
documents = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"%@`#, \n\t") + CONTROL + ["a", "1"]), max_size=200),
    st.builds(lambda p, v: yaml.safe_dump(_mutate(VALID_DATA, p, v), allow_unicode=True),
              st.lists(st.integers(0, 50), max_size=5), json_values),
    st.builds(lambda i, cut: VALID[:i] + cut + VALID[i:], st.integers(0, len(VALID)), hostile),
    st.builds(lambda i: VALID[:i], st.integers(0, len(VALID))),
    st.builds(lambda n: "a: " + "[" * n + "]" * n, st.sampled_from([10, 33, 1_000, 100_000])),
    st.builds(lambda n: "".join(f"{'  ' * i}k{i}:\n" for i in range(n)), st.integers(10, 2_000)),
    st.builds(lambda n: "x: &a [" + ",".join(["*a"] * 3) + "]\n" * 1 + "y: " + "x" * n, st.integers(0, 10)),
    st.builds(lambda n: VALID + "\n# pad\n" + "z" * n, st.integers(995_000, 1_100_000)),
    st.builds(lambda s: VALID.replace("to: pre_study", f"to: {s}"), hostile),
    st.builds(lambda s: VALID.replace("bodies: [HSN, KS, KF]", f"bodies: [{s}]"), hostile),
)


@settings(FUZZ, max_examples=200)
@given(documents)
def test_loader_refuses_clearly(text: str) -> None:
    COUNTS["load_text"] += 1
    try:
        d = load_text(text, "fuzz.yaml")
    except InvalidDefinition as e:
        assert str(e).startswith("fuzz.yaml"), str(e)
        assert e.element
    else:
        assert d.id and d.states


# -- every command ------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_case_open(world: dict[str, Any], data: st.DataObject) -> None:
    cli = world["cli"]
    title = data.draw(hostile, "title")
    args = ["case", "open", data.draw(st.one_of(st.sampled_from(["systemledning", "finansiering"]), hostile)),
            "--title", title, "--actor", data.draw(st.one_of(st.just("registrar"), hostile))]
    for _ in range(data.draw(st.integers(0, 2))):
        args += ["--dnr", data.draw(st.one_of(hostile, st.sampled_from(["HSN 501-2023", "nope=KS-1", "region=X 1"])))]
    if data.draw(st.booleans()):
        args += ["--date", data.draw(dates)]
    if data.draw(st.booleans()):
        args += ["--party", data.draw(st.one_of(st.sampled_from(["region", "kommun"]), hostile))]
    result = run(cli, "case open", *args, "--json", writes=True)
    if result.exit_code == 0:
        opened = json.loads(result.stdout)
        assert opened["title"] == title.strip() or opened["title"] == title


@FUZZ
@given(data=st.data())
def test_case_advance(world: dict[str, Any], data: st.DataObject) -> None:
    args = ["case", "advance", data.draw(keys(world)), data.draw(st.one_of(st.sampled_from(TRIGGERS), hostile))]
    if data.draw(st.booleans()):
        args += ["--decision", data.draw(refs)]
    for option, strategy in [
        ("--due", st.one_of(hostile, st.builds(lambda n, d: f"{n}={d}", st.sampled_from(
            ["report_back", "pilot_end", "nope", ""]), dates), st.sampled_from(["report_back=HSN@2025-01",
                                                                               "report_back=XX@2025-01", "=", "a="]))),
        ("--note", hostile), ("--basis", hostile), ("--to", hostile), ("--party", hostile),
        ("--amount", st.one_of(hostile, st.sampled_from(["1e999", "-1", "NaN", "1 800 000", "Infinity", "0x10"]))),
        ("--ceiling", hostile), ("--statement", hostile), ("--request-id", hostile), ("--proposed-by", hostile),
        ("--expect-version", st.one_of(st.integers(-5, 50).map(str), hostile)), ("--actor", hostile),
    ]:
        if data.draw(st.booleans()):
            args += [option, data.draw(strategy)]
    run(world["cli"], "case advance", *args, writes=True)


@FUZZ
@given(data=st.data())
def test_case_note(world: dict[str, Any], data: st.DataObject) -> None:
    key, text = data.draw(keys(world)), data.draw(hostile)
    result = run(world["cli"], "case note", "case", "note", key, text, "--actor", data.draw(hostile), writes=True)
    if result.exit_code == 0:
        with Workflow(world["cli"].db_url) as wf:
            assert wf.history(key)[-1].payload["note"] == text.strip()


@FUZZ
@given(data=st.data())
def test_case_reads(world: dict[str, Any], data: st.DataObject) -> None:
    command = data.draw(st.sampled_from(["show", "triggers", "history"]))
    args = ["case", command, data.draw(keys(world))]
    if command in ("show", "triggers") and data.draw(st.booleans()):
        args += ["--lang", data.draw(st.one_of(st.sampled_from(["sv", "en"]), hostile))]
    if command == "show" and data.draw(st.booleans()):
        args += ["--today", data.draw(dates)]
    if data.draw(st.booleans()):
        args.append("--json")
    run(world["cli"], f"case {command}", *args)


@FUZZ
@given(data=st.data())
def test_case_list(world: dict[str, Any], data: st.DataObject) -> None:
    args = ["case", "list"]
    for option, strategy in [("--definition", hostile), ("--state", hostile), ("--due-before", dates),
                             ("--today", dates), ("--limit", st.one_of(st.integers(-3, 10**12).map(str), hostile))]:
        if data.draw(st.booleans()):
            args += [option, data.draw(strategy)]
    if data.draw(st.booleans()):
        args.append("--overdue")
    run(world["cli"], "case list", *args)


@FUZZ
@given(data=st.data())
def test_audit(world: dict[str, Any], data: st.DataObject) -> None:
    line = data.draw(st.one_of(
        hostile,
        st.builds(lambda n, d, p: f"wfl1 {n} {d} {p}".strip(), st.integers(0, 10**12),
                  st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
                  st.text(alphabet=string.ascii_letters + string.digits + "-_", max_size=90)),
    ))
    args = ["audit", "verify"]
    if data.draw(st.booleans()):
        args.append(data.draw(keys(world)))
    if data.draw(st.booleans()):
        args += ["--digest", line]
    run(world["cli"], "audit verify", *args, one_line=False)


@FUZZ
@given(data=st.data())
def test_roles(world: dict[str, Any], data: st.DataObject) -> None:
    command = data.draw(st.sampled_from(["grant", "revoke"]))
    actor = data.draw(hostile)
    role = data.draw(st.one_of(st.sampled_from(["registrar", "secretary", "officer"]), hostile))
    result = run(world["cli"], f"roles {command}", "roles", command, actor, role, writes=True)
    if command == "grant" and result.exit_code == 0:
        # undo, so that later examples are not refused for want of a role
        run(world["cli"], "roles revoke", "roles", "revoke", actor, role, writes=True)


@FUZZ
@given(data=st.data())
def test_definition_files(world: dict[str, Any], data: st.DataObject, tmp_path: Path) -> None:
    """A hostile definition file to validate."""
    text = data.draw(documents)
    path = tmp_path / "input.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run(world["cli"], "definitions validate", "definitions", "validate", str(path), one_line=False)
    run(world["cli"], "definitions show", "definitions", "show", data.draw(st.one_of(st.just("systemledning"), hostile)),
        "--version", data.draw(st.one_of(st.integers(-2, 3).map(str), hostile)))


@FUZZ
@given(url=st.one_of(hostile, st.builds(lambda s, r: f"{s}://{r}", st.sampled_from(["mysql", "oracle", "foo", "http", ""]),
                                         hostile)))
def test_db_status_with_a_bad_url(url: str, tmp_path: Path) -> None:
    """A malformed or unusable database URL (never one that would create a file)."""
    from click.testing import CliRunner
    from workflow_cli.main import cli

    if not url or url.lower().lstrip().startswith(("sqlite", "postgres")):  # '' means the default database
        return
    COUNTS["db status --db BAD"] += 1
    result = CliRunner().invoke(cli, ["--db", url, "db", "status"])
    assert result.exit_code in DOCUMENTED - {0}, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
