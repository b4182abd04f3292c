"""How long a value may be and which characters it may hold: one table, the same on every database.

The store's columns are ``String(n)``.  SQLite keeps a longer value without a
word; PostgreSQL refuses it, and the refusal reaches the user as "database
unavailable".  A case accepted on one could then never move to the other.  So
every value is checked here, against its kind's limit, before any database
sees it -- when it is typed, when a decision is built by a program, and when a
case is imported -- and a test holds each limit to the length of the columns
it is stored in (:data:`Limit.columns`), so the two cannot drift.

A value is *single-line* (an id, a name, a title) or *multi-line* (a note, a
statement).  A single-line value may hold no control character at all
(Unicode category Cc: NUL, ESC, DEL, C1 controls, tab and newline too) and no
line or paragraph separator (U+2028, U+2029); a multi-line value may hold
newlines and tabs and nothing else of these.  No value may hold an unpaired
surrogate (what a command line makes of bytes that are not UTF-8): it cannot
be written as UTF-8 at all.  What is shown on a terminal is then plain text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.core.errors import InvalidInput


@dataclass(frozen=True)
class Limit:
    """The longest a kind of value may be, and whether it is one line."""

    kind: str
    """How a message names the value ("request id")."""
    max_length: int
    """In characters (code points), as both databases count a ``String(n)``."""
    single_line: bool = True
    columns: tuple[str, ...] = ()
    """``table.column`` of every ``String(n)`` column the value is stored in; none for a value kept in a
    ``Text`` column or inside an entry's JSON payload."""


FREE_TEXT = 20_000
"""The longest free text (a note, a basis, a statement): long enough for any paragraph a minute quotes."""

LIMITS: tuple[Limit, ...] = (
    # Stored in columns of their own (workflow/store/tables.py).
    Limit("case id", 40, columns=("cases.id", "case_numbers.case_id", "audit_entries.case_id",
                                  "due_dates.case_id")),
    Limit("definition id", 64, columns=("cases.definition_id", "definition_versions.id")),
    Limit("state", 64, columns=("cases.state", "audit_entries.from_state", "audit_entries.to_state")),
    Limit("step", 64, columns=("audit_entries.trigger",)),
    Limit("entry kind", 32, columns=("audit_entries.kind",)),
    Limit("diary number", 100, columns=("case_numbers.number",)),
    Limit("party", 64, columns=("case_numbers.party",)),
    Limit("actor", 200, columns=("audit_entries.actor", "actor_roles.actor", "actor_roles.granted_by")),
    Limit("role", 64, columns=("actor_roles.role",)),
    Limit("decision reference", 200, columns=("audit_entries.reference",)),
    Limit("request id", 200, columns=("audit_entries.request_id",)),
    Limit("due date name", 64, columns=("due_dates.name",)),
    Limit("meeting", 64, columns=("due_dates.meeting",)),
    Limit("timestamp", 32, columns=("audit_entries.recorded_at", "cases.opened_at", "cases.updated_at",
                                    "actor_roles.granted_at")),
    Limit("date", 10, columns=("audit_entries.effective", "due_dates.date")),
    Limit("hash", 64, columns=("audit_entries.hash", "audit_entries.prev_hash", "cases.head_hash",
                               "definition_versions.digest")),
    # Kept in a Text column or in an entry's payload: limits of sense, not of a column.
    Limit("title", 1000),
    Limit("body", 64),
    Limit("proposer", 200),
    Limit("proposal", 64),
    Limit("agenda item", 64),
    Limit("statement name", 64),
    Limit("task", 200),
    Limit("assignee", 200),
    Limit("delegate", 200),
    Limit("preparer", 200),
    Limit("recipient", 1000),
    Limit("assignment", 400),  # as written, TASK=ASSIGNEE
    Limit("due date", 200),  # as written, NAME=DATE or NAME=BODY@DATE
    Limit("amount", 40),
    Limit("note", FREE_TEXT, single_line=False),
    Limit("basis document", FREE_TEXT, single_line=False),
    Limit("document", FREE_TEXT, single_line=False),
    Limit("statement", FREE_TEXT, single_line=False),
    Limit("proposal text", FREE_TEXT, single_line=False),
    Limit("text", FREE_TEXT, single_line=False),  # any other text in an imported entry's payload
)

BY_KIND: dict[str, Limit] = {limit.kind: limit for limit in LIMITS}

CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far ahead of this installation's clock an imported entry may have been recorded: another machine's
clock may run a little fast; an entry from further in the future is a forgery or a broken clock."""

_SEPARATORS = frozenset("\u2028\u2029")

# Every character :func:`problem` may refuse (Cc, Cs and the two separators), so that a value holding none of
# them -- nearly every value -- is passed by one scan in C instead of a category lookup per character.
_SUSPECT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SUSPECT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def limit(kind: str) -> Limit:
    try:
        return BY_KIND[kind]
    except KeyError:
        raise ValueError(f"no limit is declared for {kind!r}") from None


def problem(what: str, value: str, max_length: int, single_line: bool = True) -> str | None:
    """What is wrong with ``value`` as it stands (not stripped), on one line; ``None`` if nothing is."""
    if len(value) > max_length:
        return f"{what} is {len(value):,} characters long; at most {max_length:,} are allowed"
    if (_SUSPECT_ONE_LINE if single_line else _SUSPECT_LINES).search(value) is None:
        return None
    for i, c in enumerate(value, 1):
        category = unicodedata.category(c)
        if category == "Cs":
            return (f"{what} is not valid text: it holds a character that is not Unicode (U+{ord(c):04X} at "
                    f"character {i}), such as bytes that are not UTF-8")
        if (category == "Cc" or c in _SEPARATORS) and (single_line or c not in "\n\t"):
            allowed = "one line of plain text" if single_line else "plain text, new lines and tabs"
            return (f"{what} contains control characters (U+{ord(c):04X} at character {i}); "
                    f"only {allowed} is allowed")
    return None


def check_value(what: str, value: str, max_length: int, *, single_line: bool = True,
                field: str | None = None) -> None:
    """Raise :class:`InvalidInput` if ``value`` is too long or holds characters its kind may not hold."""
    found = problem(what, value, max_length, single_line)
    if found is not None:
        raise InvalidInput(found, field=field)


def check_text(kind: str, value: str, field: str | None = None, *, strip: bool = True) -> str:
    """``value`` as a ``kind`` (a key of :data:`BY_KIND`), stripped; refused blank, too long or with
    characters the kind may not hold, naming the kind, the limit and the length.

    ``strip=False`` checks a value as it will be stored (a :class:`Decision` a program built, an imported
    entry) and returns it unchanged.
    """
    spec = limit(kind)
    if not isinstance(value, str):
        raise InvalidInput(f"{kind} must be text, not {type(value).__name__}", field=field)
    out = value.strip() if strip else value
    if not out.strip():
        raise InvalidInput(f"{kind} is blank", field=field)
    check_value(kind, out, spec.max_length, single_line=spec.single_line, field=field)
    return out


def check_optional(kind: str, value: str | None, field: str | None = None, *, strip: bool = True) -> str | None:
    """Like :func:`check_text`, but ``None`` (or ``""``) is "not given" and passes as ``None``."""
    if value is None or value == "":
        return None
    return check_text(kind, value, field, strip=strip)


# -- imported cases -------------------------------------------------------------------


def quoted(value: Any, width: int = 60) -> str:
    """A value safe to put in a message: control characters escaped, cut to ``width``."""
    shown = repr(value)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _stored(kind: str, value: Any, *, optional: bool = False) -> None:
    """An imported value, as it will be stored (not stripped), as a ``kind``."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise InvalidInput(f"{kind} must be text, not {type(value).__name__}")
    check_text(kind, value, strip=False)


def check_timestamp(what: str, value: Any, now: dt.datetime) -> None:
    """A timestamp as the register writes it (UTC, ISO 8601, microseconds), not after ``now``.

    Only the form :func:`workflow.core.engine.stamp` writes is taken, so that
    imported timestamps sort with the ones recorded here.
    """
    example = "2026-03-23T09:00:01.000000+00:00"
    when = None
    if isinstance(value, str) and len(value) <= limit("timestamp").max_length:
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    if (when is None or when.utcoffset() != dt.timedelta(0)
            or when.astimezone(dt.UTC).isoformat(timespec="microseconds") != value):
        raise InvalidInput(f"{what} {quoted(value)} is not a UTC timestamp such as {example}")
    if when > now + CLOCK_SKEW:
        raise InvalidInput(f"{what} {value} lies in the future (this import runs at "
                           f"{now.astimezone(dt.UTC).isoformat(timespec='seconds')})")


def _name(key: str) -> str:
    return key if key.isprintable() and len(key) <= 40 else quoted(key, 40)


