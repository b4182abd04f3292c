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


# -- Ed25519 over a message too large to hold ------------------------------------------------
#
# RFC 8032's Ed25519, the same signatures as cryptography's (they are deterministic), for a
# message given as chunks, read twice when signing and once when verifying: so that a signed
# export of a whole register is written, and checked on import, without its bytes in memory.

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

Chunks = Callable[[], Iterable[bytes]]
"""A message as chunks of bytes; called once per pass over it."""


def _add(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa, bb = (y1 - x1) * (y2 - x2) % _P, (y1 + x1) * (y2 + x2) % _P
    cc, dd = t1 * 2 * _D * t2 % _P, z1 * 2 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _mul(k: int, point: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    q = (0, 1, 1, 0)
    while k:
        if k & 1:
            q = _add(q, point)
        point = _add(point, point)
        k >>= 1
    return q


def _x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


_BY = 4 * pow(5, _P - 2, _P) % _P
_BX = _x(_BY, 0) or 0
_B = (_BX, _BY, 1, _BX * _BY % _P)


def _encode(point: tuple[int, int, int, int]) -> bytes:
    x, y, z, _t = point
    zi = pow(z, _P - 2, _P)
    x, y = x * zi % _P, y * zi % _P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _decode(data: bytes) -> tuple[int, int, int, int] | None:
    y = int.from_bytes(data, "little")
    x = _x(y & ((1 << 255) - 1), y >> 255)
    return None if x is None else (x, y & ((1 << 255) - 1), 1, x * (y & ((1 << 255) - 1)) % _P)


def _sha512_int(*parts: bytes | Chunks) -> int:
    h = hashlib.sha512()
    for part in parts:
        if isinstance(part, bytes):
            h.update(part)
        else:
            for chunk in part():
                h.update(chunk)
    return int.from_bytes(h.digest(), "little")


def sign_chunks(message: Chunks, private_pem: bytes, where: str = "the key") -> str:
    """:func:`sign_text` of the message the chunks make up (read twice), base64url without padding."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as e:
        raise InvalidInput(f"{where} is not an unencrypted PEM private key: {e}")
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{where} is not an Ed25519 private key")
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    h = hashlib.sha512(seed).digest()
    a = (int.from_bytes(h[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
    public = _encode(_mul(a, _B))
    r = _sha512_int(h[32:], message) % _L
    big_r = _encode(_mul(r, _B))
    k = _sha512_int(big_r, public, message) % _L
    signature = big_r + int.to_bytes((r + k * a) % _L, 32, "little")
    return base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")


def signature_holds_chunks(message: Chunks, signature: str, public_pem: bytes, where: str = "the key") -> bool:
    """:func:`signature_holds` for the message the chunks make up (read once)."""
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
    except (binascii.Error, ValueError):
        return False
    public = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    point = _decode(public)
    if len(raw) != 64 or point is None:
        return False
    s = int.from_bytes(raw[32:], "little")
    if s >= _L:
        return False
    k = _sha512_int(raw[:32], public, message) % _L
    x, y, z, t = _mul(k, point)
    # R must be [S]B - [k]A, byte for byte (as OpenSSL checks it)
    return _encode(_add(_mul(s, _B), (_P - x, y, z, _P - t))) == raw[:32]
