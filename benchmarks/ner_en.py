"""English NER quality: threadline's extraction against bare spaCy on WikiGold.

    python benchmarks/ner_en.py [--data ../shared/data/ner-en/wikigold.conll] [--limit N]

WikiGold (CoNLL, PER/ORG/LOC/MISC, 145 Wikipedia documents; CC-BY 4.0) is read in place. Each
document's text is rebuilt by joining its tokens with spaces and its sentences with newlines; the
gold entities are runs of tokens with the same type (MISC is not evaluated: threadline has no
such type). threadline's ``extract_document`` runs on each document with an identity CleanText
(the text is not cleaned) through the same pipeline ``load_nlp`` builds for ingest; the raw
figures are that pipeline's own ``doc.ents`` with the same label mapping (PERSON -> PER,
ORG -> ORG, GPE/LOC -> LOC) and no post-processing. A prediction counts only when its type and
exact character span equal a gold entity's.

The last line is machine-readable:

    PER_f1=<.3f> ORG_f1=<.3f> LOC_f1=<.3f>
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scoring import per_type, print_table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "ner-en" / "wikigold.conll"
TYPES = ("PER", "ORG", "LOC")
_THREADLINE_TYPES = {"person": "PER", "organization": "ORG", "location": "LOC"}
_SPACY_TYPES = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}

Entity = tuple[int, int, str]


def read_conll(path: Path) -> list[tuple[str, set[Entity]]]:
    """(text, gold entities) per document."""
    documents: list[list[list[tuple[str, str]]]] = []
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if sentence and documents:
                documents[-1].append(sentence)
            sentence = []
            continue
        if parts[0] == "-DOCSTART-":
            documents.append([])
            continue
        if not documents:
            documents.append([])
        sentence.append((parts[0], parts[-1]))
    if sentence and documents:
        documents[-1].append(sentence)
    return [_document(sentences) for sentences in documents if sentences]


def _document(sentences: list[list[tuple[str, str]]]) -> tuple[str, set[Entity]]:
    parts: list[str] = []
    gold: set[Entity] = set()
    pos = 0
    for sentence in sentences:
        if parts:
            parts.append("\n")
            pos += 1
        current: list[int] | None = None  # [start, end, type index]
        kind = ""
        for i, (token, tag) in enumerate(sentence):
            if i:
                parts.append(" ")
                pos += 1
            start, end = pos, pos + len(token)
            parts.append(token)
            pos = end
            prefix, _, etype = tag.partition("-")
            if tag == "O" or not etype:
                if current:
                    gold.add((current[0], current[1], kind))
                current = None
                continue
            if current and etype == kind and prefix == "I":
                current[1] = end
                continue
            if current:
                gold.add((current[0], current[1], kind))
            current, kind = [start, end], etype
        if current:
            gold.add((current[0], current[1], kind))
    return "".join(parts), {g for g in gold if g[2] in TYPES}


def scores(
    gold: Iterable[set[Entity]], predicted: Iterable[set[Entity]]
) -> dict[str, tuple[float, float, float]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        for e in p:
            (tp if e in g else fp)[e[2]] += 1
        for e in g - p:
            fn[e[2]] += 1
    return per_type(tp, tp + fp, tp + fn, TYPES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"skipped: {args.data} not found (../shared/data is not available)")
        return 0

    from threadline.config import SPACY_MODEL
    from threadline.extract.extractor import extract_document, load_nlp
    from threadline.model import CleanText, Document

    documents = read_conll(args.data)[: args.limit]
    nlp: Any = load_nlp(SPACY_MODEL)
    started = time.perf_counter()
    gold, ours, raw = [], [], []
    for n, (text, entities) in enumerate(documents):
        parsed = nlp(text)
        document = Document(path=f"wikigold#{n}", sha256=str(n), text=text)
        extraction = extract_document(document, CleanText(text, [(0, 0, len(text))]), parsed)
        gold.append(entities)
        ours.append({(m.start, m.end, _THREADLINE_TYPES[m.type.value]) for m in extraction.mentions})
        raw.append(
            {
                (e.start_char, e.end_char, _SPACY_TYPES[e.label_])
                for e in parsed.ents
                if e.label_ in _SPACY_TYPES
            }
        )
    elapsed = time.perf_counter() - started
    counts = Counter(e[2] for g in gold for e in g)
    print(
        f"WikiGold: {len(documents)} documents, gold PER={counts['PER']} ORG={counts['ORG']} LOC={counts['LOC']}"
        f" (MISC not evaluated); model {SPACY_MODEL}; {elapsed:.1f}s; exact span and type"
    )
    raw_scores = scores(gold, raw)
    our_scores = scores(gold, ours)
    print_table("bare spaCy (same pipeline, doc.ents, no post-processing)", raw_scores)
    print_table("threadline extract_document", our_scores)
    print(" ".join(f"{t}_f1={our_scores[t][2]:.3f}" for t in TYPES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
