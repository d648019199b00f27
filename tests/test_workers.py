"""Parse isolation: a parser that hangs, crashes or eats memory costs only its own file.

The pool is real (worker processes, limits, kills); the jobs below stand in for hostile parsers.
They live at module level so the workers can import them.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

from tests.pdf_fixtures import scanned_pdf
from threadline.config import Limits
from threadline.ingest.base import ReadResult, UnreadableFile
from threadline.ingest.ocr import OcrOptions, ocr_options
from threadline.ingest.workers import POLL_SECONDS, ParseJob, ParsePool, parse_job
from threadline.model import Document


def hostile(job: ParseJob, limits: Limits, ocr: OcrOptions | None) -> ReadResult:
    match job.path:
        case "hang":
            time.sleep(3600)
        case "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        case "memory":
            hog = bytearray(3 * 1024**3)  # over the limit set below
            del hog
        case "bug":
            raise KeyError("reader bug")
        case "timeout":  # a reader's own TimeoutError must not look like the pool's wait
            raise TimeoutError("socket-ish timeout inside a reader")
        case "unreadable":
            raise UnreadableFile("no text")
    return ReadResult([Document(path=job.path, sha256=job.path, text=f"fine {job.path}")])


def test_hang_crash_and_memory_cost_only_their_own_file() -> None:
    limits = replace(Limits(), parse_seconds=2.0, parse_memory_bytes=1024**3)
    names = ["ok1", "hang", "ok2", "crash", "ok3", "memory", "bug", "unreadable", "timeout", "ok4"]
    started = time.monotonic()
    with ParsePool[str](2, limits, None, function=hostile) as pool:
        results = {tag: result for tag, _, result in pool.map((n, ParseJob(n, b"")) for n in names)}
    assert time.monotonic() - started < 60
    assert list(results) == names  # in submission order
    for name in ("ok1", "ok2", "ok3", "ok4"):
        result = results[name]
        assert isinstance(result, ReadResult) and result.documents[0].text == f"fine {name}"
    reasons = {name: getattr(results[name], "reason", "") for name in names}
    assert "stalled" in reasons["hang"]
    assert "SIGSEGV" in reasons["crash"]
    assert "memory" in reasons["memory"] or "crashed" in reasons["memory"]
    assert "KeyError" in reasons["bug"]
    assert "TimeoutError" in reasons["timeout"]
    assert reasons["unreadable"] == "no text"


def test_ocr_progress_is_reported_per_page(tmp_path: Path) -> None:
    ocr, why_not = ocr_options(True)
    assert ocr is not None, why_not
    path = scanned_pdf(tmp_path / "scan.pdf", ["First page names Timur Abenov.", "Second page."])
    seen: list[int] = []
    with ParsePool[str](1, Limits(), ocr, function=parse_job) as pool:
        ((_, _, result),) = list(
            pool.map([("scan", ParseJob(str(path), path))], on_progress=lambda p: seen.append(p.ocr_pages))
        )
        assert pool.progress.ocr_pages == 2
    assert isinstance(result, ReadResult) and "Abenov" in result.documents[0].text
    assert seen and seen[-1] == 2


def test_a_stop_request_ends_the_results_at_once_and_reports_nothing_after_it() -> None:
    # An ingest asked to stop (SIGTERM) must not wait for a slow parser, nor record the file of a
    # worker that the same signal killed as if its parser had crashed.
    limits = replace(Limits(), parse_seconds=3600.0)
    stop = threading.Event()
    names = ["ok1", "hang", "ok2"]
    seen: list[str] = []
    with ParsePool[str](2, limits, None, function=hostile) as pool:
        for tag, _, _ in pool.map(((n, ParseJob(n, b"")) for n in names), stop=stop.is_set):
            seen.append(tag)
            if tag == "ok1":  # the hanging job is running now: stop while waiting for it
                threading.Timer(0.5, stop.set).start()
                started = time.monotonic()
        stopped_after = time.monotonic() - started
    assert seen == ["ok1"]
    assert stopped_after < 0.5 + 2 * POLL_SECONDS + 1.0
