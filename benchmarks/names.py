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

- foreign: every row that is not russian-style: names of other origins (English, German, French,
  Japanese ...) as Russian transcribes them (Трамп for Trump, Шольц for Scholz).

Each set is scored with two matchers:

- keys: the ASCII keys alone (``names.keys.name_key`` + ``names.translit.same_token``), the matcher
  of Russian-origin names (what threadline had before cross-script comparison);
- threadline: ``names.compare.same_part`` on (key, token as written): the keys, then Wikidata's
  name items (rigour) and the scored Russian transcription for a Latin and a Cyrillic token.

"strict" counts every generated negative; "by the project's rules" leaves out negatives whose
Latin differs from the true one only by doubled letters, which threadline deliberately treats as
one spelling (Massimov/Masimov, Kassenov/Kasenov). The last two lines are the strict english-style
(Russian-origin) and foreign sets with threadline's matcher:

    russian-origin precision=<.4f> recall=<.4f> f1=<.4f>
    foreign precision=<.4f> recall=<.4f> f1=<.4f>
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


def foreign(row: Row) -> bool:
    return not russian_style(row)


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
    rows: list[Row], negatives: dict[str, str], same: Same, *, project_rules: bool
) -> tuple[float, float, float, int, int]:
    """Each row's (Latin, Cyrillic) pair is a positive; its hard negative's Latin with the row's
    Cyrillic a negative. ``same`` takes the two tokens as written."""
    tp = fn = fp = tn = 0
    for latin, cyrillic, _ in rows:
        if same(latin, cyrillic):
            tp += 1
        else:
            fn += 1
        other = negatives.get(latin)
        if other is None or (project_rules and _undoubled(other) == _undoubled(latin)):
            continue
        if same(other, cyrillic):
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

    from threadline.names.compare import same_part
    from threadline.names.keys import name_key
    from threadline.names.translit import same_token

    started = time.perf_counter()
    rows = read_rows(args.data)
    negatives = hard_negatives(rows, name_key)
    sets = {
        "all": rows,
        "russian-style": [r for r in rows if russian_style(r)],
        "english-style": [r for r in rows if english_style(r)],
        "foreign": [r for r in rows if foreign(r)],
    }

    def keys_only(a: str, b: str) -> object:
        return _tokens_match(same_token, name_key(a), name_key(b))

    def as_written(a: str, b: str) -> object:
        ka, kb = name_key(a), name_key(b)
        if len(ka.split()) != 1 or len(kb.split()) != 1:
            return keys_only(a, b)
        return same_part((ka, a.lower()), (kb, b.lower()))

    matchers: dict[str, Same] = {"keys": keys_only, "threadline": as_written}
    print(f"{len(rows)} pairs, {len(negatives)} hard negatives ({time.perf_counter() - started:.1f}s)")
    last: dict[str, tuple[float, float, float]] = {}
    for set_name, subset in sets.items():
        for rules in (False, True):
            for matcher_name, same in matchers.items():
                p, r, f, pos, neg = evaluate(subset, negatives, same, project_rules=rules)
                label = "by the project's rules" if rules else "strict"
                print(
                    f"{set_name:<14} {label:<22} {matcher_name:<10} positives={pos:<6} negatives={neg:<6}"
                    f" precision={p:.4f} recall={r:.4f} f1={f:.4f}"
                )
                if not rules and matcher_name == "threadline":
                    last[set_name] = (p, r, f)
    for label, set_name in (("russian-origin", "english-style"), ("foreign", "foreign")):
        p, r, f = last[set_name]
        print(f"{label} precision={p:.4f} recall={r:.4f} f1={f:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
