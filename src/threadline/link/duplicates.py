"""Near-duplicate documents: copies, re-posts and rewrites of one story.

Texts are compared on their word 3-shingles (runs of three consecutive words after lowercasing,
hashed to 64-bit ints), with two measures on the shingle sets A and B:

- Jaccard ``|A∩B| / |A∪B|``: how much of the two texts' wording is shared overall;
- containment ``|A∩B| / min(|A|, |B|)``: how much of the *shorter* text is found in the longer
  one, which catches a short rewrite or excerpt of a long story.

Boilerplate is what makes this hard on real archives: a mail disclaimer, a law firm's footer, a
bank's research disclosures or a newsletter template is shared by dozens of documents that tell
different stories. Shingles are therefore graded by how many distinct texts hold them
(identical texts count once, so many copies of one letter keep their wording):

- *ubiquitous* (in more than ``max_df`` texts, or ``max_df_share`` of them): ignored entirely;
- *distinctive* (in at most ``distinctive_df`` texts): the evidence a rewrite is judged on.

A pair is the same story when

- it is a near copy: Jaccard ≥ ``copy_jaccard`` or containment ≥ ``copy_containment`` on all
  non-ubiquitous shingles (copies of a text stay copies however many there are), or
- it is a rewrite: on distinctive shingles, Jaccard ≥ ``min_jaccard`` or containment ≥
  ``min_containment``, with at least ``min_shared`` distinctive shingles in common (about a
  paragraph; half the shorter text when it is shorter than that), so a signature or a few stock
  phrases never make a story.

A rewrite picked up by more than ``distinctive_df`` outlets is therefore only found where it
stays a near copy: that is the price of not merging every email that ends in the same footer.

Candidates come from MinHash LSH at a low Jaccard threshold (``lsh_params``); each is then
confirmed on the exact shingle sets. Memory stays bounded by the number of documents, not their
length: texts are read once, their shingles spilled to a temporary file (8 bytes a word, about
the size of the text) and only each document's MinHash (``num_perm`` 32-bit values) and the
shingles found in more than ``distinctive_df`` texts stay in memory. The LSH buckets are found by
sorting one band of the signatures at a time (``_candidates``), not held in an index.

Everything here is pure computation over plain data; ``threadline.store.duplicates`` feeds it
from the database.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
from datasketch import MinHash

Shingles = npt.NDArray[np.uint64]  # sorted, unique shingle hashes

SHINGLE_WORDS = 3
NUM_PERM = 128
# LSH bands x rows. One row per band finds a pair with Jaccard 0.02 with probability 0.92 and 0.05
# with 0.999 (1 - (1 - J)^128); on House Oversight it returned 99% of the pairs an exhaustive
# comparison confirms, but about 3% of all document pairs come out as candidates (thinned by a
# MinHash estimate before the exact check), which grows with the square of the corpus. Above
# SMALL_CORPUS documents two rows per band cut candidates about 25-fold (Jaccard 0.1 found with
# probability 0.47, 0.2 with 0.93, 0.3 with 0.998; 92% of the exhaustive pairs on House Oversight).
LSH_SMALL = (128, 1)
LSH_LARGE = (64, 2)
SMALL_CORPUS = 10_000
# A candidate is checked exactly only when its MinHash estimate comes within this factor of a
# threshold (the estimate of a Jaccard of 0.1 has a standard deviation of about 0.027).
PREFILTER_FACTOR = 0.5
SHINGLE_CACHE = 256
_PAIR_CHUNK = 1 << 16  # candidate pairs whose signatures are compared at once (~64 MB)
# Shingles counted at once when grading them by document frequency (memory ~ 24 bytes x this).
_DF_PARTITION = 1 << 22

_WORD = re.compile(r"\w+")
# Odd 64-bit multipliers that combine the three word hashes of a shingle (order matters).
_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xC2B2AE3D27D4EB4F)
_C3 = np.uint64(0x165667B19E3779F9)
_MINHASH_CHUNK = 8192  # shingles permuted at once when building a MinHash
_SEED = 1
_EMPTY: Shingles = np.empty(0, dtype=np.uint64)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When two documents are the same story.

    Defaults chosen with ``benchmarks/neardup.py``: round values on the precision plateau of the
    labelled tgcontest pairs, checked by hand on sampled House Oversight pairs.
    """

    # Rewrites, judged on distinctive shingles.
    min_jaccard: float = 0.1
    min_containment: float = 0.2
    min_shared: int = 50
    # Near copies, judged on all shingles but the ubiquitous.
    copy_jaccard: float = 0.5
    copy_containment: float = 0.8
    # Texts shorter than this many words are left out: a short notice shares a few 3-shingles
    # with unrelated texts by chance, and a note that short is too little evidence to call two
    # documents one story. Counted after ubiquitous shingles are removed.
    min_words: int = 30
    # Shingle grading by the number of distinct texts holding them.
    distinctive_df: int = 5
    max_df: int = 50
    max_df_share: float = 0.02


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two documents (``a < b``) confirmed as the same story.

    ``jaccard`` and ``containment`` are measured on all shingles but the ubiquitous ones;
    ``shared`` counts the distinctive shingles the two have in common.
    """

    a: int
    b: int
    jaccard: float
    containment: float
    shared: int = 0

    @property
    def similarity(self) -> float:
        """The larger measure (containment): the share of the shorter text found in the other."""
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


def _hash_words(tokens: list[str]) -> Shingles:
    if not tokens:
        return _EMPTY
    w = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens))
    if len(w) < SHINGLE_WORDS:
        w = np.concatenate([w, np.zeros(SHINGLE_WORDS - len(w), dtype=np.uint64)])
    with np.errstate(over="ignore"):
        combined = w[:-2] * _C1 + w[1:-1] * _C2 + w[2:] * _C3
    return _sorted_unique(_mix64(combined))


def _sorted_unique(x: Shingles) -> Shingles:
    """``np.unique`` by sorting (numpy 2's hash-based unique is many times slower on uint64)."""
    x = np.sort(x)
    if len(x) < 2:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _counts(x: Shingles) -> tuple[Shingles, npt.NDArray[np.int64]]:
    """Distinct values of ``x`` and how often each occurs."""
    x = np.sort(x)
    if len(x) == 0:
        return x, np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
    return x[starts], np.diff(np.append(starts, len(x)))


def shingle_array(text: str) -> Shingles:
    """Sorted unique 64-bit hashes of the text's word 3-shingles (deterministic across runs).

    A text of one or two words yields a single shingle of those words; an empty text none.
    """
    return _hash_words(words(text))


def shingles(text: str) -> set[int]:
    """The text's word 3-shingles as a set of 64-bit ints (same hashing as :func:`shingle_array`)."""
    return set(shingle_array(text).tolist())


def _isin(x: Shingles, sorted_set: Shingles) -> npt.NDArray[np.bool_]:
    """Membership of each element of ``x`` in the sorted array ``sorted_set``."""
    if len(sorted_set) == 0 or len(x) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.searchsorted(sorted_set, x)
    pos[pos == len(sorted_set)] = 0
    return sorted_set[pos] == x  # type: ignore[no-any-return]


def _without(x: Shingles, sorted_set: Shingles) -> Shingles:
    return x[~_isin(x, sorted_set)] if len(sorted_set) else x


def overlap(a: Shingles, b: Shingles) -> tuple[float, float, int]:
    """Exact (Jaccard, containment, shared count) of two shingle arrays from :func:`shingle_array`."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0, 0
    if len(a) > len(b):
        a, b = b, a
    inter = int(np.count_nonzero(_isin(a, b)))
    return inter / (len(a) + len(b) - inter), inter / len(a), inter


def is_near_copy(jaccard: float, containment: float, t: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    return jaccard >= t.copy_jaccard or containment >= t.copy_containment


def is_rewrite(
    jaccard: float, containment: float, shared: int, smaller: int, t: Thresholds = DEFAULT_THRESHOLDS
) -> bool:
    """The rule on distinctive shingles; ``smaller`` is the distinctive count of the shorter text.

    A text with fewer distinctive shingles than ``min_words`` allows (mostly template) can only be
    a near copy: a handful of shared phrases is too little evidence.
    """
    if smaller < t.min_words - SHINGLE_WORDS + 1 or shared < min(t.min_shared, smaller / 2):
        return False
    return jaccard >= t.min_jaccard or containment >= t.min_containment


# --- MinHash -----------------------------------------------------------------------------------------


class _Hasher:
    """MinHash signatures of shingle arrays, vectorised with numpy.

    Uses datasketch's affine32 permutation family (``a*h + b mod 2^32``, ``a`` odd) on the low 32
    bits of each shingle hash, which :func:`_mix64` has already spread: the hash values a datasketch
    ``MinHash`` of the same seed would hold.
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


# --- the shingle spill -------------------------------------------------------------------------------


class _Spill:
    """Every document's shingle array, written once to a temporary file and read back by index."""

    def __init__(self, folder: str | None) -> None:
        # Owned by this object and closed in close(), not a with-block's scope.
        self.file: BinaryIO = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self.offsets: list[int] = [0]
        self.distinct: list[bool] = []  # first document with this exact shingle set
        self._seen: set[bytes] = set()
        self._data: Shingles = _EMPTY

    def add(self, sh: Shingles) -> None:
        raw = sh.tobytes()
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        self.distinct.append(digest not in self._seen)
        self._seen.add(digest)
        self.file.write(raw)
        self.offsets.append(self.offsets[-1] + len(sh))

    def finish(self) -> None:
        self._seen.clear()
        self.file.flush()
        if self.offsets[-1]:
            self._data = np.memmap(self.file, dtype=np.uint64, mode="r", shape=(self.offsets[-1],))

    def __len__(self) -> int:
        return len(self.distinct)

    def get(self, i: int) -> Shingles:
        return np.asarray(self._data[self.offsets[i] : self.offsets[i + 1]])

    def close(self) -> None:
        self._data = _EMPTY
        self.file.close()

    def grade(self, distinctive_df: int, max_df: int) -> tuple[Shingles, Shingles]:
        """(shingles in more than ``distinctive_df`` distinct texts, in more than ``max_df``), sorted.

        Counted in partitions of the hash range so memory stays bounded on large corpora.
        """
        firsts = [i for i in range(len(self)) if self.distinct[i]]
        total = sum(self.offsets[i + 1] - self.offsets[i] for i in firsts)
        bits = (max(1, -(-total // _DF_PARTITION)) - 1).bit_length()  # 2**bits partitions
        shared: list[Shingles] = []
        common: list[Shingles] = []
        for part in range(1 << bits):
            pieces = []
            for i in firsts:
                sh = self.get(i)
                if bits:
                    sh = sh[(sh >> np.uint64(64 - bits)) == np.uint64(part)]
                pieces.append(sh)
            if not pieces:
                continue
            values, counts = _counts(np.concatenate(pieces))
            shared.append(values[counts > distinctive_df])
            common.append(values[counts > max_df])
        return (
            np.concatenate(shared) if shared else _EMPTY,
            np.concatenate(common) if common else _EMPTY,
        )


class _Views:
    """Each document's shingles without the ubiquitous ones ("all") and its distinctive ones.

    Recently used documents are cached; others are read back from the spill.
    """

    def __init__(self, spill: _Spill, common: Shingles, shared: Shingles, size: int) -> None:
        self.spill = spill
        self.common = common
        self.shared = shared
        self.size = size
        self.items: OrderedDict[int, tuple[Shingles, Shingles]] = OrderedDict()

    def get(self, i: int) -> tuple[Shingles, Shingles]:
        found = self.items.get(i)
        if found is not None:
            self.items.move_to_end(i)
            return found
        everything = _without(self.spill.get(i), self.common)
        value = (everything, _without(everything, self.shared))
        self.items[i] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


# --- pairs and clusters ------------------------------------------------------------------------------


def find_pairs(
    docs: Iterable[tuple[int, str]],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    num_perm: int = NUM_PERM,
    lsh_params: tuple[int, int] | None = None,
    temp_dir: str | os.PathLike[str] | None = None,
) -> list[DuplicatePair]:
    """Pairs of documents that tell the same story, sorted by (a, b).

    ``docs`` yields (document id, text) and is read once; ids must be distinct. ``lsh_params``
    (bands, rows) defaults to ``LSH_SMALL`` up to ``SMALL_CORPUS`` documents, else ``LSH_LARGE``.
    ``temp_dir`` is where the shingle spill goes (the system default otherwise).
    """
    t = thresholds
    min_shingles = max(1, t.min_words - SHINGLE_WORDS + 1)
    spill = _Spill(os.fspath(temp_dir) if temp_dir is not None else None)
    try:
        ids: list[int] = []
        for doc_id, text in docs:
            tokens = words(text)
            if len(tokens) < t.min_words:
                continue
            spill.add(_hash_words(tokens))
            ids.append(doc_id)
        spill.finish()
        max_df = max(t.max_df, int(t.max_df_share * sum(spill.distinct)))
        shared_sh, common = spill.grade(t.distinctive_df, max_df)
        views = _Views(spill, common, shared_sh, SHINGLE_CACHE)
        params = lsh_params or (LSH_SMALL if len(ids) <= SMALL_CORPUS else LSH_LARGE)
        hasher = _Hasher(num_perm)
        sizes = np.zeros(len(ids), dtype=np.int64)
        signatures = np.zeros((len(ids), num_perm), dtype=np.uint32)
        for i in range(len(ids)):
            sh = _without(spill.get(i), common)
            if len(sh) < min_shingles:
                continue
            sizes[i] = len(sh)
            signatures[i] = hasher.values(sh)
        found, to_check = _candidates(signatures, sizes, params, t)
        pairs = []
        for j, i in to_check:
            (all_j, rare_j), (all_i, rare_i) = views.get(j), views.get(i)
            jac, con, _ = overlap(all_j, all_i)
            r_jac, r_con, r_shared = overlap(rare_j, rare_i)
            smaller = min(len(rare_j), len(rare_i))
            if is_near_copy(jac, con, t) or is_rewrite(r_jac, r_con, r_shared, smaller, t):
                a, b = sorted((ids[i], ids[j]))
                pairs.append(DuplicatePair(a, b, jac, con, r_shared))
        log.debug(
            "%d texts long enough, %d kept after boilerplate, %d ubiquitous and %d shared shingles,"
            " LSH %s: %d band matches, %d checked, %d pairs",
            len(ids),
            int(np.count_nonzero(sizes)),
            len(common),
            len(shared_sh),
            params,
            found,
            len(to_check),
            len(pairs),
        )
    finally:
        spill.close()
    pairs.sort(key=lambda p: (p.a, p.b))
    return pairs


def _candidates(
    signatures: npt.NDArray[np.uint32],
    sizes: npt.NDArray[np.int64],
    params: tuple[int, int],
    t: Thresholds,
) -> tuple[int, list[tuple[int, int]]]:
    """LSH by sorting: the pairs (j, i), j < i, of documents with one band of their signatures
    equal, as datasketch's ``MinHashLSH`` with these (bands, rows) finds them; returns how many
    band matches there were and, sorted, the pairs whose MinHash estimate comes near a threshold.

    datasketch keeps a Python bytes key per document and band (about 20 KB a document, 2 GB at
    100,000 documents); sorting one band's values at a time needs a few arrays of the corpus's
    length, beside the signatures."""
    bands, rows = params
    live = np.flatnonzero(sizes)
    found = 0
    kept: list[npt.NDArray[np.int64]] = []
    n = np.int64(len(sizes))
    for band in range(bands):
        part = signatures[live, band * rows : (band + 1) * rows]
        keys = np.zeros(len(live), dtype=np.uint64)
        for column in range(rows):  # rows of 32 bits packed exactly: equal keys, equal bands
            keys = (keys << np.uint64(32)) | part[:, column].astype(np.uint64)
        for a, b in _equal_pairs(keys, live):
            found += len(a)
            keep = _promising(a, b, signatures, sizes, t)
            kept.append(a[keep] * n + b[keep])
    chosen = np.unique(np.concatenate(kept)) if kept else np.empty(0, dtype=np.int64)
    return found, [(int(c // n), int(c % n)) for c in chosen]


def _equal_pairs(
    keys: npt.NDArray[np.uint64], ids: npt.NDArray[np.int64]
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Every pair (a, b), a < b, of ``ids`` whose ``keys`` are equal, in batches: the members of
    each run of equal sorted keys paired at distance 1, 2, ... within the run."""
    order = np.argsort(keys, kind="stable")
    sorted_keys, members = keys[order], ids[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    lengths = np.diff(np.append(starts, len(keys)))
    run_end = np.repeat(starts + lengths, lengths)  # where each position's run ends
    index = np.flatnonzero(run_end - np.arange(len(keys)) > 1)
    distance = 1
    while len(index):
        for chunk in range(0, len(index), _PAIR_CHUNK):
            at = index[chunk : chunk + _PAIR_CHUNK]
            a, b = members[at], members[at + distance]
            yield np.minimum(a, b), np.maximum(a, b)
        distance += 1
        index = index[index + distance < run_end[index]]


def _promising(
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    signatures: npt.NDArray[np.uint32],
    sizes: npt.NDArray[np.int64],
    t: Thresholds,
) -> npt.NDArray[np.bool_]:
    """Which LSH candidate pairs (a, b) have a MinHash estimate near a threshold.

    The estimate is on all non-ubiquitous shingles; a rewrite must share at least as many of
    those as of its distinctive ones, so the loosest rule (the rewrite one) is tested.
    """
    est = np.count_nonzero(signatures[a] == signatures[b], axis=1) / signatures.shape[1]
    smaller = np.minimum(sizes[a], sizes[b])
    shared = est * (sizes[a] + sizes[b]) / (1 + est)
    f = PREFILTER_FACTOR
    near = (est >= f * min(t.min_jaccard, t.copy_jaccard)) | (
        shared >= f * min(t.min_containment, t.copy_containment) * smaller
    )
    enough = shared >= f * np.minimum(t.min_shared, smaller / 2)
    kept: npt.NDArray[np.bool_] = near & enough
    return kept


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
