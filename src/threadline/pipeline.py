"""The ingest run: files -> documents -> clean -> extract -> store, then resolve and link.

Files are parsed in isolated worker processes (``ingest.workers``); extraction streams through
spaCy's ``nlp.pipe`` on ``Settings.processes`` workers while this process cleans the next
documents and writes finished ones. Each document is stored in one transaction and a journal
records how each chunk was cleaned, so a run killed at any moment is completed by the next one
exactly as if it had never stopped.

However a run ends, it ends cleanly: an error or a stop request stops feeding NER and lets the
documents in flight through, so spaCy's worker processes finish and exit normally (an exception
thrown into its loop left them, and this process, waiting on a pipe for ever); every process the
run started dies with it even under ``kill -9`` (``ingest.workers``).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline.clean import clean, line_keys
from threadline.config import Settings
from threadline.extract.extractor import extract_documents, load_nlp, rematch_watchlist
from threadline.extract.language import LanguageDetector
from threadline.extract.watchlist import WatchlistMatcher
from threadline.ingest import (
    SUPPORTED_SUFFIXES,
    ReadResult,
    Skipped,
    UnreadableFile,
    discover_all,
    file_size,
    stored_path,
)
from threadline.ingest.archives import MemberError, is_archive, iter_archive
from threadline.ingest.ocr import OcrOptions, ocr_options
from threadline.ingest.readers import IMAGE_SUFFIXES
from threadline.ingest.workers import ParseJob, ParsePool, Parsing, children_die_with_this_thread
from threadline.model import CleanText, Document, Extraction
from threadline.resolve.resolver import resolve_corpus
from threadline.store import repository as repo
from threadline.store.dates import refresh_dates
from threadline.store.duplicates import rebuild_duplicates, rebuild_sources
from threadline.store.parts import WorkFolder, remove_parts

if TYPE_CHECKING:
    from distributed import Client

# Documents cleaned together (their repeated lines counted first) and committed together: bounds
# memory, and an interrupted run loses at most one chunk.
CHUNK_DOCUMENTS = 500
# ...and at least this often (a chunk of books can hold most of a corpus's words), so a kill
# loses at most a few seconds of work, the first seconds of a run included.
COMMIT_SECONDS = 5.0
# Below this many files the cost of starting NER worker processes outweighs their use.
MIN_FILES_FOR_WORKERS = 64
# Set while stored documents are newer than entities, links and clusters: a run killed before
# re-resolving leaves it, and the next run resolves even if it has nothing new to read.
RESOLVE_PENDING = "resolve_pending"
OCR_HINT_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}


@dataclass(slots=True)
class IngestReport:
    files_seen: int = 0
    files_skipped: int = 0  # unchanged since an earlier run
    files_failed: int = 0
    files_replaced: int = 0  # changed since an earlier run: old documents dropped
    documents_added: int = 0
    documents_duplicate: int = 0  # same bytes already stored
    words: int = 0
    ocr_pages: int = 0
    extractions_from_parts: int = 0  # taken from the work folder, not sent to NER again
    members_failed: int = 0  # files inside archives that could not be read
    errors: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # e.g. why OCR is off


class IngestStopped(Exception):
    """The run was asked to stop before its end. Everything stored so far is committed (entities
    and links are rebuilt by the next run, which also reads what this one did not)."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__("ingest stopped before the end; run it again to finish")
        self.report = report


@dataclass(slots=True)
class RunProgress:
    files_done: int
    files_total: int
    documents: int
    bytes_done: int  # of the files' sizes: the basis of the time estimate
    bytes_total: int
    ocr_pages: int
    ocr_pages_per_second: float


Progress = Callable[[RunProgress], None]


@dataclass(slots=True)
class _FileState:
    """A file whose documents are in flight. Its row in `files` is written once all are stored,
    so a run killed mid-way reads it again next time (skipping the documents already stored)."""

    sha256: str
    size: int
    number: int  # position in the run's file list, for progress
    expected: int  # documents that will be stored under this file, earlier runs' included
    reasons: list[str] = field(default_factory=list)
    jobs_open: int = 0  # parse jobs not finished (an archive has one per member)
    listed: bool = False  # all of the file's jobs have been scheduled

    @property
    def complete(self) -> bool:
        return self.listed and self.jobs_open == 0


