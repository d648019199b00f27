"""Parse files in worker processes with a memory limit and a stall timeout.

A parser that hangs, leaks or crashes (PDF and image libraries are C code fed hostile bytes)
costs only its file: the worker is killed or dies, the file is recorded with the reason, and
the pool starts a fresh worker. Results come back in submission order, so a run reads the same
way whatever the number of workers.

Worker processes never outlive the run that started them, however it ends (``kill -9``
included): see ``children_die_with_this_thread`` and ``_exit_with``.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import wait
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from threadline.config import Limits
from threadline.ingest.base import ReadResult, UnreadableFile
from threadline.ingest.ocr import OcrOptions

T = TypeVar("T")
POLL_SECONDS = 0.5
# Set once per worker process by _init_worker: where page progress goes. Process-local, never
# shared: the main process only reads the queue.
_events: Any = None


@dataclass(frozen=True, slots=True)
class ParseJob:
    """Read ``source`` (a file on disk, or bytes from an archive) as the document(s) at ``path``.

    ``sha256`` is the file's hash as the run read it: a parser elsewhere (a cluster worker) checks
    that the file it reads at that path is the same one."""

    path: str
    source: Path | bytes
    sha256: str | None = None


@dataclass(slots=True)
class Progress:
    """What the workers reported since the run started."""

    ocr_pages: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def ocr_pages_per_second(self) -> float:
        return self.ocr_pages / max(time.monotonic() - self.started, 1e-6)


# prctl(2) option: the signal this process gets when the thread that forked it ends.
_PR_SET_PDEATHSIG = 1
# Set, in the thread running an ingest, to that process's pid: processes it forks meanwhile (spaCy's
# NER workers) die with it. A ContextVar, not a global: it holds only for that thread's run.
_guarded_parent: ContextVar[int | None] = ContextVar("threadline_guarded_parent", default=None)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent: a forked child must not load libraries."""
    try:
        import ctypes

        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the other guards still hold
        return None
    return function


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send ``sig`` to this process when the thread that started it ends (Linux).

    Returns False where that is not available."""
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


@functools.cache
def _install_fork_hook() -> None:
    _prctl()
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _after_fork_in_child() -> None:
    parent = _guarded_parent.get()
    if parent is None:
        return
    # The parent decides when the run stops (a Ctrl-C reaches the whole process group, a service
    # manager's SIGTERM every process): a worker killed under it mid-batch would leave the parent
    # waiting on its pipe. It still dies with the parent, by SIGKILL.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if not die_with_parent() or os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


@contextlib.contextmanager
def children_die_with_this_thread() -> Iterator[None]:
    """While this is active, each process forked by this thread dies (SIGKILL) when the thread
    ends, and ignores SIGINT and SIGTERM, which the parent handles for it.

    For spaCy's NER workers, which are forked by ``nlp.pipe``: without it a ``kill -9`` of an
    ingest left them running for ever. Parse workers (``ParsePool``) guard themselves.
    """
    _install_fork_hook()
    token = _guarded_parent.set(os.getpid())
    try:
        yield
    finally:
        _guarded_parent.reset(token)


def _exit_with(owner: int) -> None:
    """End this process as soon as process ``owner`` has ended, whoever its parent is.

    Parse workers are children of the forkserver, not of the ingest, so the parent-death signal
    alone would wait for the forkserver; a thread watches the ingest process itself instead.
    """
    die_with_parent()  # when the forkserver goes
    try:
        handle = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)
    except (OSError, AttributeError):  # no pidfd (old kernel): poll instead
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while _alive(owner):
                time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="threadline-owner-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _init_worker(events: Any, memory_bytes: int, owner: int) -> None:
    global _events
    _events = events
    _exit_with(owner)
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract: one thread per worker
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):  # not on this platform: the timeout still guards
        pass


def _page_done(path: str) -> None:
    if _events is not None:
        _events.put(path)


def parse_job(job: ParseJob, limits: Limits, ocr: OcrOptions | None) -> ReadResult:
    """Runs in a worker: read the job's bytes and hand them to the format reader."""
    data = job.source.read_bytes() if isinstance(job.source, Path) else job.source
    return _read(job.path, data, limits, ocr)


def _read(path: str, data: bytes, limits: Limits, ocr: OcrOptions | None) -> ReadResult:
    from threadline.ingest.readers import read_file

    def on_page() -> None:
        _page_done(path)

    return read_file(Path(path), data, limits, ocr=ocr, on_page=on_page)


