"""Audit entries, their canonical form, the hash chain and its verification.

Every change to a case is one entry.  Entries are numbered per case from 1 and
each carries the SHA-256 of its canonical form together with the hash of the
entry before it, so that changing, removing, inserting or reordering any entry
breaks the chain at a place :func:`verify_chain` can name.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

GENESIS = "0" * 64

_sha256 = hashlib.sha256
_string: Any = json.encoder.encode_basestring  # the C encoder canonical_json itself uses for a str
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """The one text form a value is hashed and exported in."""
    return _CANONICAL.encode(value)


def json_scalar(value: Any) -> str:
    """``canonical_json`` of one hashed field, without the general encoder for the common kinds."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _string(value)  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    return canonical_json(value)


def hashed_text(case_id: Any, seq: Any, kind: Any, actor: Any, recorded_at: Any, effective: Any, trigger: Any,
                from_state: Any, to_state: Any, reference: Any, payload_text: str, request_id: Any,
                prev_hash: Any, recorded_by: Any) -> str:
    """The canonical text an entry's hash is taken over, with its payload given as canonical text.

    Equal to ``canonical_json(entry.hashed_fields())``, built by joining the
    fields' own canonical texts: the payload is encoded once (or, when
    verifying, taken as stored) instead of once per use.
    """
    s = json_scalar
    text = (f"[{s(case_id)},{s(seq)},{s(kind)},{s(actor)},{s(recorded_at)},{s(effective)},{s(trigger)},"
            f"{s(from_state)},{s(to_state)},{s(reference)},{payload_text},{s(request_id)},{s(prev_hash)}")
    return text + ("]" if recorded_by is None else f",{s(recorded_by)}]")


def hash_text(text: str) -> str:
    return _sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One append-only audit entry of a case."""

    case_id: str
    seq: int
    kind: str
    """``opened``, ``decision``, ``due``, ``note`` (and kinds later versions add)."""
    actor: str
    recorded_at: str
    """When it was entered, UTC, ISO 8601 with microseconds."""
    effective: str | None
    """When it took effect: the meeting date, possibly partial (``2023-12``)."""
    trigger: str | None
    from_state: str | None
    to_state: str | None
    reference: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    prev_hash: str = GENESIS
    hash: str = ""
    recorded_by: str | None = None
    """Who entered it, as authenticated: the database login (PostgreSQL), the operating-system
    user (SQLite), or the person a trusted service logged in.  ``actor`` is who decided, or on
    whose behalf it was entered.  ``None`` in entries recorded before identities were kept."""

    def hashed_fields(self) -> list[Any]:
        fields = [
            self.case_id, self.seq, self.kind, self.actor, self.recorded_at, self.effective,
            self.trigger, self.from_state, self.to_state, self.reference, self.payload,
            self.request_id, self.prev_hash,
        ]
        if self.recorded_by is not None:  # entries from before identities keep their hashes
            fields.append(self.recorded_by)
        return fields

    def compute_hash(self) -> str:
        return hash_text(hashed_text(
            self.case_id, self.seq, self.kind, self.actor, self.recorded_at, self.effective, self.trigger,
            self.from_state, self.to_state, self.reference, self.payload_text(), self.request_id,
            self.prev_hash, self.recorded_by))

    def payload_text(self) -> str:
        """The payload's canonical text: as it was hashed when this entry was sealed by :meth:`chained`,
        or when its hash was first computed (an imported entry, verified and then written), encoded once.

        An entry is a value: its payload is never changed in place (:func:`dataclasses.replace` makes a
        new entry, which encodes its own).
        """
        text = self.__dict__.get("_payload_text")
        if text is None:
            text = canonical_json(self.payload)
            object.__setattr__(self, "_payload_text", text)
        return text  # type: ignore[no-any-return]

    def sealed(self) -> "Entry":
        """This entry with its hash filled in."""
        return replace(self, hash=self.compute_hash())

    def chained(self, seq: int, prev_hash: str, recorded_by: str | None) -> "Entry":
        """This draft as entry ``seq`` after ``prev_hash``, entered by ``recorded_by``, sealed: built once."""
        e = Entry(self.case_id, seq, self.kind, self.actor, self.recorded_at, self.effective, self.trigger,
                  self.from_state, self.to_state, self.reference, self.payload, self.request_id, prev_hash, "",
                  recorded_by)
        text = canonical_json(self.payload)
        object.__setattr__(e, "hash", hash_text(hashed_text(
            e.case_id, seq, e.kind, e.actor, e.recorded_at, e.effective, e.trigger, e.from_state, e.to_state,
            e.reference, text, e.request_id, prev_hash, recorded_by)))
        # Kept beside the fields (not one of them: equality, replace and to_json do not see it), so that the
        # store writes the very text that was hashed without encoding the payload again.
        object.__setattr__(e, "_payload_text", text)
        return e

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id, "seq": self.seq, "kind": self.kind, "actor": self.actor,
            "recorded_at": self.recorded_at, "effective": self.effective,
            "trigger": self.trigger, "from_state": self.from_state, "to_state": self.to_state,
            "reference": self.reference, "payload": self.payload, "request_id": self.request_id,
            "prev_hash": self.prev_hash, "hash": self.hash, "recorded_by": self.recorded_by,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Entry":
        """An entry from its exported form; ``recorded_by`` may be absent (an entry from before identities),
        any other field missing is a :class:`KeyError`.  Built without the generated ``__init__``, which
        sets a frozen instance's fields one call at a time: importing reads a hundred thousand of them."""
        e = object.__new__(cls)
        e.__dict__.update({k: data[k] for k in _FIELDS}, recorded_by=data.get("recorded_by"))
        return e


