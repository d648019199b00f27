"""Near-duplicate documents: copies, re-posts and rewrites of one story.

Two texts are compared on their word 3-shingles (runs of three consecutive words after
lowercasing). Candidates come from MinHash LSH tuned to a low Jaccard threshold, so rewrites that
keep only part of the wording are still found; each candidate is then confirmed on the exact
shingle sets with two measures:

- Jaccard ``|A∩B| / |A∪B|``: how much of the two texts' wording is shared overall;
- containment ``|A∩B| / min(|A|, |B|)``: how much of the *shorter* text is found in the longer one,
  which catches a short rewrite or excerpt of a long story.

Memory stays bounded by the number of documents, not their length: only each document's MinHash
(``num_perm`` 32-bit values) and shingle count are kept; exact shingle sets are recomputed from the
texts of candidate pairs, fetched again through a callback, with a small cache.

Everything here is pure computation over plain data; ``threadline.store.duplicates`` feeds it from
the database.
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH

Shingles = npt.NDArray[np.uint64]  # sorted, unique shingle hashes

SHINGLE_WORDS = 3
NUM_PERM = 128
# Texts shorter than this many words are left out of clustering: a 20-word notice shares a
# 3-shingle or two with many unrelated texts by chance, and a note that short is too little
# evidence to call two documents one story.
MIN_WORDS = 30
# A pair is the same story when either measure reaches its threshold. Defaults chosen with
# benchmarks/neardup.py on the labelled tgcontest pairs and checked by hand on House Oversight
# pairs; see docs/evaluation.md.
MIN_JACCARD = 0.1
MIN_CONTAINMENT = 0.2
# LSH bands: 64 bands of 2 rows find a pair with Jaccard 0.1 with probability 0.47, 0.2 with 0.94,
# 0.3 with 0.998; the containment threshold is then reached through the Jaccard it implies.
LSH_PARAMS = (64, 2)
# Keep a candidate only if the MinHash estimate leaves some chance of passing a threshold: the
# estimate of a Jaccard around 0.1 has a standard deviation of about 0.027 with 128 permutations.
PREFILTER_FACTOR = 0.5
SHINGLE_CACHE = 256

_WORD = re.compile(r"\w+")
_MASK64 = (1 << 64) - 1
# Odd 64-bit multipliers that combine the three word hashes of a shingle (order matters).
_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xC2B2AE3D27D4EB4F)
_C3 = np.uint64(0x165667B19E3779F9)
# Chunk of shingles permuted at once when building a MinHash (bounds the temporary matrix).
_MINHASH_CHUNK = 8192
_SEED = 1


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two documents (``a < b``) confirmed as the same story, with their exact similarity."""

    a: int
    b: int
    jaccard: float
    containment: float

    @property
    def similarity(self) -> float:
        """The larger measure: the share of the shorter text's wording found in the other."""
        return max(self.jaccard, self.containment)


# --- shingles ----------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lowercased words (regex ``\\w+``): the units shingles are made of."""
    return _WORD.findall(text.lower())


def _mix64(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: spreads the bits of a combined hash (a bijection on 64 bits)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def shingle_array(text: str) -> Shingles:
    """Sorted unique 64-bit hashes of the text's word 3-shingles (deterministic across runs).

    A text of one or two words yields a single shingle of those words; an empty text none.
    """
    tokens = words(text)
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    w = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens))
    if len(w) < SHINGLE_WORDS:
        w = np.concatenate([w, np.zeros(SHINGLE_WORDS - len(w), dtype=np.uint64)])
    with np.errstate(over="ignore"):
        combined = w[:-2] * _C1 + w[1:-1] * _C2 + w[2:] * _C3
        return np.unique(_mix64(combined))


def shingles(text: str) -> set[int]:
    """The text's word 3-shingles as a set of 64-bit ints (same hashing as :func:`shingle_array`)."""
    return set(shingle_array(text).tolist())