class Parsing(Protocol[T]):
    """What an ingest needs of its parser: ``ParsePool`` here, or a cluster's workers
    (``threadline.cluster.ClusterParsing``)."""

    progress: Progress

    def map(
        self,
        jobs: Iterable[tuple[T, ParseJob]],
        on_progress: Callable[[Progress], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[T, ParseJob, ReadResult | UnreadableFile]]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Parsing[T]: ...

    def __exit__(self, *exc: object) -> None: ...


class ParsePool(Generic[T]):
    """``map`` jobs over worker processes, yielding (tag, ReadResult or UnreadableFile) in order."""

    def __init__(
        self,
        workers: int,
        limits: Limits,
        ocr: OcrOptions | None,
        *,
        function: Callable[[ParseJob, Limits, OcrOptions | None], ReadResult] | None = None,
    ) -> None:
        """``function`` (a module-level function, run in the workers) defaults to ``parse_job``."""
        import pebble

        self.function = function or parse_job
        self.limits = limits
        self.ocr = ocr
        self.progress = Progress()
        # forkserver: workers start from a small clean process, not a copy of this one (which may
        # hold the NER model), so the memory limit measures the parser alone.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["threadline.ingest.readers"])
        # A SimpleQueue writes each page event to the pipe before put() returns (a Queue hands it to
        # a feeder thread), so every event of a job is readable once its result has arrived.
        self._events = context.SimpleQueue()
        self._pool = pebble.ProcessPool(
            max_workers=max(1, workers),
            initializer=_init_worker,
            initargs=(self._events, limits.parse_memory_bytes, os.getpid()),
            context=context,
        )
        self._window = 2 * max(1, workers) + 2
        self._activity: dict[str, float] = {}

    def __enter__(self) -> ParsePool[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (jobs still running are killed) and wait for them. Idempotent."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join()
        self._events.close()

    def map(
        self,
        jobs: Iterable[tuple[T, ParseJob]],
        on_progress: Callable[[Progress], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[T, ParseJob, ReadResult | UnreadableFile]]:
        """Results in submission order. Once ``stop()`` is true the results end, at the latest
        within ``POLL_SECONDS``; jobs still running are left for ``close`` to kill, and nothing
        that finished after the stop is reported (a worker killed by the same signal as this
        process must not be taken for a parser crash)."""
        stopped = stop or (lambda: False)
        pending: deque[tuple[T, ParseJob, Any]] = deque()
        for tag, job in jobs:
            if stopped():
                return
            future = self._pool.schedule(self.function, args=(job, self.limits, self.ocr))
            pending.append((tag, job, future))
            while len(pending) >= self._window:
                result = self._finish(*pending.popleft(), pending, on_progress, stopped)
                if result is None:
                    return
                yield result
        while pending:
            result = self._finish(*pending.popleft(), pending, on_progress, stopped)
            if result is None:
                return
            yield result

    def _finish(
        self,
        tag: T,
        job: ParseJob,
        future: Any,
        others: deque[tuple[T, ParseJob, Any]],
        on_progress: Callable[[Progress], None] | None,
        stopped: Callable[[], bool],
    ) -> tuple[T, ParseJob, ReadResult | UnreadableFile] | None:
        """The job's result, or None when the run was stopped first."""
        import pebble

        self._activity.setdefault(job.path, time.monotonic())
        # Wait for the job itself to end (a reader may raise TimeoutError of its own, which
        # result(timeout=...) could not tell from the wait running out).
        while not wait([future], timeout=POLL_SECONDS).done:
            if stopped():
                return None
            self._drain(on_progress)
            self._kill_stalled([(job, future), *((j, f) for _, j, f in others)])
        if stopped():
            return None
        result: ReadResult | UnreadableFile
        try:
            result = future.result()
        except UnreadableFile as exc:
            result = exc
        except pebble.ProcessExpired as exc:
            result = UnreadableFile(_died(exc))
        except MemoryError:
            result = UnreadableFile(
                f"parser ran out of memory (limit {self.limits.parse_memory_bytes >> 20} MB)"
            )
        except Exception as exc:  # a reader bug, or the stall timeout below: only this file
            if future.cancelled():
                result = UnreadableFile(f"parser stalled for {self.limits.parse_seconds:.0f} s; stopped")
            else:
                result = UnreadableFile(f"reader failed: {type(exc).__name__}: {str(exc)[:300]}")
        self._drain(on_progress)
        self._activity.pop(job.path, None)
        return tag, job, result

    def _drain(self, on_progress: Callable[[Progress], None] | None) -> None:
        now = time.monotonic()
        changed = False
        while True:
            try:
                if self._events.empty():
                    break
                path = self._events.get()
            except (OSError, ValueError):
                break
            self._activity[path] = now
            self.progress.ocr_pages += 1
            changed = True
        if changed and on_progress:
            on_progress(self.progress)

    def _kill_stalled(self, running: list[tuple[ParseJob, Any]]) -> None:
        """Cancel (which kills the worker of) a job that has shown no progress for too long."""
        now = time.monotonic()
        for job, future in running:
            if not future.running():
                continue
            since = self._activity.setdefault(job.path, now)
            if now - since > self.limits.parse_seconds:
                future.cancel()


def _died(exc: Exception) -> str:
    code = getattr(exc, "exitcode", None)
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"parser crashed ({name})"
    return f"parser process died ({exc})"