_FIELDS = tuple(k for k in Entry.__dataclass_fields__ if k != "recorded_by")


def recorded_by(entries: Sequence[Entry], who: str) -> list[Entry]:
    """The same entries entered by ``who``, their chain sealed again from the first one's predecessor.

    The core drafts entries without knowing who is at the keyboard; the service
    that authenticated the recorder stamps them before they are written.
    """
    out: list[Entry] = []
    prev = entries[0].prev_hash if entries else GENESIS
    for e in entries:
        sealed = e if e.recorded_by == who and e.prev_hash == prev else e.chained(e.seq, prev, who)
        out.append(sealed)
        prev = sealed.hash
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a case's chain, naming the entry."""

    case_id: str
    seq: int | None
    problem: str
    log: str = "case"
    """``case`` (a case's log), ``register`` (the register's own log), ``ledger`` or ``digest``."""

    def __str__(self) -> str:
        if self.log in ("ledger", "digest"):
            return f"{self.log}: {self.problem}"
        whose = "register log" if self.log == "register" else f"case {self.case_id}"
        where = f"entry {self.seq}" if self.seq is not None else "chain"
        return f"{whose}: {where}: {self.problem}"


def verify_chain(
    case_id: str, entries: Iterable[Entry], head_seq: int | None = None, head_hash: str | None = None
) -> list[Problem]:
    """Recompute a case's chain; ``entries`` in stored order (by sequence number).

    ``head_seq``/``head_hash`` are what the case row says its last entry is, so
    that an entry removed from the end is found as well.
    """
    problems: list[Problem] = []
    prev = GENESIS
    expected_seq = 1
    last: Entry | None = None
    for e in entries:
        if e.seq != expected_seq:
            kind = "missing or reordered" if e.seq > expected_seq else "duplicated or reordered"
            problems.append(Problem(case_id, e.seq, f"{kind}: expected entry {expected_seq} here"))
        if e.prev_hash != prev:
            problems.append(Problem(case_id, e.seq, "does not follow the entry before it (chain broken: removed, inserted or reordered)"))
        if e.compute_hash() != e.hash:
            problems.append(Problem(case_id, e.seq, "was changed after it was recorded (hash mismatch)"))
        prev = e.hash
        expected_seq = e.seq + 1
        last = e
    if head_seq is not None:
        if last is None and head_seq:
            problems.append(Problem(case_id, None, f"all entries are gone (case says {head_seq})"))
        elif last is not None and (last.seq != head_seq or last.hash != head_hash):
            problems.append(Problem(case_id, last.seq, f"is not the case's last recorded entry {head_seq}: entries were removed or added at the end"))
    return problems


