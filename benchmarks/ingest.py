"""Benchmark `threadline ingest` end to end against bare spaCy NER over the same documents.

    python benchmarks/ingest.py [--limit N] [--processes 2] FOLDER

Takes the first N files of FOLDER (sorted, as ``discover`` walks it), ingests them through the
real pipeline into a fresh temporary database, and times bare ``nlp.pipe`` over the same texts
with the same model, batch size and worker count. The last line is machine-readable:

    docs_per_s=<.1f> words_per_s=<.0f> peak_rss_mb=<.0f> ratio=<.2f>

where ratio = end-to-end words/s / bare NER words/s (1.0 would mean ingest costs nothing beyond NER).
Ingest parses a paragraph met again word for word only once (``extractor.ParsedParagraphs``), so
the ratio can pass 1. The "spaCy read" line counts the texts and characters that reached spaCy
during ingest; the "reused" line replays the same cache, untimed, over the documents cleaned
without their sources' boilerplate lines (ingest removes those too, so it is an estimate).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from threadline.clean import clean
from threadline.config import Settings
from threadline.extract.extractor import ParsedParagraphs, ReuseStats, load_nlp, paragraphs, segments
from threadline.ingest import SUPPORTED_SUFFIXES, UnreadableFile, discover, read_file
from threadline.model import Document
from threadline.pipeline import MIN_FILES_FOR_WORKERS, IngestReport, ingest
from threadline.query import entities
from threadline.store.db import connect


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="folder of documents, e.g. ../shared/data/.../text")
    parser.add_argument("--limit", type=int, default=300, help="first N files of FOLDER (default 300)")
    parser.add_argument("--processes", type=int, default=2, help="spaCy worker processes (default 2)")
    parser.add_argument(
        "--keep-db", type=Path, help="ingest into this (new) database and keep it, to compare runs"
    )
    return parser.parse_args(argv)


def _documents(files: list[Path], settings: Settings) -> list[Document]:
    """The documents ingest would extract from ``files``: readable, supported, deduplicated by hash."""
    limits = settings.limits
    seen: set[str] = set()
    documents: list[Document] = []
    for file in files:
        if file.suffix.lower() not in SUPPORTED_SUFFIXES or file.stat().st_size > limits.max_file_bytes:
            continue
        try:
            result = read_file(file, file.read_bytes(), limits)
        except (OSError, UnreadableFile):
            continue
        for document in result.documents:
            if document.sha256 not in seen:
                seen.add(document.sha256)
                documents.append(document)
    return documents


class _Counted:
    """``nlp`` with a count of the texts and characters its ``pipe`` is given."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.texts = 0
        self.characters = 0

    def pipe(self, texts: Any, **kwargs: Any) -> Any:
        def counted() -> Any:
            for text in texts:
                self.texts += 1
                self.characters += len(text)
                yield text

        return self.nlp.pipe(counted(), **kwargs)


def _reuse(documents: list[Document]) -> ReuseStats:
    """What ``ParsedParagraphs`` saves over ``documents`` cleaned without boilerplate (no NER)."""
    cache = ParsedParagraphs()
    for document in documents:
        text = clean(document).text
        parts = [part for start, end in segments(text) for part in paragraphs(text[start:end])]
        for part in parts:
            if not cache.claim(part):
                cache.store(part, None)
        for part in parts:
            cache.release(part)
    return cache.stats


def _bare_ner(nlp: Any, texts: list[str], settings: Settings, n_files: int) -> float:
    # Whole, uncleaned texts, cut with the pipeline's own ``segments`` (50k chars): spaCy refuses
    # texts over nlp.max_length (E088) and the pipeline feeds it the same size of pieces.
    pieces = [text[start:end] for text in texts for start, end in segments(text)]
    # Same worker rule as the pipeline: below MIN_FILES_FOR_WORKERS files it runs NER in-process.
    n_process = settings.processes if n_files >= MIN_FILES_FOR_WORKERS else 1
    start = time.perf_counter()
    for _ in nlp.pipe(pieces, batch_size=settings.batch_size, n_process=n_process):
        pass
    return time.perf_counter() - start


