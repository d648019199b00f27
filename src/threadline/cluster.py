"""Parsing and extraction on a Dask cluster: the costly stages of an ingest, spread over machines.

An ingest's extraction goes through one of three executors, all yielding
``(document, Extraction or the exception that stopped it, tag)`` in input order:

- in-process: ``extract_documents`` with ``n_process=1`` (small runs, tests);
- a local process pool: the same call with ``n_process > 1`` (spaCy's own workers; the default);
- a Dask cluster: ``extract_on_cluster`` here, with ``threadline ingest --cluster``.

Parsing (PDF, OCR, Office, mail) has the same choice through one interface
(``ingest.workers.Parsing``): the local ``ParsePool``, or ``ClusterParsing`` here, where each
worker reads the file from the path this process sees (a shared folder) or, when it sees no such
file or another one, gets the bytes from here. A worker parses in a process of its own under the
run's limits, as the local pool does, so a hostile file never costs the worker.

Both are pure functions of their input (a file; a document, its cleaned text and the
watchlist), so they go out as Dask tasks, each worker keeps its models, parsers and the watchlist
between tasks (``Models``, ``Parsers``), and results come back in order. Discovery and hashing,
cleaning (whose boilerplate counts see the whole run), storing and the corpus-wide steps stay
here, so the store, its commits and a killed run's resumption behave as without a cluster, and
the answers are the same.

A worker lost mid-run costs only its tasks: the scheduler runs them again elsewhere. A batch that
keeps killing workers (a hostile document) is retried one document at a time, so it costs only the
documents that fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import multiprocessing
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from distributed import WorkerPlugin

from threadline.config import Limits
from threadline.extract.extractor import ParsedParagraphs, ReuseStats, extract_documents, load_nlp
from threadline.ingest import file_size
from threadline.ingest.base import ReadResult, UnreadableFile
from threadline.ingest.ocr import OcrOptions
from threadline.ingest.workers import ParseJob, ParsePool, Progress
from threadline.model import CleanText, Document, Extraction, WatchlistPerson
from threadline.store.parts import WorkFolder, write_part

if TYPE_CHECKING:
    from distributed import Client

    from threadline.extract.language import LanguageDetector
    from threadline.extract.russian import RussianNER

T = TypeVar("T")
# A task holds up to 32 documents or 100,000 characters: big enough that its cost dwarfs the
# scheduler's few milliseconds, small enough that a lost worker loses little.
TASK_DOCUMENTS = 32
TASK_CHARACTERS = 100_000
# Tasks in flight per worker, and their characters: results come back in order, so while one
# worker reads a book (a task of its own) the others go on with what follows it, up to this.
TASKS_PER_WORKER = 16
CHARACTERS_PER_WORKER = 4_000_000
MAX_CHARACTERS_IN_FLIGHT = 64_000_000  # bounds this process's memory on a big cluster
TASK_RETRIES = 2
# A parse task holds up to 16 files or 16 MB of them (a larger file is a task of its own).
PARSE_TASK_JOBS = 16
PARSE_TASK_BYTES = 16 * 1024 * 1024
PLUGIN_NAME = "threadline-models"
PARSERS_NAME = "threadline-parsers"
WAIT_SECONDS = 1.0
NO_WORKERS_SECONDS = 60.0


class ClusterError(Exception):
    """The cluster could not be reached or used."""


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """``local:N`` (a LocalCluster of N worker processes here) or a scheduler address."""

    address: str | None
    local_workers: int = 0

    @classmethod
    def parse(cls, text: str) -> ClusterSpec:
        if text.startswith("local:"):
            try:
                workers = int(text.removeprefix("local:"))
            except ValueError:
                workers = 0
            if workers < 1:
                raise ClusterError(f"{text!r}: write local:N with N worker processes, N ≥ 1")
            return cls(None, workers)
        if "://" not in text:
            raise ClusterError(f"{text!r}: a scheduler address is written tcp://HOST:PORT (or local:N)")
        return cls(text)


@contextlib.contextmanager
def open_cluster(spec: ClusterSpec, timeout: float = 10.0) -> Iterator[Client]:
    """A client of the cluster ``spec`` names, closed (with its LocalCluster, if any) on exit."""
    import dask
    from distributed import Client, LocalCluster

    if spec.address is None:
        # One thread per worker process: spaCy holds the GIL, so more threads would only queue.
        # Not daemons, so that they can start parse processes (and their nannies restart them so).
        with (
            dask.config.set({"distributed.worker.daemon": False}),
            LocalCluster(
                n_workers=spec.local_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",  # never listens beyond this machine
                dashboard_address="127.0.0.1:0" if _has_dashboard() else None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(spec.address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"no Dask scheduler answered at {spec.address}: {exc}") from exc
    with client:
        yield client


def _has_dashboard() -> bool:
    """The dashboard needs bokeh, which threadline does not require; without it, none is served."""
    return importlib.util.find_spec("bokeh") is not None


def dashboard_link(client: Client) -> str | None:
    """The scheduler's dashboard address, when it serves one (a LocalCluster's, here, only with
    bokeh: without it the page only says bokeh is missing)."""
    if client.cluster is not None and not _has_dashboard():
        return None
    services = client.scheduler_info().get("services", {})
    return str(client.dashboard_link) if "dashboard" in services else None


def worker_count(client: Client) -> int:
    return len(client.scheduler_info().get("workers", {}))


class Models(WorkerPlugin):
    """Each worker process loads the NER models once, on first need, and keeps them, with the
    run's watchlist. As a plugin it reaches every worker, those that join or restart mid-run too
    (data scattered to the workers would die with them, and every task after it)."""

    name = PLUGIN_NAME

    def __init__(self, spacy_model: str, watchlist: Sequence[WatchlistPerson] = ()) -> None:
        self.spacy_model = spacy_model
        self.watchlist = list(watchlist)
        self.reuse = ReuseStats()  # what the paragraph caches saved, summed over this worker's threads
        self._parsed: dict[int, ParsedParagraphs] = {}
        self._nlp: Any = None
        self._russian: RussianNER | None = None
        self._detector: LanguageDetector | None = None

    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_nlp(self.spacy_model)
        return self._nlp

    def russian(self) -> RussianNER:
        if self._russian is None:
            from threadline.extract.russian import RussianNER

            self._russian = RussianNER()
        return self._russian

    def parsed(self) -> ParsedParagraphs:
        """This thread's Docs of paragraphs already parsed: an exact copy in a later task of the
        run is not parsed again either (a run registers its own plugin, so they last one run)."""
        return self._parsed.setdefault(threading.get_ident(), ParsedParagraphs(stats=self.reuse))

    def detector(self) -> LanguageDetector:
        if self._detector is None:
            from threadline.extract.language import LanguageDetector

            self._detector = LanguageDetector()
        return self._detector


class Parsers(WorkerPlugin):
    """Each worker thread parses in a ``ParsePool`` of one process of its own, under the run's
    limits: a parser that hangs, leaks or crashes costs that process and its file, never the
    worker, exactly as on one machine."""

    name = PARSERS_NAME

    def setup(self, worker: Any) -> None:
        self._pools: dict[tuple[int, Limits, OcrOptions | None], ParsePool[int]] = {}
        self._lock = threading.Lock()
        self.parsed = 0  # jobs this worker parsed: what a user (or a test) can ask a worker

    def pool(self, limits: Limits, ocr: OcrOptions | None) -> ParsePool[int]:
        key = (threading.get_ident(), limits, ocr)
        with self._lock:
            if key not in self._pools:
                self._pools[key] = ParsePool[int](1, limits, ocr)
            return self._pools[key]

    def teardown(self, worker: Any) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()


# What a parse task says back, beside its result.
PARSED = "parsed"
NOT_SHARED = "not shared"  # the worker sees no such file at the path, or another one
NO_PROCESSES = "no processes"  # the worker may not start a parse process (a daemon process)


def parse_on_worker(
    jobs: list[ParseJob], limits: Limits, ocr: OcrOptions | None
) -> list[tuple[str, ReadResult | UnreadableFile | str, int]]:
    """A Dask task: parse each job in this worker's parse process, in order; for each,
    (PARSED, its result, OCR pages), or why it was not parsed here (NOT_SHARED, NO_PROCESSES)."""
    from distributed import get_worker

    answers: list[tuple[str, ReadResult | UnreadableFile | str, int]] = [(PARSED, "", 0)] * len(jobs)
    if not can_start_processes():
        return [(NO_PROCESSES, "a daemon process", 0)] * len(jobs)
    here: list[tuple[int, ParseJob]] = []
    for n, job in enumerate(jobs):
        if isinstance(job.source, Path):
            try:
                with job.source.open("rb") as handle:
                    seen = hashlib.file_digest(handle, "sha256").hexdigest()
            except OSError as exc:
                answers[n] = (NOT_SHARED, f"{type(exc).__name__}: {exc}", 0)
                continue
            if job.sha256 is not None and seen != job.sha256:
                answers[n] = (NOT_SHARED, "another file at that path", 0)
                continue
        here.append((n, job))
    parsers = get_worker().plugins[PARSERS_NAME]
    assert isinstance(parsers, Parsers)
    pool = parsers.pool(limits, ocr)
    counted = pool.progress.ocr_pages  # a job's pages are all counted once its result is out
    for n, _, result in pool.map(here):
        parsers.parsed += 1
        answers[n] = (PARSED, result, pool.progress.ocr_pages - counted)
        counted = pool.progress.ocr_pages
    return answers


def can_start_processes() -> bool:
    """A daemon process may not (a Dask worker under a nanny is one unless configured not to be)."""
    return not multiprocessing.current_process().daemon


def why_not_parse_on(client: Client) -> str | None:
    """Why the cluster's workers cannot parse (then this machine does), or None if they can."""
    try:
        able = client.run(can_start_processes)
    except Exception as exc:  # a worker without threadline, say: the run could not go on there
        raise ClusterError(
            f"the cluster's workers cannot run threadline: {type(exc).__name__}: {exc}"
        ) from exc
    if all(able.values()):  # none yet: those that come are asked again, job by job
        return None
    return (
        "parsing runs on this machine, not the cluster: its workers are daemon processes, which"
        " cannot start the parse processes that isolate hostile files (start them with"
        " DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment, or with --no-nanny)"
    )


