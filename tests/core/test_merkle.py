"""The ledger's Merkle tree is RFC 9162's: same roots, same proofs, and every tampering is caught.

The fast, iterative code in :mod:`workflow.core.merkle` is checked against a
literal transcription of the RFC's recursive definitions (below), against the
published Certificate Transparency test vectors, and against the RFC's worked
example tree of seven leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest

from workflow.core.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# --- The RFC's definitions, transcribed literally (slices, recursion) --------------------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, RFC 9162 section 2.1.1."""
    if len(d) == 0:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]), RFC 9162 section 2.1.3.1."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b), RFC 9162 section 2.1.4.1."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


def leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


OTHER = leaf_hash(b"not in any tree")

# --- Hashing and roots -----------------------------------------------------------------------------------


def test_leaf_and_node_hashes_are_prefixed_sha256() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    assert leaf_hash(b"") != hashlib.sha256(b"").digest()


def test_the_empty_tree_has_the_hash_of_the_empty_string() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", range(71))
def test_root_equals_the_rfc_recursive_definition(n: int) -> None:
    d = leaves(n)
    assert root(d) == ref_mth(d)


def test_root_is_not_the_duplicate_the_last_node_tree() -> None:
    a, b, c = leaves(3)
    assert root([a, b, c]) == node_hash(node_hash(a, b), c)
    assert root([a, b, c]) != node_hash(node_hash(a, b), node_hash(c, c))


# The Certificate Transparency reference vectors (RFC 6962 test data, as published by the
# certificate-transparency and transparency-dev/merkle projects).
CT_DATA = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_LEAVES = [leaf_hash(x) for x in CT_DATA]


@pytest.mark.parametrize("n", range(9))
def test_roots_match_the_certificate_transparency_vectors(n: int) -> None:
    assert root(CT_LEAVES[:n]).hex() == CT_ROOTS[n]


@pytest.mark.parametrize(
    ("index", "n", "path"),
    [
        (0, 1, []),
        (
            0,
            8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ],
)
def test_inclusion_proofs_match_the_certificate_transparency_vectors(
    index: int, n: int, path: list[str]
) -> None:
    proof = inclusion_proof(CT_LEAVES[:n], index)
    assert [p.hex() for p in proof] == path
    assert verify_inclusion(index, n, CT_LEAVES[index], proof, bytes.fromhex(CT_ROOTS[n]))


@pytest.mark.parametrize(
    ("m", "n", "path"),
    [
        (1, 1, []),
        (
            1,
            8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ],
)
def test_consistency_proofs_match_the_certificate_transparency_vectors(
    m: int, n: int, path: list[str]
) -> None:
    proof = consistency_proof(CT_LEAVES[:n], m)
    assert [p.hex() for p in proof] == path
    assert verify_consistency(m, n, bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n]), proof)


# --- The RFC's worked example: seven leaves ----------------------------------------------------------------
#
#             hash
#            /    \
#           k      l
#          / \    / \
#         g   h  i   j
#        / \ / \ / \  |
#        a b c d e f  d6


def _seven() -> tuple[list[bytes], dict[str, bytes]]:
    d = leaves(7, b"example")
    a, b, c, dd, e, f, j = d
    g, h, i = node_hash(a, b), node_hash(c, dd), node_hash(e, f)
    k, ll = node_hash(g, h), node_hash(i, j)
    nodes = {"a": a, "b": b, "c": c, "d": dd, "e": e, "f": f, "j": j, "g": g, "h": h, "i": i, "k": k, "l": ll}
    return d, nodes


def test_the_example_tree_has_the_rfc_shape() -> None:
    d, x = _seven()
    assert root(d) == node_hash(x["k"], x["l"])


@pytest.mark.parametrize(
    ("m", "names"),
    [(3, "cdgl"), (4, "l"), (6, "ijk"), (7, "")],
)
def test_example_consistency_proofs(m: int, names: str) -> None:
    d, x = _seven()
    assert consistency_proof(d, m) == [x[c] for c in names]
    assert verify_consistency(m, 7, root(d[:m]), root(d), [x[c] for c in names])


def test_the_rfc_example_proof_from_three_to_seven_has_four_nodes() -> None:
    d, x = _seven()
    assert consistency_proof(d, 3) == [x["c"], x["d"], x["g"], x["l"]]


@pytest.mark.parametrize(
    ("index", "names"),
    [(0, "bhl"), (3, "cgl"), (4, "fjk"), (6, "ik")],
)
def test_example_inclusion_proofs(index: int, names: str) -> None:
    d, x = _seven()
    assert inclusion_proof(d, index) == [x[c] for c in names]


