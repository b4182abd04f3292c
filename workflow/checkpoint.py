"""Checkpoints: a short text, kept outside the database, that later proves the log was not rewritten.

The hash chains prove that a case's log is internally consistent, but somebody
with write access to the database can change an entry and recompute every
hash after it, and the chain verifies again.  A checkpoint pins the chain
heads at one moment.  Printed, e-mailed or entered in the minutes, it cannot
be rewritten together with the database; anything recorded *before* it that
is later changed, removed or reordered changes the hash of the entry the
checkpoint pinned, since every entry's hash covers the one before it.

The token (version 1)::

    wfcp1.<N>.<TAKEN>.<DIGEST>.<COVERED>

* ``N``: the number of cases covered -- every case in the database then.
* ``TAKEN``: when it was taken, UTC, ``YYYYMMDDTHHMMSSZ``.
* ``DIGEST``: SHA-256 (hex) of the canonical JSON (:func:`workflow.core.audit.canonical_json`) of
  ``["wf-checkpoint/1", TAKEN, [[case_id, head_seq, head_hash], ...]]``, the cases sorted by id,
  ``head_seq``/``head_hash`` being the last audit entry of the case's log then.
* ``COVERED``: base64url (unpadded) of the zlib-compressed canonical JSON of
  ``[[case_id, head_seq, head_hash[:8]], ...]`` in the same order: which entries
  the checkpoint covers, so that cases opened and decisions recorded after it
  are left out of its check, and a short hash per case, so that a failing
  check can name the case.

Verifying recomputes the digest over the current hashes of exactly the covered
(case, seq) pairs; a case gone, an entry gone or a hash changed is named.  The
full 256-bit digest, not the 32-bit prefixes, is what proves the rest unchanged.
What a checkpoint cannot do is say *which* entry up to the pinned one was
changed: it names the case and the range; the plain chain check and the
history show the rest.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflow.core.audit import Problem, canonical_json
from workflow.core.errors import InvalidInput

if TYPE_CHECKING:
    from workflow.api import Workflow

PREFIX = "wfcp1"
_TOKEN = re.compile(
    r"^wfcp1\.(?P<n>\d{1,9})\.(?P<taken>\d{8}T\d{6}Z)\.(?P<digest>[0-9a-f]{64})\.(?P<covered>[A-Za-z0-9_-]*)$"
)
_MAX_COVERED = 64 * 1024 * 1024
"""A limit on the decompressed list, so a hostile token cannot exhaust memory."""

Head = tuple[str, int, str]


@dataclass(frozen=True)
class Checkpoint:
    taken: str
    heads: tuple[Head, ...]
    """(case id, last seq, its hash) per case, sorted by case id."""

    @property
    def digest(self) -> str:
        return digest(self.taken, self.heads)

    @property
    def entries(self) -> int:
        return sum(seq for _, seq, _ in self.heads)

    @property
    def token(self) -> str:
        covered = canonical_json([[c, s, h[:8]] for c, s, h in self.heads]).encode("utf-8")
        packed = base64.urlsafe_b64encode(zlib.compress(covered, 9)).decode("ascii").rstrip("=")
        return f"{PREFIX}.{len(self.heads)}.{self.taken}.{self.digest}.{packed}"


@dataclass(frozen=True)
class Covered:
    """What a token says: its time, its digest and the (case, seq, hash prefix) it covers."""

    taken: str
    digest: str
    heads: tuple[tuple[str, int, str], ...]


def digest(taken: str, heads: tuple[Head, ...] | list[Head]) -> str:
    text = canonical_json(["wf-checkpoint/1", taken, [[c, s, h] for c, s, h in sorted(heads)]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def take(wf: "Workflow") -> Checkpoint:
    """Pin every case's chain head now; refuses if the log does not verify (nothing to vouch for)."""
    now = wf.clock().astimezone(dt.UTC)
    heads = tuple(sorted(wf.chain_heads()))
    wf.verify().raise_for_problems()
    return Checkpoint(now.strftime("%Y%m%dT%H%M%SZ"), heads)


def parse(token: str) -> Covered:
    """Read a token; a malformed one is :class:`InvalidInput`, never a traceback."""
    m = _TOKEN.match(token.strip()) if isinstance(token, str) else None
    if not m:
        raise InvalidInput("malformed checkpoint: expected wfcp1.<cases>.<time>.<digest>.<covered> "
                           "as a checkpoint is printed")
    try:
        raw = base64.urlsafe_b64decode(m["covered"] + "=" * (-len(m["covered"]) % 4))
        inflater = zlib.decompressobj()
        text = inflater.decompress(raw, _MAX_COVERED)
        if inflater.unconsumed_tail:
            raise ValueError("too large")
        rows = json.loads(text.decode("utf-8"))
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == 3 and isinstance(r[0], str) and type(r[1]) is int
            and r[1] >= 0 and isinstance(r[2], str) for r in rows
        ):
            raise ValueError("wrong types")
        heads = tuple((c, s, h) for c, s, h in rows)
    except (binascii.Error, zlib.error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise InvalidInput("malformed checkpoint: its list of covered cases is damaged (copied incompletely?)")
    if len(heads) != int(m["n"]):
        raise InvalidInput(f"malformed checkpoint: it says {m['n']} case(s) but lists {len(heads)}")
    return Covered(m["taken"], m["digest"], heads)


def verify(wf: "Workflow", token: str) -> list[Problem]:
    """What changed, since the checkpoint, in what it covers; empty if nothing did."""
    covered = parse(token)
    heads = covered.heads
    hashes = wf.entry_hashes([c for c, _, _ in heads])
    present = {c for c, _ in hashes}
    problems: list[Problem] = []
    current: list[Head] = []
    for case_id, seq, prefix in heads:
        if seq == 0:
            current.append((case_id, 0, ""))
            continue
        if case_id not in present:
            problems.append(Problem(case_id, None,
                                    f"the case and its {seq} entries recorded before the checkpoint are gone"))
            continue
        now = hashes.get((case_id, seq))
        if now is None:
            problems.append(Problem(case_id, seq,
                                    f"is gone: entries 1..{seq} were recorded before the checkpoint"))
            continue
        if not now.startswith(prefix):
            problems.append(Problem(
                case_id, seq,
                f"differs from the checkpoint: one or more of entries 1..{seq}, recorded before the "
                f"checkpoint of {covered.taken}, were changed, removed, inserted or reordered",
            ))
        current.append((case_id, seq, now))
    if not problems and digest(covered.taken, current) != covered.digest:
        problems.append(Problem("*", None, "the entries covered by the checkpoint do not hash to its digest: "
                                           "something recorded before it was changed"))
    return problems