def _texts(value: Any, path: str) -> Iterable[tuple[str, str]]:
    """Every text in a JSON value, keys included, with where it is (``payload.statements.x``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield f"a key of {path}", str(k)
            yield from _texts(v, f"{path}.{_name(str(k))}" if len(path) < 200 else path)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _texts(v, f"{path}[{i}]" if len(path) < 200 else path)


ENTRY_KINDS: dict[str, str] = {
    "case_id": "case id", "kind": "entry kind", "actor": "actor", "trigger": "step", "from_state": "state",
    "to_state": "state", "reference": "decision reference", "request_id": "request id",
    "prev_hash": "hash", "hash": "hash", "recorded_at": "timestamp", "effective": "date",
}
"""The kind of each field of an entry that holds text, but for its payload."""


def entry_kind(name: str) -> str | None:
    """The kind of an entry's field ``name``.

    A field not listed whose name ends in ``_by`` names an actor (``recorded_by``)
    and one ending in ``_at`` is a timestamp, so that a field added to entries
    later is checked without being listed here.
    """
    if name in ENTRY_KINDS:
        return ENTRY_KINDS[name]
    if name.endswith("_by"):
        return "actor"
    if name.endswith("_at"):
        return "timestamp"
    return None


def _payload_texts(payload: Mapping[str, Any]) -> list[str]:
    """Every text in a payload, keys included, without saying where (:func:`_texts` says where)."""
    out: list[str] = []
    stack: list[Any] = [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, Mapping):
            out.extend(str(k) for k in value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return out


def _clean_payload(payload: Mapping[str, Any]) -> bool:
    """Whether every text of a payload passes as free text, found with one scan over all of them."""
    texts = _payload_texts(payload)
    return (not texts or max(map(len, texts)) <= FREE_TEXT) and _SUSPECT_LINES.search("\n".join(texts)) is None


def _clean_stored(kind: str, value: Any) -> bool:
    """Whether an imported value passes :func:`_stored` as a ``kind``, with no message to build."""
    spec = BY_KIND[kind]
    return (isinstance(value, str) and 0 < len(value) <= spec.max_length and not value.isspace()
            and (_SUSPECT_ONE_LINE if spec.single_line else _SUSPECT_LINES).search(value) is None)


def check_entry_values(entry: Mapping[str, Any], now: dt.datetime) -> None:
    """Every value of an exported entry (a mapping of its fields, as in the file) against its kind.

    The texts in the payload are checked as free text: each field's own limit
    was checked when it was recorded; what matters on import is that nothing
    overlong or unprintable gets in.  Raises :class:`InvalidInput` naming the
    field, not the case (:func:`check_case_values` adds it).

    A value that passes is passed by one scan; only a refused one is looked at
    character by character, to say which character and where.
    """
    for name, value in entry.items():
        kind = entry_kind(name)
        if name == "payload":
            if not isinstance(value, Mapping):
                raise InvalidInput("payload must be an object")
            if _clean_payload(value):
                continue
            for where, text in _texts(value, "payload"):
                check_value(f"text in {where}", text, limit("text").max_length, single_line=False)
        elif value is None:
            continue
        elif kind == "timestamp":
            check_timestamp(name, value, now)
        elif kind == "date":
            from workflow.core.decisions import PartialDate

            if not isinstance(value, str) or len(value) > limit("date").max_length:
                raise InvalidInput(f"{name} date {quoted(value)} is not a date YYYY, YYYY-MM or YYYY-MM-DD")
            PartialDate.parse(value)
        elif kind is not None:
            if not _clean_stored(kind, value):
                _stored(kind, value)
        elif isinstance(value, str):
            check_value(_name(name), value, limit("text").max_length)


def check_case_values(item: Mapping[str, Any], now: dt.datetime, source: str = "<input>") -> None:
    """Every value of one case of an export -- its own and each entry's -- against its kind, before
    anything else is looked at; refused with :class:`InvalidInput` naming the file, the case and the entry.

    ``now`` is when the import runs: no entry may have been recorded after it
    (beyond :data:`CLOCK_SKEW`).
    """
    case_id = item.get("id")
    shown = case_id if isinstance(case_id, str) and case_id.isprintable() and len(case_id) <= 40 else quoted(case_id)
    where = f"{source}: case {shown}"
    try:
        for kind, key in (("case id", "id"), ("definition id", "definition"), ("state", "state"),
                          ("title", "title")):
            _stored(kind, item.get(key))
        for n in item.get("numbers") or ():
            _stored("diary number", n.get("number"))
            _stored("party", n.get("party"), optional=True)
        for key in ("opened_at", "updated_at"):
            check_timestamp(key, item.get(key), now)
        _check_due_rows(item)
    except InvalidInput as e:
        raise InvalidInput(f"{where}: {e.message}")
    for i, entry in enumerate(item.get("entries") or (), 1):
        seq = entry.get("seq")
        try:
            check_entry_values(entry, now)
        except InvalidInput as e:
            raise InvalidInput(f"{where}: entry {seq if isinstance(seq, int) else f'#{i}'}: {e.message}")


def _check_due_rows(item: Mapping[str, Any]) -> None:
    """The due-date rows the case's data gives (by their one builder), against their columns' limits.

    The data must equal the replayed log, which is checked later; data that
    cannot be read into rows is left to that check to refuse.
    """
    from workflow.core.case import Case
    from workflow.core.derive import due_rows

    data = item.get("data")
    try:
        rows = due_rows(Case("", "", 0, "", "", data=data if isinstance(data, dict) else {}))
    except (KeyError, TypeError, AttributeError, ValueError, InvalidInput):
        return
    for row in rows.values():
        _stored("due date name", row["name"])
        _stored("date", row["date"])
        _stored("meeting", row["meeting"], optional=True)