class ClusterParsing(Generic[T]):
    """``ParsePool``'s ``map`` with the parsing done by the cluster's workers (see the module
    docstring); results in submission order."""

    def __init__(
        self, client: Client, limits: Limits, ocr: OcrOptions | None, local_workers: int = 1
    ) -> None:
        """``local_workers``: the size of the local pool that parses a job no worker could (one
        that joined the cluster as a daemon process)."""
        self.client = client
        self.limits = limits
        self.ocr = ocr
        self.progress = Progress()
        self.shared = True  # until a worker sees another file at a path: then bytes are sent
        self._local_workers = local_workers
        self._local: ParsePool[None] | None = None
        client.register_plugin(Parsers())
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())
        self._window = 2 * max(1, threads) + 2

    def __enter__(self) -> ClusterParsing[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None

    def map(
        self,
        jobs: Iterable[tuple[T, ParseJob]],
        on_progress: Callable[[Progress], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[T, ParseJob, ReadResult | UnreadableFile]]:
        stopped = stop or (lambda: False)
        pending: deque[tuple[list[tuple[T, ParseJob]], Any]] = deque()
        try:
            for group in _parse_groups(jobs, stopped):
                pending.append((group, self._submit([job for _, job in group])))
                while len(pending) >= self._window:
                    done = self._finish(*pending.popleft(), on_progress, stopped)
                    if done is None:
                        return
                    yield from done
            while pending:
                done = self._finish(*pending.popleft(), on_progress, stopped)
                if done is None:
                    return
                yield from done
        finally:
            for _, future in pending:
                future.cancel()

    def _submit(self, jobs: list[ParseJob]) -> Any:
        if not self.shared:  # the bytes go with the task (a file unreadable here is the task's to say)
            jobs = [_with_bytes(job) for job in jobs]
        return self.client.submit(
            parse_on_worker, jobs, self.limits, self.ocr, retries=TASK_RETRIES, pure=False, priority=1
        )

    def _finish(
        self,
        group: list[tuple[T, ParseJob]],
        future: Any,
        on_progress: Callable[[Progress], None] | None,
        stopped: Callable[[], bool],
    ) -> list[tuple[T, ParseJob, ReadResult | UnreadableFile]] | None:
        """The group's results in order, or None when the run was stopped first."""
        from distributed import KilledWorker

        try:
            answers = _wait(self.client, future, stopped)
        except KilledWorker as exc:
            if len(group) > 1:  # each file alone, so a file that kills workers costs only itself
                done: list[tuple[T, ParseJob, ReadResult | UnreadableFile]] = []
                for item in group:
                    one = self._finish([item], self._submit([item[1]]), on_progress, stopped)
                    if one is None:
                        return None
                    done += one
                return done
            reason = f"its parsing stopped {TASK_RETRIES + 1} cluster workers: {exc}"
            return [(group[0][0], group[0][1], UnreadableFile(reason))]
        except ClusterError:
            raise
        except Exception as exc:  # the task catches what parsing raises: this is the cluster's own
            raise ClusterError(f"a task failed on the cluster: {type(exc).__name__}: {exc}") from exc
        if answers is None:
            return None
        done = []
        pages = 0
        for (tag, job), (said, result, job_pages) in zip(group, answers, strict=True):
            if said == NOT_SHARED:
                self.shared = False  # and from now on for every file: one check per run is enough
                again = self._finish([(tag, job)], self._submit([job]), on_progress, stopped)
                if again is None:
                    return None
                done += again
                continue
            if said == NO_PROCESSES:
                here = self._parse_here(tag, job, stopped)
                if here is None:
                    return None
                done.append(here)
                continue
            assert not isinstance(result, str)
            pages += job_pages
            done.append((tag, job, result))
        self.progress.ocr_pages += pages
        if pages and on_progress:
            on_progress(self.progress)
        return done

    def _parse_here(
        self, tag: T, job: ParseJob, stopped: Callable[[], bool]
    ) -> tuple[T, ParseJob, ReadResult | UnreadableFile] | None:
        """The job parsed by a local pool, for a worker that may not start processes."""
        if self._local is None:
            self._local = ParsePool[None](self._local_workers, self.limits, self.ocr)
        before = self._local.progress.ocr_pages
        for _, _, result in self._local.map([(None, job)], stop=stopped):
            self.progress.ocr_pages += self._local.progress.ocr_pages - before
            return tag, job, result
        return None


def _with_bytes(job: ParseJob) -> ParseJob:
    """The job with its file's bytes read here, for workers that do not see the file."""
    if not isinstance(job.source, Path):
        return job
    try:
        return ParseJob(job.path, job.source.read_bytes(), job.sha256)
    except OSError:
        return job  # the worker says it cannot read it either, and the parser records why


def _parse_groups(
    jobs: Iterable[tuple[T, ParseJob]], stopped: Callable[[], bool]
) -> Iterator[list[tuple[T, ParseJob]]]:
    """Parse tasks of up to PARSE_TASK_JOBS files or PARSE_TASK_BYTES bytes: one task a file cost
    the scheduler and the ingest process more than a text file's parsing does."""
    group: list[tuple[T, ParseJob]] = []
    size = 0
    for tag, job in jobs:
        if stopped():
            return
        length = len(job.source) if isinstance(job.source, bytes) else file_size(job.source)
        if group and size + length > PARSE_TASK_BYTES:
            yield group
            group, size = [], 0
        group.append((tag, job))
        size += length
        if len(group) == PARSE_TASK_JOBS:
            yield group
            group, size = [], 0
    if group and not stopped():
        yield group


def extract_batch(
    items: list[tuple[Document, CleanText]],
    batch_size: int,
    work: tuple[str, list[str]] | None = None,
) -> list[Extraction | Exception]:
    """A Dask task: extract each document of ``items`` with this worker's models, in order.

    With ``work`` (a work folder and each item's key), the extractions are first written there as
    one Parquet part (``store.parts``), so a run that stops before storing them need not redo them."""
    from distributed import get_worker

    models = get_worker().plugins[PLUGIN_NAME]
    assert isinstance(models, Models)
    extracted = extract_documents(
        ((document, clean, None) for document, clean in items),
        models.nlp(),
        models.watchlist,
        batch_size=batch_size,
        detector=models.detector(),
        load_russian=models.russian,
        parsed=models.parsed(),
    )
    results = [_portable(extraction) for _, extraction, _ in extracted]
    if work is not None:
        folder, keys = work
        done = [(k, r) for k, r in zip(keys, results, strict=True) if not isinstance(r, Exception)]
        try:
            write_part(Path(folder), done)
        except OSError as exc:  # a resumption aid only: the run goes on without it
            logging.getLogger(__name__).warning("no part written to %s: %s", folder, exc)
    return results


def _portable(result: Extraction | Exception) -> Extraction | Exception:
    """An exception that cannot travel back to the driver becomes one that says what it was."""
    if isinstance(result, Exception):
        try:
            pickle.loads(pickle.dumps(result))
        except Exception:
            return RuntimeError(f"{type(result).__name__}: {result}")
    return result


def extract_on_cluster(
    client: Client,
    items: Iterable[tuple[Document, CleanText, T]],
    watchlist: Sequence[WatchlistPerson],
    *,
    spacy_model: str,
    batch_size: int = 32,
    stop: Callable[[], bool] = lambda: False,
    models: Models | None = None,
    work: WorkFolder | None = None,
) -> Iterator[tuple[Document, Extraction | Exception, T]]:
    """``extract_documents`` with the work done by the cluster's workers; yields in input order.

    The tasks in flight are bounded in number and characters, so memory here stays bounded
    whatever the number of documents. Tags never leave this process. Once ``stop()`` is true the
    results end within a second; a cluster left without workers for ``NO_WORKERS_SECONDS`` raises
    ClusterError (a scheduler only waits for workers to come back, and the run would wait too).
    ``models`` replaces the workers' ``Models(spacy_model, watchlist)`` (a subclass, importable by
    them). With ``work``, a document whose extraction a part there holds is not sent out, and the
    workers write a part of each task's extractions (``store.parts``).
    """
    client.register_plugin(models or Models(spacy_model, watchlist))
    workers = max(1, worker_count(client))
    max_tasks = TASKS_PER_WORKER * workers + 2
    max_characters = min(CHARACTERS_PER_WORKER * workers, MAX_CHARACTERS_IN_FLIGHT)
    pending: deque[tuple[list[tuple[Document, CleanText, T]], Any]] = deque()

    def submit(batch: list[tuple[Document, CleanText, T]]) -> Any:
        keys = (str(work.folder), [work.key(d, c) for d, c, _ in batch]) if work is not None else None
        return client.submit(
            extract_batch,
            [(document, clean) for document, clean, _ in batch],
            batch_size,
            keys,
            retries=TASK_RETRIES,
            pure=False,
        )

    def collect(
        batch: list[tuple[Document, CleanText, T]], future: Any
    ) -> Iterator[tuple[Document, Extraction | Exception, T]]:
        from distributed import KilledWorker

        if isinstance(future, list):  # taken from the work folder
            results: list[Extraction | Exception] | None = future
        else:
            try:
                results = _wait(client, future, stop)
            except KilledWorker as exc:  # its workers died each time it ran: something in it kills them
                if len(batch) == 1:
                    results = [RuntimeError(f"it stopped {TASK_RETRIES + 1} cluster workers: {exc}")]
                else:  # each document alone, so a hostile one costs only itself
                    singles = [(item, submit([item])) for item in batch]
                    for item, single in singles:
                        yield from collect([item], single)
                    return
            except (ClusterError, _Stopped):
                raise
            except Exception as exc:  # documents fail inside the task, so this is the cluster's own
                raise ClusterError(f"a task failed on the cluster: {type(exc).__name__}: {exc}") from exc
        if results is None:
            raise _Stopped
        for (document, _, tag), extraction in zip(batch, results, strict=True):
            yield document, extraction, tag

    def taken(item: tuple[Document, CleanText, T]) -> Extraction | None:
        return work.take(work.key(item[0], item[1])) if work is not None and len(work) else None

    try:
        in_flight = 0
        for batch, ready in _batches(items, taken):
            if ready is not None:
                pending.append((batch, ready))
            else:
                pending.append((batch, submit(batch)))
                in_flight += _characters(batch)
            while pending and (len(pending) >= max_tasks or in_flight >= max_characters):
                head = pending.popleft()
                if not isinstance(head[1], list):
                    in_flight -= _characters(head[0])
                yield from collect(*head)
        while pending:
            yield from collect(*pending.popleft())
    except _Stopped:
        return
    finally:
        for _, future in pending:
            if not isinstance(future, list):
                future.cancel()


def _wait(client: Client, future: Any, stop: Callable[[], bool]) -> Any:
    """The future's result; None once ``stop()`` is true. A cluster left without workers for
    NO_WORKERS_SECONDS raises ClusterError (its scheduler would wait for ever)."""
    alone_since: float | None = None
    while True:
        try:
            return future.result(timeout=WAIT_SECONDS)
        except TimeoutError:
            pass
        if stop():
            return None
        if worker_count(client):
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since > NO_WORKERS_SECONDS:
            raise ClusterError(f"the cluster has had no workers for {NO_WORKERS_SECONDS:.0f} s")


class _Stopped(Exception):
    """The run was asked to stop while waiting for a task."""


def _characters(batch: list[tuple[Document, CleanText, T]]) -> int:
    return sum(len(clean.text) for _, clean, _ in batch)


def _batches(
    items: Iterable[tuple[Document, CleanText, T]],
    taken: Callable[[tuple[Document, CleanText, T]], Extraction | None] = lambda item: None,
) -> Iterator[tuple[list[tuple[Document, CleanText, T]], list[Extraction | Exception] | None]]:
    """Tasks of up to TASK_DOCUMENTS documents or TASK_CHARACTERS characters (a longer document
    is a task of its own), each with None; an item whose extraction ``taken`` finds comes alone,
    with it, in its place in the order."""
    batch: list[tuple[Document, CleanText, T]] = []
    size = 0
    for item in items:
        found = taken(item)
        if found is not None:
            if batch:
                yield batch, None
                batch, size = [], 0
            yield [item], [found]
            continue
        length = len(item[1].text)
        if batch and size + length > TASK_CHARACTERS:
            yield batch, None
            batch, size = [], 0
        batch.append(item)
        size += length
        if len(batch) == TASK_DOCUMENTS:
            yield batch, None
            batch, size = [], 0
    if batch:
        yield batch, None