def _end_to_end(
    nlp: Any, files: list[Path], settings: Settings, keep_db: Path | None
) -> tuple[float, IngestReport, int, int, list[str]]:
    """Ingest ``files`` into a fresh database: seconds, report, entities, mentions, top persons."""
    with tempfile.TemporaryDirectory(prefix="threadline-bench-") as tmp:
        settings = replace(settings, db_path=keep_db or Path(tmp) / "bench.db")
        conn = connect(settings.db_path)  # schema creation stays outside the timing
        try:
            start = time.perf_counter()
            report = ingest(conn, files, settings, nlp=nlp)
            seconds = time.perf_counter() - start
            n_entities = conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0]
            n_mentions = conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]
            top = [f"{e['name']} ({e['mentions']})" for e in entities(conn, type="person", limit=5)]
        finally:
            conn.close()
    return seconds, report, n_entities, n_mentions, top


def _peak_rss_mb() -> float:
    # ru_maxrss is in KB on Linux. RUSAGE_CHILDREN covers waited-for children: spaCy's NER worker
    # processes (n_process > 1). It reports the largest single child, so the max of the two is the
    # peak of any one process over the whole run (baseline and ingest both).
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(self_kb, children_kb) / 1024


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    folder: Path = args.folder
    if not folder.is_dir():
        print(f"skipped: no such folder {folder} (../shared/data is not available)")
        return 0
    if args.limit < 1 or args.processes < 1:
        sys.exit("benchmark: --limit and --processes must be at least 1")
    if args.keep_db is not None and args.keep_db.exists():
        sys.exit(f"benchmark: {args.keep_db} exists; --keep-db wants a new database")

    files = list(islice(discover([folder]), args.limit))
    if not files:
        sys.exit(f"benchmark: no files under {folder}")
    settings = Settings(processes=args.processes)  # db_path: set per run

    # The model is loaded once, outside both timings, and shared by both halves.
    nlp = load_nlp(settings.spacy_model)
    documents = _documents(files, settings)  # not timed: the baseline measures NER alone
    texts = [document.text for document in documents]
    words = sum(len(text.split()) for text in texts)

    # Order: the bare NER baseline runs FIRST, then the end-to-end ingest, every run.
    ner_seconds = _bare_ner(nlp, texts, settings, len(files))
    counted = _Counted(nlp)
    e2e_seconds, report, n_entities, n_mentions, top = _end_to_end(counted, files, settings, args.keep_db)
    reuse = _reuse(documents)

    if report.words != words or report.documents_added != len(texts):
        print(
            f"warning: ingest stored {report.documents_added} documents / {report.words} words, "
            f"baseline saw {len(texts)} / {words}"
        )
    e2e_words = report.words
    docs_per_s = report.documents_added / e2e_seconds
    e2e_wps = e2e_words / e2e_seconds
    ner_wps = words / ner_seconds
    print(
        f"folder: {folder}  files: {len(files)}  "
        f"processes: {settings.processes}  model: {settings.spacy_model}"
    )
    print(
        f"documents: {report.documents_added} (failed files {report.files_failed}, "
        f"duplicates {report.documents_duplicate})  words: {e2e_words}"
    )
    print(f"bare NER (first):   {ner_seconds:8.2f} s  {ner_wps:10.0f} words/s")
    print(f"end to end (second): {e2e_seconds:7.2f} s  {e2e_wps:10.0f} words/s")
    print(f"entities: {n_entities}  mentions: {n_mentions}")
    baseline_chars = sum(len(text) for text in texts)
    print(
        f"spaCy read: baseline {baseline_chars} characters in {sum(len(segments(t)) for t in texts)} "
        f"texts, ingest {counted.characters} characters in {counted.texts} texts"
    )
    print(
        f"reused (estimate): {reuse.reused_paragraphs} of {reuse.paragraphs} paragraphs, "
        f"{reuse.reused_characters} of {reuse.characters} characters "
        f"({reuse.reused_characters / max(reuse.characters, 1):.1%})"
    )
    print("top persons: " + ("; ".join(top) if top else "(none)"))
    print(
        f"docs_per_s={docs_per_s:.1f} words_per_s={e2e_wps:.0f} "
        f"peak_rss_mb={_peak_rss_mb():.0f} ratio={e2e_wps / ner_wps:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
