"""The ledger: every entry of the database in commit order, its digest, and proofs against a digest.

Each case's log is a hash chain, but whoever can write the database can change
an entry and re-hash the rest of its chain.  The ledger closes that: the
database appends a leaf for every entry it stores (a trigger, with the login
that wrote it), in commit order, and the leaves form a Merkle tree as in
RFC 9162 (Certificate Transparency).  A **digest** is one line -- the number
of leaves and the 64-hex root -- short enough for the minutes or a notice
board.  Later, ``verify --digest`` proves the ledger as it is now extends the
one the digest describes (a consistency proof, RFC 9162 §2.1.4): any entry
covered by the digest that was changed, removed, replaced, reordered or
moved to another case changes the root, whatever was re-hashed with it.

A leaf is ``SHA-256(0x00 || canonical JSON of [log, case id, seq, entry hash,
login])``, the entry hash taken from the entry as it is now, so that an entry
changed behind the ledger's back shows in the root as well as in the leaf.

The digest line (version 1)::

    wfl1 <size> <root hex> [<Ed25519 signature, base64url>]

The signature, made with a key kept outside the database, covers
``wfl1 <size> <root hex>``: it proves who took the digest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from workflow.core import merkle
from workflow.core.audit import Problem, canonical_json, json_scalar
from workflow.core.errors import InvalidInput
from workflow.store.repository import LedgerRow

_sha256 = hashlib.sha256

PREFIX = "wfl1"
_LINE = re.compile(rf"^{PREFIX} (?P<size>\d{{1,12}}) (?P<root>[0-9a-f]{{64}})(?: (?P<sig>[A-Za-z0-9_-]{{86}}))?$")


@dataclass(frozen=True)
class Digest:
    """The ledger at one size: what a digest line says."""

    size: int
    root: str
    signature: str | None = None

    @property
    def signed_text(self) -> str:
        return f"{PREFIX} {self.size} {self.root}"

    @property
    def line(self) -> str:
        return self.signed_text + (f" {self.signature}" if self.signature else "")

    @classmethod
    def parse(cls, text: str) -> "Digest":
        found = _LINE.match(" ".join(text.split()))
        if found is None:
            raise InvalidInput(
                f"malformed digest {text.strip()[:80]!r}: expected '{PREFIX} SIZE ROOT [SIGNATURE]', "
                "as a digest is printed", field="digest")
        return cls(int(found["size"]), found["root"], found["sig"])


def leaf(row: LedgerRow) -> bytes:
    """The leaf hash of one ledger row, over the entry's hash as it is now."""
    return merkle.leaf_hash(
        canonical_json([row.log, row.case_id, row.seq, row.current_hash, row.login]).encode("utf-8"))


