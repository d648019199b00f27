"""The ingest run: files -> documents -> clean -> extract -> store, then resolve and link.

Extraction streams through spaCy's ``nlp.pipe`` on ``Settings.processes`` workers while this
process cleans the next documents and writes finished ones, committing per chunk so an
interrupted run loses at most the chunk in flight and a rerun picks up where it stopped.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from threadline.clean import clean, line_keys
from threadline.config import Settings
from threadline.extract.extractor import extract_documents, load_nlp, rematch_watchlist
from threadline.extract.language import LanguageDetector
from threadline.extract.watchlist import WatchlistMatcher
from threadline.ingest import SUPPORTED_SUFFIXES, UnreadableFile, discover, read_file
from threadline.model import CleanText, Document
from threadline.resolve.resolver import resolve
from threadline.store import repository as repo
from threadline.store.duplicates import rebuild_duplicates, rebuild_sources

# Documents cleaned together (their repeated lines counted first) and committed together: bounds
# memory, and an interrupted run loses at most one chunk.
CHUNK_DOCUMENTS = 500
# ...and at least this often, since one chunk of books can hold most of a corpus's words.
COMMIT_SECONDS = 30.0
# Below this many files the cost of starting NER worker processes outweighs their use.
MIN_FILES_FOR_WORKERS = 64

FileRow = tuple[str, int, int, str | None]  # sha256, size, documents expected, partial errors


@dataclass(slots=True)
class IngestReport:
    files_seen: int = 0
    files_skipped: int = 0  # unchanged since an earlier run
    files_failed: int = 0
    files_replaced: int = 0  # changed since an earlier run: old documents dropped
    documents_added: int = 0
    documents_duplicate: int = 0  # same bytes already stored
    words: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


Progress = Callable[[int, int, int], None]  # (files done, files total, documents added)


@dataclass(slots=True)
class _Pending:
    file_path: str
    file_number: int  # position in the run's file list, for progress
    document: Document


def ingest(
    conn: sqlite3.Connection,
    paths: Sequence[Path],
    settings: Settings,
    *,
    progress: Progress | None = None,
    nlp: Any = None,
) -> IngestReport:
    """Ingest files under ``paths`` into the database, then re-resolve entities and links.

    Files are read, cleaned and extracted as a stream, so memory stays bounded whatever the size
    of the folder; spaCy's worker processes start once per run.
    """
    report = IngestReport()
    files = list(discover(paths))
    # Files whose documents are in flight: their row in `files` is written once all are stored,
    # so a run killed mid-way re-reads them next time.
    file_rows: dict[str, FileRow] = {}
    stream = _read_new_files(conn, files, settings, report, file_rows)
    first = next(stream, None)
    if first is not None:
        nlp = nlp or load_nlp(settings.spacy_model)
        watchlist = repo.load_watchlist(conn)
        n_process = settings.processes if len(files) >= MIN_FILES_FOR_WORKERS else 1
        items = _cleaned(conn, chain([first], stream), settings)
        extracted = extract_documents(
            items,
            nlp,
            watchlist,
            batch_size=settings.batch_size,
            n_process=n_process,
            detector=LanguageDetector(),
        )
        last_commit = time.monotonic()
        for done, (document, extraction, pending) in enumerate(extracted, 1):
            if isinstance(extraction, Exception):
                reason = f"extraction failed in {document.path}: {type(extraction).__name__}: {extraction}"
                report.errors.append((pending.file_path, reason))
                file_rows[pending.file_path] = _with_reason(file_rows[pending.file_path], reason)
            else:
                repo.add_document(conn, pending.file_path, document, extraction)
                report.documents_added += 1
                report.words += len(document.text.split())
            if done % CHUNK_DOCUMENTS == 0 or time.monotonic() - last_commit > COMMIT_SECONDS:
                _commit(conn, file_rows, report)
                last_commit = time.monotonic()
            if progress:
                progress(pending.file_number, len(files), report.documents_added)
        _commit(conn, file_rows, report)
    if first is not None or report.files_replaced:
        with conn:
            resolve_all(conn)
        with conn:
            rebuild_duplicates(conn)
        with conn:
            rebuild_sources(conn)
    return report


def _commit(conn: sqlite3.Connection, file_rows: dict[str, FileRow], report: IngestReport) -> None:
    """Mark files whose documents are all stored as done, and commit."""
    for path in list(file_rows):
        sha, size, count, partial = file_rows[path]
        stored = conn.execute("SELECT COUNT(*) FROM documents WHERE file_path = ?", (path,)).fetchone()[0]
        if stored >= count:
            repo.record_file(conn, path, sha, size, documents=stored, reason=partial)
            del file_rows[path]
            if stored == 0:
                report.files_failed += 1
    conn.commit()


def apply_watchlist(conn: sqlite3.Connection) -> int:
    """Match the stored watchlist against every stored document, then re-resolve.

    Returns how many documents' mentions changed. Costs a regex pass, not an NER run.
    """
    people = repo.load_watchlist(conn)
    matcher = WatchlistMatcher(people)
    changed = 0
    with conn:
        for doc_id, text, body_start, extraction in repo.stored_extractions(conn):
            updated = rematch_watchlist(text, body_start, extraction, matcher, people)
            if updated.mentions != extraction.mentions:
                repo.replace_extraction(conn, doc_id, updated)
                changed += 1
        resolve_all(conn)
    return changed


def resolve_all(conn: sqlite3.Connection) -> None:
    """Re-resolve every mention in the database and rebuild links (cheap next to NER)."""
    entities = resolve(repo.mention_refs(conn), repo.load_watchlist(conn))
    repo.replace_entities(conn, entities)


def _read_new_files(
    conn: sqlite3.Connection,
    files: Sequence[Path],
    settings: Settings,
    report: IngestReport,
    file_rows: dict[str, FileRow],
) -> Iterator[_Pending]:
    """Read files not seen before (or changed); record unreadable ones as errors as we go."""
    limits = settings.limits
    seen_hashes: set[str] = set()
    for number, file in enumerate(files, 1):
        report.files_seen += 1
        path = str(file)
        try:
            size = file.stat().st_size
            if size > limits.max_file_bytes:
                raise UnreadableFile(f"file too large ({size} bytes > limit {limits.max_file_bytes})")
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise UnreadableFile(f"unsupported file type {file.suffix.lower() or '(none)'}")
            data = file.read_bytes()
        except (OSError, UnreadableFile) as exc:
            reason = exc.reason if isinstance(exc, UnreadableFile) else f"cannot read: {exc.strerror or exc}"
            _fail(conn, path, hashlib.sha256(path.encode()).hexdigest(), 0, reason, report)
            continue
        sha = hashlib.sha256(data).hexdigest()
        known = repo.known_file(conn, path)
        if known and known[0] == sha:
            report.files_skipped += 1
            continue
        if known:
            report.files_replaced += 1
            with conn:
                repo.forget_file(conn, path)
        try:
            result = read_file(file, data, limits)
        except UnreadableFile as exc:
            _fail(conn, path, sha, size, exc.reason, report)
            continue
        except Exception as exc:  # a reader bug must cost one file, not the run
            _fail(conn, path, sha, size, f"reader failed: {type(exc).__name__}: {exc}", report)
            continue
        fresh = []
        for document in result.documents:
            if document.sha256 in seen_hashes or repo.document_exists(conn, document.sha256):
                report.documents_duplicate += 1
                continue
            seen_hashes.add(document.sha256)
            fresh.append(document)
        partial = "; ".join(result.errors[:5]) if result.errors else None
        if partial:
            report.errors.append((path, partial))
        if not fresh:
            with conn:
                repo.record_file(conn, path, sha, size, documents=0, reason=partial)
            continue
        file_rows[path] = (sha, size, len(fresh), partial)
        for document in fresh:
            yield _Pending(path, number, document)


def _with_reason(row: FileRow, reason: str) -> FileRow:
    """One of a file's documents failed: expect one fewer and keep the reason."""
    sha, size, count, partial = row
    return sha, size, count - 1, "; ".join(r for r in (partial, reason) if r)


def _fail(
    conn: sqlite3.Connection, path: str, sha: str, size: int, reason: str, report: IngestReport
) -> None:
    report.files_failed += 1
    report.errors.append((path, reason))
    with conn:
        repo.record_file(conn, path, sha, size, documents=0, reason=reason)


def _cleaned(
    conn: sqlite3.Connection, pending: Iterator[_Pending], settings: Settings
) -> Iterator[tuple[Document, CleanText, _Pending]]:
    """Per chunk: count each document's lines per source, then clean with that source's repeated
    lines (boilerplate) removed."""
    while chunk := list(islice(pending, CHUNK_DOCUMENTS)):
        for p in chunk:
            repo.count_lines(conn, _source_of(p), line_keys(p.document))
        boilerplate: dict[str, frozenset[str]] = {}
        for p in chunk:
            source = _source_of(p)
            if source not in boilerplate:
                boilerplate[source] = repo.boilerplate_lines(conn, source, settings.boilerplate_min_docs)
            yield p.document, clean(p.document, boilerplate[source]), p


def _source_of(p: _Pending) -> str:
    """Where repeated lines count as boilerplate: the outlet if known, else the folder."""
    return p.document.source or str(Path(p.file_path).parent)
