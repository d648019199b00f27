"""Russian NER quality: threadline's Russian extraction against bare natasha on factRuEval-2016.

    python benchmarks/ner_ru.py [--data ../shared/data/ner-ru/factRuEval-2016/testset] [--limit N]

factRuEval-2016 (Russian news; MIT) is read in place: each ``book_N.txt`` with its ``.spans``
(character spans) and ``.objects`` (entity mentions made of spans). A gold mention's span runs
from its first span's start to its last span's end; types map Person -> PER, Org -> ORG,
Location and LocOrg -> LOC (Facility and Project are not evaluated). ``extract_russian`` runs on
each text with an identity CleanText; "bare natasha" is ``NewsNERTagger``'s own spans (PER, ORG,
LOC) with no post-processing. A prediction counts only when its type and exact character span
equal a gold mention's; a second, lenient table counts a prediction overlapping a gold mention of
the same type (each gold mention matched once).

The last line is machine-readable (threadline, exact spans):

    PER_f1=<.3f> ORG_f1=<.3f> LOC_f1=<.3f>
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from scoring import per_type, print_table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "ner-ru" / "factRuEval-2016" / "testset"
TYPES = ("PER", "ORG", "LOC")
_GOLD_TYPES = {"Person": "PER", "Org": "ORG", "Location": "LOC", "LocOrg": "LOC"}
_THREADLINE_TYPES = {"person": "PER", "organization": "ORG", "location": "LOC"}

Entity = tuple[int, int, str]


def read_document(txt: Path) -> tuple[str, set[Entity]]:
    """A factRuEval text and its gold mentions."""
    text = txt.read_text(encoding="utf-8")
    spans: dict[str, tuple[int, int]] = {}
    for line in txt.with_suffix(".spans").read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 4:
            start, length = int(fields[2]), int(fields[3])
            spans[fields[0]] = (start, start + length)
    gold: set[Entity] = set()
    for line in txt.with_suffix(".objects").read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 3 or fields[1] not in _GOLD_TYPES:
            continue
        parts = [spans[s] for s in fields[2:] if s in spans]
        if parts:
            gold.add((min(p[0] for p in parts), max(p[1] for p in parts), _GOLD_TYPES[fields[1]]))
    return text, gold


def scores(
    gold: list[set[Entity]], predicted: list[set[Entity]], *, lenient: bool = False
) -> dict[str, tuple[float, float, float]]:
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        n_pred.update(e[2] for e in p)
        n_gold.update(e[2] for e in g)
        if not lenient:
            tp.update(e[2] for e in p & g)
            continue
        unmatched = set(g)
        for e in sorted(p):
            hit = next((x for x in sorted(unmatched) if x[2] == e[2] and x[0] < e[1] and e[0] < x[1]), None)
            if hit:
                unmatched.discard(hit)
                tp[e[2]] += 1
    return per_type(tp, n_pred, n_gold, TYPES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"skipped: {args.data} not found (../shared/data is not available)")
        return 0

    from threadline.extract.extractor import extract_russian
    from threadline.extract.russian import RussianNER
    from threadline.model import CleanText, Document

    files = sorted(p for p in args.data.glob("*.txt") if p.with_suffix(".objects").exists())[: args.limit]
    ner = RussianNER()
    started = time.perf_counter()
    gold: list[set[Entity]] = []
    ours: list[set[Entity]] = []
    raw: list[set[Entity]] = []
    chars = 0
    for txt in files:
        text, entities = read_document(txt)
        chars += len(text)
        gold.append(entities)
        analysis = ner.analyse(text)
        document = Document(path=txt.name, sha256=txt.name, text=text)
        extraction = extract_russian(document, CleanText(text, [(0, 0, len(text))]), ner, analysis=analysis)
        ours.append({(m.start, m.end, _THREADLINE_TYPES[m.type.value]) for m in extraction.mentions})
        raw.append(_bare_natasha(ner, text))
    elapsed = time.perf_counter() - started
    counts = Counter(e[2] for g in gold for e in g)
    print(
        f"factRuEval-2016 testset: {len(files)} documents, {chars} characters, gold PER={counts['PER']}"
        f" ORG={counts['ORG']} LOC={counts['LOC']} (LocOrg counted as LOC); {elapsed:.1f}s"
        " (threadline extraction plus a second bare NER pass)"
    )
    print_table("bare natasha NewsNERTagger, exact spans", scores(gold, raw))
    print_table("bare natasha NewsNERTagger, overlapping spans", scores(gold, raw, lenient=True))
    print_table("threadline extract_russian, overlapping spans", scores(gold, ours, lenient=True))
    result = scores(gold, ours)
    print_table("threadline extract_russian, exact spans", result)
    print(" ".join(f"{t}_f1={result[t][2]:.3f}" for t in TYPES))
    return 0


def _bare_natasha(ner: object, text: str) -> set[Entity]:
    """natasha's NER spans as the tagger gives them (the benchmark reaches into RussianNER for it)."""
    import importlib

    natasha = importlib.import_module("natasha")
    labels = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}
    doc = natasha.Doc(text)
    doc.segment(ner._segmenter)  # type: ignore[attr-defined]
    doc.tag_ner(ner._ner)  # type: ignore[attr-defined]
    return {(s.start, s.stop, labels[s.type]) for s in doc.spans if s.type in labels}


if __name__ == "__main__":
    sys.exit(main())