@dataclass(slots=True)
class _Pending:
    file_path: str
    state: _FileState
    document: Document


@dataclass(slots=True)
class _Run:
    """State of one ingest run, passed explicitly between its steps."""

    conn: sqlite3.Connection
    settings: Settings
    report: IngestReport
    stop: threading.Event
    cluster: Client | None = None  # a Dask client: extraction runs on its workers
    work: WorkFolder | None = None  # its workers' extractions as parts (``store.parts``)
    failure: Exception | None = None  # the first error; the run drains, rolls back and raises it
    files: dict[str, _FileState] = field(default_factory=dict)
    seen_hashes: set[str] = field(default_factory=set)
    bytes_total: int = 0
    bytes_done: int = 0
    files_done: int = 0


def ingest(
    conn: sqlite3.Connection,
    paths: Sequence[Path],
    settings: Settings,
    *,
    progress: Progress | None = None,
    nlp: Any = None,
    stop: threading.Event | None = None,
    cluster: Client | None = None,
) -> IngestReport:
    """Ingest files under ``paths`` into the database, then re-resolve entities and links.

    Files are parsed in worker processes (see ``ingest.workers``), cleaned, extracted and stored
    as a stream, so memory stays bounded whatever the size of the folder. Safe to kill at any
    moment: a rerun completes the job with nothing lost and nothing stored twice. Setting
    ``stop`` (from a signal handler, say) ends the run early: the documents in flight are
    stored, committed, and IngestStopped is raised. Any error ends the run too, once every
    worker process has stopped: the work not yet committed is rolled back and the error raised.
    With a Dask ``cluster`` client, extraction runs on its workers (``threadline.cluster``);
    everything else, and the answers, stay the same.
    """
    report = IngestReport()
    run = _Run(conn, settings, report, stop or threading.Event(), cluster)
    entries = list(discover_all(paths))
    files = [entry for entry in entries if isinstance(entry, Path)]
    run.bytes_total = sum(file_size(f) for f in files)
    for entry in entries:
        if isinstance(entry, Skipped):
            report.files_seen += 1
            _fail(run, stored_path(entry.path), entry.reason)
    ocr, why_not = ocr_options(settings.ocr, settings.ocr_languages)
    if why_not and any(f.suffix.lower() in OCR_HINT_SUFFIXES or is_archive(f.name) for f in files):
        report.notices.append(why_not)
    with (
        children_die_with_this_thread(),
        _parsing(run, ocr) as pool,
    ):
        try:
            added = _read_and_store(run, pool, files, progress, nlp)
        except BaseException:
            conn.rollback()
            raise
        report.ocr_pages = pool.progress.ocr_pages
    if run.stop.is_set():
        raise IngestStopped(report)
    if added or report.files_replaced or repo.get_state(conn, RESOLVE_PENDING):
        with conn:
            resolve_all(conn)
        with conn:
            rebuild_duplicates(conn)
            refresh_dates(conn)  # a year-less dateline takes its year from a dated copy of its story
        with conn:
            rebuild_sources(conn)
            repo.clear_journal(conn)
            repo.set_state(conn, RESOLVE_PENDING, None)
    if settings.work_dir is not None:  # every extraction is stored: the parts have done their job
        remove_parts(settings.work_dir)
    return report


def _parsing(run: _Run, ocr: OcrOptions | None) -> Parsing[str]:
    """The cluster's workers parse when there is a cluster and they can; else local processes."""
    settings = run.settings
    if run.cluster is not None:
        from threadline.cluster import ClusterParsing, why_not_parse_on

        why = why_not_parse_on(run.cluster)
        if why is None:
            return ClusterParsing[str](run.cluster, settings.limits, ocr, settings.parse_workers)
        run.report.notices.append(why)
    return ParsePool[str](settings.parse_workers, settings.limits, ocr)


