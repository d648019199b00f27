"""Same-story detection: precision, recall and F1 on labelled pairs, and clusters on a real archive.

Usage::

    python benchmarks/neardup.py [--data ../shared/data] [--house-oversight] [--sample 50]

Labelled pairs: ``neardup/tgcontest-*.tsv`` (IlyaGusev/tgcontest, Toloka ``clustering_pairs``,
Apache-2.0): news articles in pairs, each with its full text and a label, ``OK`` when people judged
both to report the same story, ``BAD`` otherwise; one English pool and three Russian ones. Every
pool's texts are run through ``find_pairs`` together, as one small corpus, and a labelled pair is
predicted "same story" when ``find_pairs`` returns it (its confirmed similarity passes the
thresholds). A text too short to cluster (< ``min_words``) predicts "not the same".

What the labels measure is wider than what shingles can see: ``OK`` covers independent reports of
one event written in different words (many such pairs share under 2% of their 3-shingles) as well
as copies and rewrites, and ``BAD`` includes templated pieces (weather forecasts, release notes)
that share a third of their wording. ``find_pairs`` only claims copies and rewrites: two outlets
that reported an event independently are, for honest counts, two sources. The "ceiling" lines show
the best F1 any single threshold on a shingle measure reaches when tuned on these very pairs.

``--house-oversight`` clusters ``house-oversight-2025/text`` (2,897 OCR'd files) and prints the
figures plus sampled pairs (file a, file b, similarity, first 100 characters of each) for checking
by hand. The last line is always ``precision=… recall=… f1=…`` for the default thresholds over
all labelled pairs (Russian and English together).
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from threadline.link.duplicates import (
    DEFAULT_THRESHOLDS,
    Thresholds,
    clusters,
    find_pairs,
    overlap,
    shingle_array,
    words,
)

csv.field_size_limit(sys.maxsize)


@dataclass
class Pool:
    name: str
    texts: list[str]
    pairs: list[tuple[int, int, bool]]  # (text index, text index, same story)
    titles: list[str]


def load_pool(path: Path) -> Pool:
    texts: list[str] = []
    titles: list[str] = []
    index: dict[str, int] = {}
    pairs = []

    def text_id(text: str, title: str) -> int:
        if text not in index:
            index[text] = len(texts)
            texts.append(text)
            titles.append(title)
        return index[text]

    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            label = row["GOLDEN:quality"].strip()
            if label not in ("OK", "BAD"):
                continue
            a = text_id(row["INPUT:first_text"], row["INPUT:first_title"])
            b = text_id(row["INPUT:second_text"], row["INPUT:second_title"])
            pairs.append((a, b, label == "OK"))
    name = path.stem.removeprefix("tgcontest-")
    return Pool(name, texts, pairs, titles)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tn += other.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f}"
            f"  (tp={self.tp} fp={self.fp} fn={self.fn} tn={self.tn})"
        )


def score_pool(pool: Pool, thresholds: Thresholds) -> Score:
    found = {(p.a, p.b) for p in find_pairs(enumerate(pool.texts), thresholds)}
    s = Score()
    for a, b, same in pool.pairs:
        predicted = a == b or (min(a, b), max(a, b)) in found
        if predicted and same:
            s.tp += 1
        elif predicted:
            s.fp += 1
        elif same:
            s.fn += 1
        else:
            s.tn += 1
    return s


def score_all(pools: list[Pool], thresholds: Thresholds) -> tuple[Score, dict[str, Score]]:
    total = Score()
    per: dict[str, Score] = {}
    for pool in pools:
        per[pool.name] = score_pool(pool, thresholds)
        total.add(per[pool.name])
    return total, per


def ceiling(pools: list[Pool]) -> list[str]:
    """Best F1 of one threshold on exact shingle measures, tuned on the labelled pairs themselves."""
    rows: list[tuple[float, float, bool]] = []
    for pool in pools:
        arrays = [shingle_array(t) for t in pool.texts]
        for a, b, same in pool.pairs:
            jac, con, _ = overlap(arrays[a], arrays[b])
            rows.append((jac, con, same))
    out = []
    for name, col in (("jaccard", 0), ("containment", 1)):
        values = np.array([r[col] for r in rows])
        labels = np.array([r[2] for r in rows])
        best = (0.0, 0.0, 0.0, 0.0)
        for t in np.unique(values):
            pred = values >= t
            tp = int(np.sum(pred & labels))
            fp = int(np.sum(pred & ~labels))
            fn = int(np.sum(~pred & labels))
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            if f > best[0]:
                best = (f, float(t), p, r)
        out.append(
            f"ceiling {name:<11} best F1={best[0]:.3f} at >= {best[1]:.3f} (P={best[2]:.3f} R={best[3]:.3f})"
        )
    positives = [r for r in rows if r[2]]
    low = sum(1 for r in positives if r[1] < 0.05)
    out.append(
        f"same-story pairs sharing < 5% of the shorter text's 3-shingles: {low} of {len(positives)}"
        " (independent write-ups: out of reach of any wording measure)"
    )
    return out


def _stems(text: str) -> list[str]:
    """Crude language-free stems: the first five letters of each word of three letters or more."""
    return [w[:5] for w in words(text) if len(w) > 2 and not w.isdigit()]


def _tfidf(docs: list[list[str]]) -> list[dict[str, float]]:
    df: dict[str, int] = {}
    for d in docs:
        for w in set(d):
            df[w] = df.get(w, 0) + 1
    out = []
    for d in docs:
        tf: dict[str, int] = {}
        for w in d:
            tf[w] = tf.get(w, 0) + 1
        v = {w: (1 + math.log(c)) * math.log((len(docs) + 1) / (df[w] + 0.5)) for w, c in tf.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({w: x / norm for w, x in v.items()})
    return out


def _at(rows: list[tuple[float, bool]], t: float) -> Score:
    s = Score()
    for v, same in rows:
        s.add(
            Score(
                int(v >= t and same), int(v >= t and not same), int(v < t and same), int(v < t and not same)
            )
        )
    return s


def _best_threshold(rows: list[tuple[float, bool]]) -> tuple[float, Score]:
    return max(((t, _at(rows, t)) for t in {v for v, _ in rows}), key=lambda x: x[1].f1)


def event_ceiling(pools: list[Pool]) -> list[str]:
    """How far a word-statistics measure of "same event" gets on these labels.

    TF-IDF cosine over word stems of title (counted twice) and text, with each pool's own IDF:
    the usual bag-of-words signal for grouping news into events. Reported tuned on all pairs
    (a ceiling, optimistic) and held out by language (threshold tuned on the English pool, scored
    on the Russian ones, and the other way round).
    """
    rows: dict[str, list[tuple[float, bool]]] = {"en": [], "ru": []}
    union: list[tuple[float, bool, bool]] = []  # (cosine, found by find_pairs, same story)
    for pool in pools:
        vecs = _tfidf(
            [_stems(title) * 2 + _stems(text) for title, text in zip(pool.titles, pool.texts, strict=True)]
        )
        found = {(p.a, p.b) for p in find_pairs(enumerate(pool.texts), DEFAULT_THRESHOLDS)}
        for a, b, same in pool.pairs:
            va, vb = vecs[a], vecs[b]
            if len(va) > len(vb):
                va, vb = vb, va
            cosine = sum(x * vb.get(w, 0.0) for w, x in va.items())
            rows[pool.name[:2]].append((cosine, same))
            union.append((cosine, (min(a, b), max(a, b)) in found, same))
    t, s = _best_threshold(rows["en"] + rows["ru"])
    out = [
        f"event ceiling (tf-idf cosine of stems) tuned on all pairs: F1={s.f1:.3f} at >= {t:.2f}"
        f" (P={s.precision:.3f} R={s.recall:.3f})"
    ]
    held = Score()
    for test, train in (("ru", "en"), ("en", "ru")):
        t, _ = _best_threshold(rows[train])
        s = _at(rows[test], t)
        held.add(s)
        out.append(f"event measure tuned on {train}, scored on {test} (>= {t:.2f}): {s.line()}")
    out.append(f"event measure held out by language, both halves: {held.line()}")
    for t in (0.4, 0.5, 0.65):
        s = Score()
        for cosine, shingled, same in union:
            said = shingled or cosine >= t
            s.add(
                Score(
                    int(said and same),
                    int(said and not same),
                    int(not said and same),
                    int(not said and not same),
                )
            )
        out.append(f"find_pairs or event cosine >= {t}: {s.line()}")
    return out


SWEEP_RULES = [(0.05, 0.1), (0.1, 0.2), (0.1, 0.3), (0.15, 0.3), (0.2, 0.4), (0.3, 0.5)]
SWEEP_SHARED = [25, 50, 100]


def sweep(pools: list[Pool]) -> None:
    print("\nsweep (all pools), rewrite rule: jaccard >= J or containment >= C, with >= S shared shingles")
    print(f"{'J':>5} {'C':>5} " + " ".join(f"{'S=' + str(s):>22}" for s in SWEEP_SHARED))
    for jac, con in SWEEP_RULES:
        cells = []
        for shared in SWEEP_SHARED:
            t = replace(DEFAULT_THRESHOLDS, min_jaccard=jac, min_containment=con, min_shared=shared)
            s, _ = score_all(pools, t)
            cells.append(f"{s.precision:.2f}/{s.recall:.2f}/{s.f1:.2f}")
        print(f"{jac:>5} {con:>5} " + " ".join(f"{c:>22}" for c in cells))
    print("(cells: precision/recall/F1)")


def house_oversight(folder: Path, n_sample: int) -> None:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    print(f"\nHouse Oversight: {len(files)} files in {folder}")

    def texts() -> Iterator[tuple[int, str]]:
        for i, path in enumerate(files):
            yield i, path.read_text(encoding="utf-8", errors="replace")

    wall, cpu = time.perf_counter(), time.process_time()
    pairs = find_pairs(texts())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    groups = clusters(pairs)
    print(f"find_pairs: {wall:.1f} s wall, {cpu:.1f} s CPU; {len(pairs)} pairs")
    print(
        f"{len(groups)} clusters holding {sum(map(len, groups))} files; "
        f"10 largest: {[len(g) for g in groups[:10]]}"
    )
    sizes: dict[int, int] = {}
    for g in groups:
        sizes[len(g)] = sizes.get(len(g), 0) + 1
    print("cluster sizes (size: count):", ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))
    rng = random.Random(6)
    print(
        f"\n{min(n_sample, len(pairs))} sampled pairs (similarity = containment, all but ubiquitous shingles):"
    )
    for p in sorted(rng.sample(pairs, min(n_sample, len(pairs))), key=lambda p: p.similarity):
        a, b = files[p.a], files[p.b]
        head_a = _head(a.read_text(encoding="utf-8", errors="replace"))
        head_b = _head(b.read_text(encoding="utf-8", errors="replace"))
        print(f"- {a.name} | {b.name} | similarity={p.similarity:.2f} jaccard={p.jaccard:.2f}")
        print(f"    a: {head_a}")
        print(f"    b: {head_b}")


def _head(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip()[:100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "../shared/data")
    parser.add_argument("--house-oversight", action="store_true")
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()

    paths = sorted((args.data / "neardup").glob("tgcontest-*.tsv"))
    if not paths:
        sys.exit(f"no labelled pairs under {args.data / 'neardup'} (../shared/data is absent?)")
    pools = [load_pool(p) for p in paths]
    t = DEFAULT_THRESHOLDS
    print(f"defaults: {t}")
    started = time.perf_counter()
    total, per = score_all(pools, t)
    for pool in pools:
        short = sum(1 for x in pool.texts if len(words(x)) < t.min_words)
        print(
            f"{pool.name:<16} pairs={len(pool.pairs):>3} texts={len(pool.texts):>3} (short {short})"
            f"  {per[pool.name].line()}"
        )
    ru = Score()
    for pool in pools:
        if pool.name.startswith("ru"):
            ru.add(per[pool.name])
    print(f"{'russian (all)':<16} {ru.line()}")
    print(f"{'overall':<16} {total.line()}  [{time.perf_counter() - started:.1f} s]")
    print()
    for line in ceiling(pools) + event_ceiling(pools):
        print(line)
    if not args.no_sweep:
        sweep(pools)
    if args.house_oversight:
        house_oversight(args.data / "house-oversight-2025" / "text", args.sample)
    print(f"precision={total.precision:.3f} recall={total.recall:.3f} f1={total.f1:.3f}")


if __name__ == "__main__":
    main()
