"""Cross-script name matching: Latin spellings against Russian Cyrillic ones.

    python benchmarks/names.py [--data ../shared/data/names/wd_russian_20.tsv]

The data (32,927 Latin name tokens with the Russian Cyrillic spelling of the same Wikidata
person's label; CC0) is read in place. Each row is a positive pair (Latin token, its Cyrillic
spelling). Hard negatives: for each Latin token, the closest *other* Latin token in the file at
edit distance 1-2 (Masimov -> Maksimov; ties to the more frequent, then alphabetical) whose
Cyrillic spelling differs, paired with the first token's Cyrillic. Both sides go through the key
function (anyascii etc.) and are compared token by token with ``same_token``.

The file holds names of every origin (Japanese, Portuguese, Polish, English ...) as Russian writes
them, which no rule-based transliteration skeleton can match (Maureen/Морин); threadline's use is
Russian and Central Asian names written in English. So figures are given for three sets:

- all: every row;
- russian-style: the Cyrillic ends in a Russian surname or patronymic suffix (-ов, -ев, -ин, -ский,
  -ович, -овна, -енко ...) and the Latin ends in a romanised one (-ov, -ev, -in, -sky, -vich ...);
- english-style: russian-style rows whose Latin uses only the letters and digraphs of English
  romanisations (BGN/PCGN, ALA-LC without diacritics: no c/j/q/w/x, no accents).

Each set is scored with threadline's matcher (``names.name_key`` + ``matching.same_token``).
"strict" counts every generated
negative; "by the project's rules" leaves out negatives whose Latin differs from the true one only
by doubled letters, which threadline deliberately treats as one spelling (Massimov/Masimov,
Kassenov/Kasenov). The last line is the english-style set, strict:

    precision=<.4f> recall=<.4f> f1=<.4f>
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "names" / "wd_russian_20.tsv"

Row = tuple[str, str, int]  # latin, cyrillic, count
Key = Callable[[str], str]
Same = Callable[[str, str], object]

_CYRILLIC_SUFFIX = re.compile(
    r"(ов|ев|ёв|ова|ева|ёва|ин|ина|ын|ына|ский|ская|цкий|цкая|ович|евич|овна|евна|енко)$"
)
_LATIN_SUFFIX = re.compile(r"(ov|ev|ova|eva|in|ina|yn|yna|sky|skiy|skii|skaya|vich|vna|enko)$")
_ENGLISH_STYLE = re.compile(r"^(?:shch|kh|zh|ch|sh|ts|yo|yu|ya|ye|[abdefgiklmnoprstuvyz])+$")


def read_rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) == 3:
            rows.append((fields[0], fields[1].replace(" ", ""), int(fields[2])))
    return rows


def russian_style(row: Row) -> bool:
    latin, cyrillic, _ = row
    return latin.isascii() and bool(_CYRILLIC_SUFFIX.search(cyrillic)) and bool(_LATIN_SUFFIX.search(latin))


def english_style(row: Row) -> bool:
    return russian_style(row) and bool(_ENGLISH_STYLE.match(row[0]))


def _deletes(word: str) -> set[str]:
    """Every string two deletions or fewer from ``word`` (symmetric-delete candidate search)."""
    out = {word}
    frontier = {word}
    for _ in range(2):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def hard_negatives(rows: list[Row], key: Key) -> dict[str, str]:
    """Latin token -> the closest other Latin token (edit distance 1-2) with another Cyrillic spelling."""
    from rapidfuzz.distance import Levenshtein

    cyrillic = {r[0]: r[1] for r in rows}
    count = {r[0]: r[2] for r in rows}
    index: dict[str, set[str]] = defaultdict(set)
    for latin in cyrillic:
        for d in _deletes(latin):
            index[d].add(latin)
    negatives = {}
    for latin in cyrillic:
        best: tuple[tuple[int, int, str], str] | None = None
        candidates = set().union(*(index[d] for d in _deletes(latin)))
        for other in candidates:
            if other == latin or cyrillic[other] == cyrillic[latin] or key(other) == key(latin):
                continue
            distance = Levenshtein.distance(latin, other)
            if not 1 <= distance <= 2:
                continue
            rank = (distance, -count[other], other)
            if best is None or rank < best[0]:
                best = (rank, other)
        if best:
            negatives[latin] = best[1]
    return negatives


def _undoubled(token: str) -> str:
    return re.sub(r"(.)\1+", r"\1", token)


def _tokens_match(same: Same, a: str, b: str) -> bool:
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):  # "o keeffe" vs "okiffi": compare joined
        return bool(same("".join(ta), "".join(tb)))
    return all(same(x, y) for x, y in zip(ta, tb, strict=True))


def evaluate(
    rows: list[Row], negatives: dict[str, str], key: Key, same: Same, *, project_rules: bool
) -> tuple[float, float, float, int, int]:
    tp = fn = fp = tn = 0
    for latin, cyrillic, _ in rows:
        if _tokens_match(same, key(latin), key(cyrillic)):
            tp += 1
        else:
            fn += 1
        other = negatives.get(latin)
        if other is None or (project_rules and _undoubled(other) == _undoubled(latin)):
            continue
        if _tokens_match(same, key(other), key(cyrillic)):
            fp += 1
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fn, fp + tn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"skipped: {args.data} not found (../shared/data is not available)")
        return 0

    from threadline.names.compare import same_token
    from threadline.names.keys import name_key

    started = time.perf_counter()
    rows = read_rows(args.data)
    negatives = hard_negatives(rows, name_key)
    sets = {
        "all": rows,
        "russian-style": [r for r in rows if russian_style(r)],
        "english-style": [r for r in rows if english_style(r)],
    }
    matchers: dict[str, tuple[Key, Same]] = {"threadline": (name_key, same_token)}
    print(f"{len(rows)} pairs, {len(negatives)} hard negatives ({time.perf_counter() - started:.1f}s)")
    last = (0.0, 0.0, 0.0)
    for set_name, subset in sets.items():
        for rules in (False, True):
            for matcher_name, (key, same) in matchers.items():
                p, r, f, pos, neg = evaluate(subset, negatives, key, same, project_rules=rules)
                label = "by the project's rules" if rules else "strict"
                print(
                    f"{set_name:<14} {label:<22} {matcher_name:<8} positives={pos:<6} negatives={neg:<6}"
                    f" precision={p:.4f} recall={r:.4f} f1={f:.4f}"
                )
                if set_name == "english-style" and not rules:
                    last = (p, r, f)
    print(f"precision={last[0]:.4f} recall={last[1]:.4f} f1={last[2]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