def _read_and_store(
    run: _Run, pool: Parsing[str], files: list[Path], progress: Progress | None, nlp: Any
) -> bool:
    """Read, clean, extract and store every new document; True when there was any."""
    conn, report, settings = run.conn, run.report, run.settings

    def report_progress() -> None:
        if progress:
            progress(
                RunProgress(
                    run.files_done,
                    len(files),
                    report.documents_added,
                    run.bytes_done,
                    run.bytes_total,
                    pool.progress.ocr_pages,
                    pool.progress.ocr_pages_per_second,
                )
            )

    parsed = pool.map(_jobs(run, files), on_progress=lambda _: report_progress(), stop=run.stop.is_set)
    items = _fed(run, _cleaned(run, _documents(run, parsed)))
    first = next(items, None)
    if first is not None:
        watchlist = repo.load_watchlist(conn)
        extracted: Iterator[tuple[Document, Extraction | Exception, _Pending]]
        if run.cluster is not None:
            from threadline.cluster import extract_on_cluster

            if settings.work_dir is not None:
                run.work = WorkFolder.open(settings.work_dir, settings.spacy_model, watchlist)
            extracted = extract_on_cluster(
                run.cluster,
                chain([first], items),
                watchlist,
                spacy_model=settings.spacy_model,
                batch_size=settings.batch_size,
                stop=lambda: run.stop.is_set() or run.failure is not None,
                work=run.work,
            )
        else:
            n_process = settings.processes if len(files) >= MIN_FILES_FOR_WORKERS else 1
            extracted = extract_documents(
                chain([first], items),
                nlp or load_nlp(settings.spacy_model),
                watchlist,
                batch_size=settings.batch_size,
                n_process=n_process,
                detector=LanguageDetector(),
            )
        last_commit = time.monotonic()
        for done, (document, extraction, pending) in enumerate(extracted, 1):
            if run.failure is not None:
                continue  # draining: what NER still holds is dropped, and read again next run
            try:
                _store(run, document, extraction, pending)
                if done % CHUNK_DOCUMENTS == 0 or time.monotonic() - last_commit > COMMIT_SECONDS:
                    _commit(run)
                    last_commit = time.monotonic()
                report_progress()
            except Exception as exc:
                run.failure = exc
    if run.work is not None:
        run.report.extractions_from_parts = run.work.taken
    if run.failure is not None:
        raise run.failure
    _commit(run)
    return first is not None


def _fed(run: _Run, items: Generator[_Item]) -> Iterator[_Item]:
    """``items`` until the run is stopped or fails.

    An error raised here would surface inside spaCy's loop, whose cleanup then waits for worker
    processes that may be blocked writing to it: the run hung. So an error ends the stream
    instead, NER finishes what it holds, and ``_read_and_store`` raises the error afterwards.
    """
    try:
        while not run.stop.is_set() and run.failure is None:
            item = next(items, None)
            if item is None:
                return
            yield item
    except Exception as exc:
        run.failure = exc
    finally:
        items.close()


def _store(run: _Run, document: Document, extraction: Extraction | Exception, pending: _Pending) -> None:
    """Store one document, or record why it could not be: its failure costs only itself."""
    state, report = pending.state, run.report
    if isinstance(extraction, Exception):
        reason = f"extraction failed in {document.path}: {type(extraction).__name__}: {extraction}"
    else:
        try:
            _add_document(run.conn, pending.file_path, document, extraction)
        except (sqlite3.IntegrityError, ValueError) as exc:  # two members of a zip with one name, say
            reason = f"not stored, {document.path}: {type(exc).__name__}: {exc}"
        else:
            report.documents_added += 1
            report.words += len(document.text.split())
            return
    report.errors.append((pending.file_path, reason))
    state.expected -= 1
    state.reasons.append(reason)


def _add_document(
    conn: sqlite3.Connection, file_path: str, document: Document, extraction: Extraction
) -> None:
    """``repo.add_document`` inside a savepoint: a document refused half-way leaves no rows."""
    if not conn.in_transaction:
        conn.execute("BEGIN")  # else releasing the savepoint would commit
    conn.execute("SAVEPOINT document")
    try:
        repo.add_document(conn, file_path, document, extraction)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # a full disk may refuse this too: the caller rolls back
            conn.execute("ROLLBACK TO document")
            conn.execute("RELEASE document")
        raise
    conn.execute("RELEASE document")


