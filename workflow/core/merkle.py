"""The Merkle tree of RFC 9162 (Certificate Transparency v2), section 2.1, over the audit ledger.

Every audit entry in the database is one leaf of a single, append-only tree:
the ledger.  Its *digest* is the pair (tree size, root hash).  A digest posted
in the minutes of a meeting commits the authority to every entry up to that
size: nobody can later change, remove, insert or reorder one of those entries
without the root at that size changing.  Two kinds of proof let a reader check
the ledger against a digest without trusting whoever keeps the database:

* an *inclusion proof* (:func:`inclusion_proof`, :func:`verify_inclusion`)
  shows that one entry is the leaf at a given index of the tree a digest names;
* a *consistency proof* (:func:`consistency_proof`, :func:`verify_consistency`)
  shows that a later digest names a tree that extends the tree of an earlier
  digest, leaf for leaf -- the ledger has only been appended to since.

The hashes are exactly the RFC's (SHA-256, 0x00 before a leaf, 0x01 before two
children; the split point of n leaves is the largest power of two smaller
than n), so any RFC 9162 or RFC 6962 verifier in any language can check what
this module produces, and the published Certificate Transparency test vectors
apply to it unchanged.

The functions that build trees and proofs take *leaf hashes* (the output of
:func:`leaf_hash`, 32 bytes each), never raw entry data: the ledger stores each
entry's leaf hash once and every tree or proof is built from those.

Sizes: the RFC defines the tree of no leaves (its root is SHA-256 of the empty
string) but defines proofs only for trees with at least one leaf.  An empty
ledger commits to nothing, so there is nothing a consistency proof *from* it
could show; :func:`consistency_proof` refuses an old size of 0 and
:func:`verify_consistency` returns ``False`` for it.  A caller that wants to
treat "the ledger was empty" as trivially extended must decide that itself.

This module is pure: the standard library only, no I/O, no state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = [
    "EMPTY_ROOT",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

_sha256 = hashlib.sha256
_LEAF = b"\x00"
_NODE = b"\x01"

EMPTY_ROOT: bytes = _sha256(b"").digest()
"""The root of the tree of no leaves: SHA-256 of the empty string (RFC 9162, section 2.1.1)."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf, SHA-256(0x00 || data).

    The 0x00 prefix (and 0x01 for inner nodes) keeps a leaf from ever being
    passed off as an inner node or the reverse (a second-preimage attack).
    """
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node from its two children, SHA-256(0x01 || left || right)."""
    return _sha256(_NODE + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The RFC's split point k for n > 1 leaves: the largest power of two with k < n <= 2k."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash MTH(D[n]) of a list of leaf hashes: the root a digest carries.

    The RFC defines MTH recursively, splitting at the largest power of two
    smaller than n.  Computed here level by level instead: pair up neighbours,
    and carry an odd last node up to the next level unchanged (never
    duplicated).  That gives the RFC's tree exactly, because the left part of
    every split is a complete subtree that pairs up without a remainder, so the
    only node ever left over on a level is the right edge of the tree.  Each
    leaf and inner node is hashed once: n - 1 node hashes in all.
    """
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = list(map(node_hash, level[0::2], level[1::2]))
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) of leaf hashes, for end > start."""
    return root(leaves[start:end])


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path PATH(index, D[n]) of RFC 9162, section 2.1.3.1, for n = len(leaves).

    What a reader needs, besides the entry itself, to recompute the root of a
    digest and so see that the entry is the leaf at ``index`` of that ledger.
    The path is ordered from the leaf upwards, as the RFC's verification
    expects.  The subtrees whose roots it lists are disjoint, so building it
    hashes each leaf once (about n node hashes in all).

    Raises :class:`ValueError` unless 0 <= index < n.
    """
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is not in a tree of {n} leaves")
    # PATH(m, D[lo:hi]) = PATH(m', one half) : MTH(other half); walked from the
    # top, so the nodes come out root-side first and are reversed at the end.
    nodes: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            nodes.append(_subtree_root(leaves, lo + k, hi))
            hi = lo + k
        else:
            nodes.append(_subtree_root(leaves, lo, lo + k))
            lo += k
    nodes.reverse()
    return nodes


def verify_inclusion(index: int, n: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows that ``leaf`` is the leaf hash at ``index`` of the tree of size ``n`` and ``root``.

    ``leaf`` is the entry's *leaf hash* (:func:`leaf_hash` of its data), as in
    the RFC.  The algorithm is RFC 9162, section 2.1.3.2, step by step; it
    never raises, a malformed proof is simply not a proof.  The size is bound
    by the digest the root comes from: a proof checks against a (size, root)
    pair, not against a root alone.
    """
    # 1. The index must lie within the tree.
    if not 0 <= index < n:
        return False
    # 2. fn is the index, sn the last index; 3. r starts as the leaf hash.
    fn, sn = index, n - 1
    r = leaf
    # 4. Walk up the path.
    for p in proof:
        if sn == 0:  # a. more nodes than the tree has levels
            return False
        if fn & 1 or fn == sn:  # b. p is a left sibling (or we are the right edge)
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # c.
        sn >>= 1
    # 5. The path must reach the top, and the root must match.
    return sn == 0 and r == root


def consistency_proof(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """The consistency proof PROOF(m, D[n]) of RFC 9162, section 2.1.4.1, for n = len(leaves).

    What a reader needs, given the digest (m, root of the first m leaves)
    posted earlier and the digest (n, root of all leaves) now, to see that the
    ledger of size n begins with exactly the ledger of size m.  Empty when
    m == n (the digests must then be equal).  The subtrees whose roots it lists
    are disjoint, so building it hashes each leaf once (about n node hashes in
    all), however large the ledger.

    Raises :class:`ValueError` unless 0 < m <= n: the RFC defines no proof
    from the empty tree (see the module's notes on sizes).
    """
    n = len(leaves)
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}: the old size must be 1 to {n}")
    # SUBPROOF(m, D[lo:hi], b), unrolled: each step of the recursion appends
    # one subtree root *after* the recursive part, so collect them top-down
    # and reverse.  ``m`` stays absolute; D[lo:hi] always contains it.
    nodes: list[bytes] = []
    lo, hi = 0, n
    whole = True  # the RFC's b: D[lo:hi] is still the whole old tree's extension
    while m != hi:
        k = _largest_power_of_two_below(hi - lo)
        if m <= lo + k:
            nodes.append(_subtree_root(leaves, lo + k, hi))
            hi = lo + k
        else:
            nodes.append(_subtree_root(leaves, lo, lo + k))
            lo += k
            whole = False
    if not whole:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])} for the remaining subtree.
        nodes.append(_subtree_root(leaves, lo, hi))
    nodes.reverse()
    return nodes


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows that the tree (n, ``new_root``) extends the tree (m, ``old_root``).

    For 0 < m < n the algorithm is RFC 9162, section 2.1.4.2, step by step.
    The RFC's algorithm is for m < n only; for m == n the proof must be empty
    and the two roots equal (a digest is consistent with itself and with
    nothing else of its size).  m == 0, a negative size, or m > n give
    ``False``: the RFC defines no proof from the empty tree.  Never raises.
    """
    if not 0 < m <= n:
        return False
    if m == n:
        return len(proof) == 0 and old_root == new_root
    # 1. An empty path proves nothing.
    if not proof:
        return False
    # 2. If m is an exact power of two, the old root itself is the first node.
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, old_root)
    # 3.
    fn, sn = m - 1, n - 1
    # 4. Skip the levels where the old tree's right edge is a left child.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:  # a.
            return False
        if fn & 1 or fn == sn:  # b.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # c.
        sn >>= 1
    # 7.
    return fr == old_root and sr == new_root and sn == 0