class ChainCheck:
    """The hash chains of many logs checked from their stored rows, as they stream by: at hashing speed.

    Rows come as stored -- ``(case_id, seq, kind, actor, recorded_at, effective,
    trigger, from_state, to_state, reference, payload, request_id, prev_hash,
    hash, recorded_by)`` with the payload as its stored canonical text --
    grouped by case and in sequence order within each (one ordered scan).  The
    hash is taken over the text as stored rather than over the payload decoded
    and encoded again; only when that differs is the payload decoded, so that
    a payload stored in another spelling of the same value is not taken for a
    changed one.  The problems are :func:`verify_chain`'s, word for word.
    """

    def __init__(self) -> None:
        self.entries = 0
        self.problems: dict[str, list[Problem]] = {}
        """Case id -> its problems, for the cases that have any."""
        self._case: Any = None
        self._prev = GENESIS
        self._expected = 1

    def feed(self, rows: Iterable[Sequence[Any]]) -> None:
        sha256, enc = _sha256, _string
        case, prev, expected, count = self._case, self._prev, self._expected, self.entries
        for (case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, to_state, reference, payload,
             request_id, prev_hash, stored, recorded_by) in rows:
            count += 1
            if case_id != case:
                case, prev, expected = case_id, GENESIS, 1
            # hashed_text, spelt out for the columns' own types (a value of another type does not hash
            # here, and the slow path encodes it as hashed_text does)
            if seq != expected or prev_hash != prev or sha256((
                    f"[{enc(case_id)},{seq},{enc(kind)},{enc(actor)},{enc(recorded_at)},"
                    f"{'null' if effective is None else enc(effective)},"
                    f"{'null' if trigger is None else enc(trigger)},"
                    f"{'null' if from_state is None else enc(from_state)},"
                    f"{'null' if to_state is None else enc(to_state)},"
                    f"{'null' if reference is None else enc(reference)},{payload},"
                    f"{'null' if request_id is None else enc(request_id)},{enc(prev_hash)}"
                    + ("]" if recorded_by is None else f",{enc(recorded_by)}]")).encode()).hexdigest() != stored:
                self._check((case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, to_state,
                             reference, payload, request_id, prev_hash, stored, recorded_by), prev, expected)
            prev, expected = stored, seq + 1
        self._case, self._prev, self._expected, self.entries = case, prev, expected, count

    def _check(self, r: Sequence[Any], prev: str, expected: int) -> None:
        """The slow path for one row that did not check out: which of verify_chain's problems it has."""
        case_id, seq = r[0], r[1]
        found = self.problems.setdefault(case_id, [])
        if seq != expected:
            kind = "missing or reordered" if seq > expected else "duplicated or reordered"
            found.append(Problem(case_id, seq, f"{kind}: expected entry {expected} here"))
        if r[12] != prev:
            found.append(Problem(case_id, seq, "does not follow the entry before it (chain broken: removed, "
                                 "inserted or reordered)"))
        def digest(payload: str) -> str:
            return hash_text(hashed_text(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], payload,
                                         r[11], r[12], r[14]))

        if digest(r[10]) != r[13]:
            try:
                respelled = canonical_json(json.loads(r[10]))
            except ValueError:
                respelled = None
            if respelled is None or digest(respelled) != r[13]:
                found.append(Problem(case_id, seq, "was changed after it was recorded (hash mismatch)"))
        if not found:
            del self.problems[case_id]

    def head(self, case_id: str, head_seq: int, last_seq: int | None) -> None:
        """A case whose row does not name its log's last entry (found by the store): verify_chain's last check."""
        found = self.problems.setdefault(case_id, [])
        if last_seq is None:
            found.append(Problem(case_id, None, f"all entries are gone (case says {head_seq})"))
        else:
            found.append(Problem(case_id, last_seq, f"is not the case's last recorded entry {head_seq}: entries "
                                 "were removed or added at the end"))
