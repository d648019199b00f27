"""The corpus-wide steps at a size NER cannot reach on one machine: a million generated documents.

    python benchmarks/synth.py generate CORPUS --docs 1000000
    python benchmarks/corpus_steps.py build CORPUS DB [--limit N] [--processes 2]
    python benchmarks/corpus_steps.py run DB [--steps resolve duplicates dates sources]
    python benchmarks/synth.py score DB CORPUS/truth.json

NER runs at about 3,000-6,000 words/s per core here, so a million generated documents (213 M
words) would take days on this machine. The steps that must see the whole corpus (resolution,
duplicate clustering, dates, sources) do not depend on how the mentions were found, so ``build``
stores the generated documents through threadline's reader and store with the extraction a
perfect NER would give: every planted name the generator wrote (``synth.planted_spans``) as a
PERSON draft, trimmed of titles and possessives as NER drafts are (``strip_name``), then
threadline's own language-neutral steps (``core.assemble``: short forms tied to the document's
full names, finishing). Sentences end where the generator ended them. Organisations and places
are not drafted, so the database holds the persons part of a real run: what resolution spends its
time on.

``run`` times each step alone on the finished database and samples its resident memory; each step
runs in a fresh process so its peak is its own. The last line is machine-readable:

    documents=<n> mentions=<n> resolve_s=<.1f> resolve_peak_mb=<.0f> duplicates_s=... ...
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # synth.py, beside this file

from synth import planted_spans
from threadline.config import Limits
from threadline.extract.core import Draft, Reading, assemble, propagate_surnames
from threadline.extract.surface import strip_name
from threadline.ingest import read_file
from threadline.model import CleanText, Document, EntityType, Extraction, MentionKind
from threadline.store import repository as repo
from threadline.store.db import connect

STEPS = ("resolve", "duplicates", "dates", "sources")
# The generator ends a sentence with . ! or ? before a space and a capital or a quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])[ ]+(?=[A-Z\"“])|\n\n+")
_PEOPLE: dict[str, dict[str, list[str]]] = {}  # file name -> person id -> surfaces (worker copy)


class Planted:
    """A language backend whose "NER" is the generator's own record of the names it wrote."""

    def __init__(self, people: dict[str, list[str]]) -> None:
        self.people = people

    def read(
        self, document: Document, clean: CleanText, parsed: Any, spans: Sequence[tuple[int, int]] | None
    ) -> Reading:
        text = document.text
        drafts = []
        for start, end, _pid in planted_spans(text, self.people):
            cleaned = strip_name(text[start:end])
            if not cleaned.name:
                continue
            s = start + cleaned.offset
            drafts.append(
                Draft(
                    s, s + len(cleaned.name), cleaned.name, EntityType.PERSON, MentionKind.NER, cleaned.role
                )
            )
        return Reading(_sentences(text, document.body_start), drafts, [])

    def propagate(self, text: str, body_start: int, drafts: list[Draft]) -> list[Draft]:
        return propagate_surnames(text, body_start, drafts)


def _sentences(text: str, body_start: int) -> list[tuple[int, int]]:
    spans, pos = [], body_start
    for cut in _SENTENCE_END.finditer(text, body_start):
        if text[pos : cut.start()].strip():
            spans.append((pos, cut.start()))
        pos = cut.end()
    if text[pos:].strip():
        spans.append((pos, len(text.rstrip())))
    return spans


def _extract(path: Path) -> list[tuple[Document, Extraction]]:
    result = read_file(path, path.read_bytes(), Limits())
    backend = Planted(_PEOPLE.get(path.name, {}))
    out = []
    for document in result.documents:
        clean = CleanText(document.text, [(0, 0, len(document.text))])
        reading = backend.read(document, clean, None, None)
        extraction = assemble(document, [(backend, reading)])
        extraction.language = "en"
        out.append((document, extraction))
    return out


def _init(people: dict[str, dict[str, list[str]]]) -> None:
    _PEOPLE.update(people)


def build(corpus: Path, db: Path, limit: int | None, processes: int) -> None:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    files = sorted(corpus.glob("doc*.txt"))[:limit]
    people = {f.name: truth["documents"].get(f.name, {}) for f in files}
    del truth
    conn = connect(db)
    started = time.perf_counter()
    stored = 0
    with multiprocessing.get_context("fork").Pool(processes, _init, (people,)) as pool:
        conn.execute("BEGIN")
        for extracted in pool.imap(_extract, files, chunksize=64):
            for document, extraction in extracted:
                repo.add_document(conn, str(corpus / document.path), document, extraction)
                stored += 1
            if stored % 10_000 == 0:
                conn.commit()
                conn.execute("BEGIN")
                rate = stored / (time.perf_counter() - started)
                print(f"  {stored} documents stored, {rate:.0f}/s", file=sys.stderr, flush=True)
        conn.commit()
    conn.close()
    print(f"built {db}: {stored} documents in {time.perf_counter() - started:.0f}s")


def _one_step(db: Path, step: str) -> None:
    """Run one step on ``db`` in this process; print its seconds and this process's peak RSS."""
    from threadline.pipeline import resolve_all
    from threadline.store.dates import refresh_dates
    from threadline.store.duplicates import rebuild_duplicates, rebuild_sources

    func = {
        "resolve": resolve_all,
        "duplicates": rebuild_duplicates,
        "dates": refresh_dates,
        "sources": rebuild_sources,
    }[step]
    conn = connect(db)
    started = time.perf_counter()
    with conn:
        func(conn)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"step": step, "seconds": round(seconds, 1), "peak_mb": round(peak)}))


def _counts(db: Path) -> Iterator[tuple[str, int]]:
    conn = sqlite3.connect(db)
    try:
        for table in ("documents", "mentions", "sentences"):
            yield table, conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def run(db: Path, steps: Sequence[str]) -> None:
    counts = dict(_counts(db))
    print(", ".join(f"{n} {t}" for t, n in counts.items()))
    fields = [f"documents={counts['documents']}", f"mentions={counts['mentions']}"]
    for step in steps:
        out = subprocess.run(
            [sys.executable, __file__, "_step", str(db), step], check=True, capture_output=True, text=True
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(f"{step:<11} {figures['seconds']:>8.1f} s   peak RSS {figures['peak_mb']:>6} MB", flush=True)
        fields += [f"{step}_s={figures['seconds']}", f"{step}_peak_mb={figures['peak_mb']}"]
    print(" ".join(fields))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="store generated documents with their planted names")
    b.add_argument("corpus", type=Path)
    b.add_argument("db", type=Path)
    b.add_argument("--limit", type=int, default=None, help="the first N documents only")
    b.add_argument("--processes", type=int, default=2)
    r = commands.add_parser("run", help="time each corpus-wide step on a built database")
    r.add_argument("db", type=Path)
    r.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    one = commands.add_parser("_step")
    one.add_argument("db", type=Path)
    one.add_argument("step", choices=STEPS)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.corpus, args.db, args.limit, args.processes)
    elif args.command == "run":
        run(args.db, args.steps)
    else:
        _one_step(args.db, args.step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