class Root:
    """The Merkle tree hash of leaves given one at a time, in O(log n) memory (RFC 9162's MTH exactly).

    The leaves so far split into complete subtrees of decreasing powers of two
    (the binary digits of their number); a new leaf merges with the smallest
    while they are of equal size.  The root folds them from the right, as the
    RFC's recursion splits at the largest power of two.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []

    def add(self, leaf_hash: bytes) -> None:
        self.size += 1
        stack, size, h = self._stack, 1, leaf_hash
        while stack and stack[-1][0] == size:
            h = _sha256(b"\x01" + stack.pop()[1] + h).digest()
            size *= 2
        stack.append((size, h))

    def root(self) -> bytes:
        if not self._stack:
            return merkle.EMPTY_ROOT
        h = self._stack[-1][1]
        for _size, left in reversed(self._stack[:-1]):
            h = merkle.node_hash(left, h)
        return h


@dataclass
class Ledger:
    """The leaves read from the database (or only their root), and what is wrong with them row by row."""

    leaves: list[bytes]
    """Every leaf hash, when they were kept (for a consistency proof); else empty."""
    rows_problems: list[tuple[int, Problem]]
    """(position, problem), in position order."""
    count: int = -1
    root_hash: bytes | None = None

    @property
    def size(self) -> int:
        return self.count if self.count >= 0 else len(self.leaves)

    def digest(self) -> Digest:
        root = self.root_hash if self.root_hash is not None else merkle.root(self.leaves)
        return Digest(self.size, root.hex())


def read(rows: Iterable[Sequence[Any]], vouching: frozenset[str] = frozenset(),
         imported: frozenset[str] = frozenset(), *, keep_leaves: bool = True) -> Ledger:
    """The leaves (or, without ``keep_leaves``, only their root), and every leaf whose entry is gone or is
    not the entry the database appended.

    An entry must also name as its recorder the login the database saw write it, unless that login
    may vouch for people (``vouching``: it held the ``service`` role) or the entry came with an
    imported case (``imported``), whose entries keep the recorders of their source.

    ``rows`` are :class:`LedgerRow` or plain tuples in its field order, by position: one ordered scan.
    Each leaf is hashed over text joined from its fields' own encodings, the same bytes as
    :func:`leaf` hashes; a row whose entry checks out costs a few comparisons besides.
    """
    leaves: list[bytes] = []
    keep = leaves.append if keep_leaves else None
    tree = Root()
    add = tree.add
    problems: list[tuple[int, Problem]] = []
    sha256, s = _sha256, json_scalar
    expected = 1
    for row in rows:
        position, log, case_id, seq, entry_hash, login, current, recorded_by = row[:8]
        if position != expected:
            problems.append((position, Problem(
                "", None, f"positions {expected}..{position - 1} are missing: leaves were removed",
                log="ledger")))
        expected = position + 1
        if current != entry_hash or (recorded_by is not None and recorded_by != login):
            _row_problem(problems, position, log, case_id, seq, entry_hash, login, current, recorded_by,
                         vouching, imported)
        h = sha256(f"\x00[{s(log)},{s(case_id)},{s(seq)},{s(current)},{s(login)}]".encode()).digest()
        add(h)
        if keep is not None:
            keep(h)
    return Ledger(leaves, problems, tree.size, tree.root())


def _row_problem(problems: list[tuple[int, Problem]], position: int, log: str, case_id: str | None, seq: int,
                 entry_hash: str, login: str, current: str | None, recorded_by: str | None,
                 vouching: frozenset[str], imported: frozenset[str]) -> None:
    which = "register" if log == "register" else "case"
    where = case_id or ""
    if current is None:
        problems.append((position, Problem(
            where, seq, f"is gone, though the ledger holds it at position {position}", log=which)))
    elif current != entry_hash:
        problems.append((position, Problem(
            where, seq, f"is not the entry the database appended at ledger position {position}: "
            "it was changed, replaced or re-hashed after it was recorded", log=which)))
    elif login not in vouching and (log != "case" or case_id not in imported):
        problems.append((position, Problem(
            where, seq, f"says it was entered by {recorded_by!r}, but the database saw the login "
            f"{login!r} write it", log=which)))


@dataclass(frozen=True)
class Consistency:
    """The outcome of checking the ledger against a digest."""

    old: Digest
    new: Digest
    proof: tuple[str, ...]
    problems: tuple[Problem, ...]


def against(ledger: Ledger, old: Digest) -> Consistency:
    """Prove the ledger extends the one ``old`` describes, and name the first entry that does not."""
    new = ledger.digest()
    if old.size > ledger.size:
        return Consistency(old, new, (), (Problem(
            "", None, f"holds {ledger.size} entries, fewer than the {old.size} the digest covers: "
            "entries were removed", log="ledger"),))
    if old.size == 0:
        return Consistency(old, new, (), ())
    if len(ledger.leaves) != ledger.size:
        raise ValueError("a consistency proof needs the leaves: read the ledger with keep_leaves=True")
    proof = merkle.consistency_proof(ledger.leaves, old.size)
    if merkle.verify_consistency(old.size, ledger.size, bytes.fromhex(old.root), bytes.fromhex(new.root), proof):
        return Consistency(old, new, tuple(p.hex() for p in proof), ())
    first = next((p for pos, p in ledger.rows_problems if pos <= old.size), None)
    if first is not None:
        problem = replace(first, problem=f"{first.problem}; it is the first entry that differs from the "
                          f"digest of {old.size} entries")
    else:
        problem = Problem("", None, f"the first {old.size} entries do not hash to the digest's root: entries "
                          "it covers were rewritten together with the ledger (verify against earlier "
                          "digests to find since when)", log="ledger")
    return Consistency(old, new, tuple(p.hex() for p in proof), (problem,))


def check_proof(old: Digest, new: Digest, proof: Sequence[str]) -> bool:
    """Whether ``proof`` shows the ledger of ``new`` extends that of ``old``, with nothing but the two digests."""
    try:
        nodes = [bytes.fromhex(p) for p in proof]
    except ValueError:
        return False
    if old.size == new.size:
        return old.root == new.root and not nodes
    return merkle.verify_consistency(old.size, new.size, bytes.fromhex(old.root), bytes.fromhex(new.root), nodes)


# -- signatures ------------------------------------------------------------------------------


def new_keys() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as PEM: (private, public)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def sign_text(text: bytes, private_pem: bytes, where: str = "the key") -> str:
    """An Ed25519 signature of ``text``, base64url without padding."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as e:
        raise InvalidInput(f"{where} is not an unencrypted PEM private key: {e}")
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{where} is not an Ed25519 private key")
    return base64.urlsafe_b64encode(key.sign(text)).rstrip(b"=").decode("ascii")