def _commit(run: _Run) -> None:
    """Mark files whose documents are all stored as done, and commit."""
    conn, report = run.conn, run.report
    for path, state in list(run.files.items()):
        if not state.complete:
            continue
        stored = repo.count_file_documents(conn, path)
        if stored < state.expected:
            continue
        reason = "; ".join(state.reasons[:5]) or None
        repo.record_file(conn, path, state.sha256, state.size, documents=stored, reason=reason)
        del run.files[path]
        if stored == 0 and reason:
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


DISPLAY_SCRIPT = "display_script"  # state key: the script display names prefer (latin by default)


def resolve_all(conn: sqlite3.Connection) -> None:
    """Re-resolve every mention in the database and rebuild links (cheap next to NER)."""
    prefer = repo.get_state(conn, DISPLAY_SCRIPT) or "latin"
    resolution = resolve_corpus(
        repo.mention_refs(conn),
        repo.load_watchlist(conn),
        prefer=prefer,
        judgements=repo.load_judgements(conn),
    )
    repo.rebuild_copies(conn)
    repo.replace_entities(conn, resolution.entities, resolution.suggestions)
    refresh_dates(conn)  # a database stored before dates had a source gets them here, once


def _jobs(run: _Run, files: Sequence[Path]) -> Iterator[tuple[str, ParseJob]]:
    """Parse jobs for files not seen before (or changed): one per file, one per archive member."""
    conn, report, limits = run.conn, run.report, run.settings.limits
    for number, file in enumerate(files, 1):
        report.files_seen += 1
        path = stored_path(file)
        size = file_size(file)
        try:
            if size > limits.max_file_bytes:
                raise UnreadableFile(f"file too large ({size} bytes > limit {limits.max_file_bytes})")
            suffix = file.suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES and not is_archive(file.name):
                raise UnreadableFile(f"unsupported file type {suffix or '(none)'}")
            with file.open("rb") as handle:
                sha = hashlib.file_digest(handle, "sha256").hexdigest()
        except (OSError, UnreadableFile) as exc:
            reason = exc.reason if isinstance(exc, UnreadableFile) else f"cannot read: {exc.strerror or exc}"
            _fail(run, path, reason)
            _file_done(run, size)
            continue
        known = repo.known_file(conn, path)
        if known and known[0] == sha:
            report.files_skipped += 1
            _file_done(run, size)
            continue
        if known:
            report.files_replaced += 1
            with conn:
                repo.forget_file(conn, path)
        # Documents an interrupted run stored are kept; the rest are read again.
        state = _FileState(sha, size, number, expected=repo.count_file_documents(conn, path))
        run.files[path] = state
        if is_archive(file.name):
            yield from _archive_jobs(run, path, file, state)
        else:
            state.jobs_open += 1
            yield path, ParseJob(path, file, sha)
        state.listed = True
        if state.complete:  # nothing to parse in it
            _file_done(run, size)


def _archive_jobs(run: _Run, path: str, file: Path, state: _FileState) -> Iterator[tuple[str, ParseJob]]:
    members = 0
    try:
        for item in iter_archive(path, file, run.settings.limits):
            if isinstance(item, MemberError):
                if item.path == path:
                    state.reasons.append(item.reason)
                else:
                    _fail(run, item.path, item.reason, member=True)
                continue
            members += 1
            state.jobs_open += 1
            yield path, ParseJob(item.path, item.data)
    except Exception as exc:  # an archive-reading bug must cost this archive, not the run
        state.reasons.append(f"archive reading failed: {type(exc).__name__}: {exc}")
    if not members and not state.reasons:
        state.reasons.append("no readable files inside")
    for reason in state.reasons:
        run.report.errors.append((path, reason))