# --- Consistency: every pair of sizes up to 40 -------------------------------------------------------------

PAIRS = [(m, n) for n in range(1, 41) for m in range(1, n + 1)]


@pytest.mark.parametrize(("m", "n"), PAIRS)
def test_consistency_proof_is_the_rfcs_and_verifies(m: int, n: int) -> None:
    d = leaves(n)
    proof = consistency_proof(d, m)
    assert proof == ref_proof(m, d)
    assert verify_consistency(m, n, root(d[:m]), root(d), proof)


@pytest.mark.parametrize(("m", "n"), PAIRS)
def test_consistency_fails_on_any_tampering(m: int, n: int) -> None:
    d = leaves(n)
    old, new = root(d[:m]), root(d)
    proof = consistency_proof(d, m)

    assert not verify_consistency(m, n, flip(old), new, proof)
    assert not verify_consistency(m, n, old, flip(new), proof)
    for i in range(len(proof)):
        assert not verify_consistency(m, n, old, new, proof[:i] + [flip(proof[i])] + proof[i + 1 :])
        assert not verify_consistency(m, n, old, new, proof[:i] + proof[i + 1 :])
    for i in range(len(proof) + 1):
        assert not verify_consistency(m, n, old, new, proof[:i] + [OTHER] + proof[i:])
        if proof:
            assert not verify_consistency(m, n, old, new, proof[:i] + [proof[i - 1]] + proof[i:])


@pytest.mark.parametrize(("m", "n"), PAIRS)
def test_a_changed_old_entry_cannot_be_proved_consistent_with_the_old_digest(m: int, n: int) -> None:
    d = leaves(n)
    old = root(d[:m])
    for i in range(m):
        forged = list(d)
        forged[i] = OTHER
        assert not verify_consistency(m, n, old, root(forged), consistency_proof(forged, m))


def test_consistency_sizes_outside_the_rfc_are_refused() -> None:
    d = leaves(5)
    r = root(d)
    assert not verify_consistency(0, 5, EMPTY_ROOT, r, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(6, 5, r, r, [])
    assert not verify_consistency(-1, 5, r, r, [])
    assert verify_consistency(5, 5, r, r, [])
    assert not verify_consistency(5, 5, r, r, [r])
    assert not verify_consistency(5, 5, r, flip(r), [])
    for m in (0, -1, 6):
        with pytest.raises(ValueError):
            consistency_proof(d, m)


# --- Inclusion: every leaf of every size up to 40 ----------------------------------------------------------

LEAVES_OF = [(index, n) for n in range(1, 41) for index in range(n)]


@pytest.mark.parametrize(("index", "n"), LEAVES_OF)
def test_inclusion_proof_is_the_rfcs_and_verifies(index: int, n: int) -> None:
    d = leaves(n)
    proof = inclusion_proof(d, index)
    assert proof == ref_path(index, d)
    assert verify_inclusion(index, n, d[index], proof, root(d))


@pytest.mark.parametrize(("index", "n"), LEAVES_OF)
def test_inclusion_fails_on_any_tampering(index: int, n: int) -> None:
    d = leaves(n)
    r = root(d)
    proof = inclusion_proof(d, index)

    assert not verify_inclusion(index, n, OTHER, proof, r)
    assert not verify_inclusion(index, n, d[index], proof, flip(r))
    for other in range(n):
        if other != index:
            assert not verify_inclusion(other, n, d[index], proof, r)
    for i in range(len(proof)):
        assert not verify_inclusion(index, n, d[index], proof[:i] + [flip(proof[i])] + proof[i + 1 :], r)
        assert not verify_inclusion(index, n, d[index], proof[:i] + proof[i + 1 :], r)
    for i in range(len(proof) + 1):
        assert not verify_inclusion(index, n, d[index], proof[:i] + [OTHER] + proof[i:], r)


def test_inclusion_indices_outside_the_tree_are_refused() -> None:
    d = leaves(5)
    r = root(d)
    assert not verify_inclusion(5, 5, d[4], inclusion_proof(d, 4), r)
    assert not verify_inclusion(-1, 5, d[0], inclusion_proof(d, 0), r)
    assert not verify_inclusion(0, 0, EMPTY_ROOT, [], EMPTY_ROOT)
    for index in (-1, 5):
        with pytest.raises(ValueError):
            inclusion_proof(d, index)