def similarity(a: Shingles, b: Shingles) -> tuple[float, float]:
    """Exact (Jaccard, containment) of two shingle arrays from :func:`shingle_array`."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def is_same_story(
    jaccard: float,
    containment: float,
    *,
    min_jaccard: float = MIN_JACCARD,
    min_containment: float = MIN_CONTAINMENT,
) -> bool:
    return jaccard >= min_jaccard or containment >= min_containment


# --- MinHash -----------------------------------------------------------------------------------------


class _Hasher:
    """MinHash signatures of shingle arrays, vectorised with numpy.

    Uses datasketch's affine32 permutation family (``a*h + b mod 2^32``, ``a`` odd) on the low 32
    bits of each shingle hash, which :func:`_mix64` has already spread; the result is a regular
    datasketch ``MinHash`` for ``MinHashLSH``.
    """

    def __init__(self, num_perm: int) -> None:
        self.template = MinHash(num_perm=num_perm, seed=_SEED, scheme="affine32")
        a, b = self.template.permutations
        self.a = np.asarray(a, dtype=np.uint32)
        self.b = np.asarray(b, dtype=np.uint32)
        self.num_perm = num_perm

    def values(self, sh: Shingles) -> npt.NDArray[np.uint32]:
        out = np.full(self.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        low = (sh & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        with np.errstate(over="ignore"):
            for start in range(0, len(low), _MINHASH_CHUNK):
                chunk = low[start : start + _MINHASH_CHUNK, None]
                np.minimum(out, (chunk * self.a + self.b).min(axis=0), out=out)
        return out

    def minhash(self, values: npt.NDArray[np.uint32]) -> MinHash:
        return MinHash(
            num_perm=self.num_perm,
            seed=_SEED,
            hashvalues=values,
            permutations=self.template.permutations,
            scheme="affine32",
        )


# --- pairs and clusters ------------------------------------------------------------------------------


class _ShingleCache:
    """Shingle arrays of recently compared documents, recomputed from their text on a miss."""

    def __init__(self, text_of: Callable[[int], str], size: int) -> None:
        self.text_of = text_of
        self.size = size
        self.items: OrderedDict[int, Shingles] = OrderedDict()

    def get(self, doc_id: int) -> Shingles:
        found = self.items.get(doc_id)
        if found is not None:
            self.items.move_to_end(doc_id)
            return found
        value = shingle_array(self.text_of(doc_id))
        self.items[doc_id] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


def find_pairs(
    docs: Iterable[tuple[int, str]],
    *,
    text_of: Callable[[int], str] | None = None,
    min_jaccard: float = MIN_JACCARD,
    min_containment: float = MIN_CONTAINMENT,
    min_words: int = MIN_WORDS,
    num_perm: int = NUM_PERM,
    lsh_params: tuple[int, int] = LSH_PARAMS,
) -> list[DuplicatePair]:
    """Pairs of documents that tell the same story, sorted by (a, b).

    ``docs`` yields (document id, text) and is read once. Exact similarities of candidate pairs
    need the texts again: pass ``text_of`` to fetch a text by id (memory stays bounded by the
    number of documents); without it the texts of documents long enough to cluster are kept in
    memory, which suits small inputs.

    Documents with fewer than ``min_words`` words are skipped (see ``MIN_WORDS``).
    """
    hasher = _Hasher(num_perm)
    lsh = MinHashLSH(num_perm=num_perm, params=lsh_params)
    ids: list[int] = []
    sizes: list[int] = []
    signatures: list[npt.NDArray[np.uint32]] = []
    kept: dict[int, str] = {}
    candidates: set[tuple[int, int]] = set()
    for doc_id, text in docs:
        sh = shingle_array(text)
        if len(sh) + SHINGLE_WORDS - 1 < min_words:
            continue
        values = hasher.values(sh)
        minhash = hasher.minhash(values)
        index = len(ids)
        for other in lsh.query(minhash):
            candidates.add((int(other), index))
        lsh.insert(index, minhash, check_duplication=False)
        ids.append(doc_id)
        sizes.append(len(sh))
        signatures.append(values)
        if text_of is None:
            kept[doc_id] = text
    fetch = text_of if text_of is not None else kept.__getitem__
    cache = _ShingleCache(fetch, SHINGLE_CACHE)
    pairs = []
    for i, j in sorted(candidates):
        if not _may_pass(signatures[i], signatures[j], sizes[i], sizes[j], min_jaccard, min_containment):
            continue
        jac, con = similarity(cache.get(ids[i]), cache.get(ids[j]))
        if is_same_story(jac, con, min_jaccard=min_jaccard, min_containment=min_containment):
            a, b = sorted((ids[i], ids[j]))
            pairs.append(DuplicatePair(a, b, jac, con))
    pairs.sort(key=lambda p: (p.a, p.b))
    return pairs


def _may_pass(
    x: npt.NDArray[np.uint32],
    y: npt.NDArray[np.uint32],
    nx: int,
    ny: int,
    min_jaccard: float,
    min_containment: float,
) -> bool:
    """Whether the MinHash estimate leaves a reasonable chance that a threshold is reached."""
    est = float(np.count_nonzero(x == y)) / len(x)
    inter = est * (nx + ny) / (1 + est)
    return est >= PREFILTER_FACTOR * min_jaccard or inter / min(nx, ny) >= PREFILTER_FACTOR * min_containment


def clusters(pairs: Iterable[DuplicatePair]) -> list[list[int]]:
    """Connected groups of documents linked by pairs (union-find), largest first; singletons excluded.

    Each cluster's ids are sorted; clusters of equal size are ordered by their first id.
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for p in pairs:
        ra, rb = find(p.a), find(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))


def iter_cluster_pairs(cluster: list[int], pairs: Iterable[DuplicatePair]) -> Iterator[DuplicatePair]:
    """The confirmed pairs whose both documents are in ``cluster``."""
    members = set(cluster)
    return (p for p in pairs if p.a in members and p.b in members)