def _documents(
    run: _Run, parsed: Iterator[tuple[str, ParseJob, ReadResult | UnreadableFile]]
) -> Iterator[_Pending]:
    """The new documents of each parsed job; failures recorded as they come."""
    conn, report = run.conn, run.report
    for path, job, result in parsed:
        state = run.files[path]
        if isinstance(result, UnreadableFile):
            if job.path == path:
                state.reasons.append(result.reason)
                report.errors.append((path, result.reason))
            else:
                _fail(run, job.path, result.reason, member=True)
        else:
            if result.errors:
                partial = "; ".join(result.errors[:5])
                state.reasons.append(partial if job.path == path else f"{job.path}: {partial}")
                report.errors.append((job.path, partial))
            for document in result.documents:
                sha = document.sha256
                if sha in run.seen_hashes:
                    report.documents_duplicate += 1
                    continue
                stored_under = repo.document_file(conn, sha)
                if stored_under is not None:
                    if stored_under != path:  # else stored by an interrupted run of this file
                        report.documents_duplicate += 1
                    continue
                run.seen_hashes.add(sha)
                state.expected += 1
                yield _Pending(path, state, document)
        # Only now is the job done: while its documents were still being handed on, a commit
        # that found every one handed on so far stored marked the file done, and the records
        # after the next commit boundary were lost (4,000 of 4,500 stored, "1 unchanged" after).
        state.jobs_open -= 1
        if state.complete:
            _file_done(run, state.size)


def _file_done(run: _Run, size: int) -> None:
    run.files_done += 1
    run.bytes_done += size


def _fail(run: _Run, path: str, reason: str, *, member: bool = False) -> None:
    """Record a file (or a file inside an archive) that could not be read, listed like any other."""
    if member:
        run.report.members_failed += 1
    else:
        run.report.files_failed += 1
    run.report.errors.append((path, reason))
    with run.conn:
        repo.record_file(
            run.conn, path, hashlib.sha256(path.encode()).hexdigest(), 0, documents=0, reason=reason
        )


_Item = tuple[Document, CleanText, _Pending]


def _cleaned(run: _Run, pending: Iterator[_Pending]) -> Generator[_Item]:
    """Clean each document with its source's repeated lines (boilerplate) removed.

    Lines are counted per chunk of new documents before any of them is cleaned. The counts and
    each chunk's boilerplate are journalled in the transaction that records them, so documents
    of a chunk an interrupted run had started are cleaned the same way when the rerun reaches them.
    """
    conn = run.conn
    cache: dict[tuple[int, str], frozenset[str]] = {}
    chunk: list[_Pending] = []
    for p in pending:
        journalled = repo.journal_chunk(conn, p.document.sha256)
        if journalled is None:
            chunk.append(p)
            if len(chunk) == CHUNK_DOCUMENTS:
                yield from _clean_chunk(run, chunk, cache)
                chunk = []
            continue
        key = (journalled, _source_of(p))
        if key not in cache:
            cache[key] = repo.journal_boilerplate(conn, *key)
        yield p.document, clean(p.document, cache[key]), p
    # A stopped run's last chunk is cut short: left unjournalled, it is chunked by the next run
    # as an uninterrupted run would have chunked it.
    if chunk and not run.stop.is_set():
        yield from _clean_chunk(run, chunk, cache)


def _clean_chunk(
    run: _Run, chunk: list[_Pending], cache: dict[tuple[int, str], frozenset[str]]
) -> Iterator[_Item]:
    conn, min_docs = run.conn, run.settings.boilerplate_min_docs
    for p in chunk:
        repo.count_lines(conn, _source_of(p), line_keys(p.document))
    number = repo.new_journal_chunk(conn, [p.document.sha256 for p in chunk])
    for source in dict.fromkeys(_source_of(p) for p in chunk):
        cache[(number, source)] = repo.boilerplate_lines(conn, source, min_docs)
        repo.journal_boilerplate_save(conn, number, source, cache[(number, source)])
    repo.set_state(conn, RESOLVE_PENDING, "1")
    conn.commit()
    for p in chunk:
        yield p.document, clean(p.document, cache[(number, _source_of(p))]), p


def _source_of(p: _Pending) -> str:
    """Where repeated lines count as boilerplate: the outlet if known, else the folder."""
    return p.document.source or str(Path(p.file_path).parent)