def signature_holds(text: bytes, signature: str, public_pem: bytes, where: str = "the key") -> bool:
    """Whether ``signature`` (base64url) over ``text`` was made with the private half of ``public_pem``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(public_pem)
    except (ValueError, TypeError) as e:
        raise InvalidInput(f"{where} is not a PEM public key: {e}")
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(f"{where} is not an Ed25519 public key")
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        key.verify(raw, text)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def sign(digest: Digest, private_pem: bytes, where: str = "the key") -> Digest:
    return replace(digest, signature=sign_text(digest.signed_text.encode("ascii"), private_pem, where))


def signature_problems(digest: Digest, public_pem: bytes, where: str = "the key") -> list[Problem]:
    if digest.signature is None:
        return [Problem("", None, "the digest is not signed, and a public key was given to check it", log="digest")]
    if not signature_holds(digest.signed_text.encode("ascii"), digest.signature, public_pem, where):
        return [Problem("", None, f"its signature was not made with the key {where} names: the digest "
                        "was altered or signed by someone else", log="digest")]
    return []


# -- signatures over a message too large to hold -----------------------------------------------
#
# A signed export of a whole register is written, and checked on import, without its bytes in
# memory: the signature is cryptography's Ed25519 over a short statement naming the SHA-256 of the
# message (hashed as it streams by), never a hand-written curve.

Chunks = Callable[[], Iterable[bytes]]
"""A message as chunks of bytes; called once per pass over it."""

_STATEMENT = "kansli-workflow signed sha256:{digest}"


def _statement(message: Chunks) -> bytes:
    h = hashlib.sha256()
    for chunk in message():
        h.update(chunk)
    return _STATEMENT.format(digest=h.hexdigest()).encode("ascii")


def sign_chunks(message: Chunks, private_pem: bytes, where: str = "the key") -> str:
    """An Ed25519 signature of the statement naming the SHA-256 of the message (read once), base64url."""
    return sign_text(_statement(message), private_pem, where)


def signature_holds_chunks(message: Chunks, signature: str, public_pem: bytes, where: str = "the key") -> bool:
    """Whether ``signature`` was made by :func:`sign_chunks` over the same message with the key's private half."""
    return signature_holds(_statement(message), signature, public_pem, where)
