"""Precision/recall/F1 helpers shared by the NER evaluation scripts."""

from __future__ import annotations

from collections import Counter

Scores = dict[str, tuple[float, float, float]]


def prf(true_positive: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def per_type(tp: Counter[str], predicted: Counter[str], gold: Counter[str], types: tuple[str, ...]) -> Scores:
    """Scores per entity type, plus "ALL" over every type."""
    result = {t: prf(tp[t], predicted[t], gold[t]) for t in types}
    result["ALL"] = prf(sum(tp.values()), sum(predicted.values()), sum(gold.values()))
    return result


def print_table(title: str, result: Scores) -> None:
    print(title)
    for t, (p, r, f) in result.items():
        print(f"  {t:<4} precision={p:.3f} recall={r:.3f} f1={f:.3f}")
