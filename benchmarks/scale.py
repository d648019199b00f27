"""Ingest at scale: local processes against a Dask cluster, on generated news with planted truth.

    python benchmarks/scale.py [--docs 2000] [--workers 1 2] [--seed 1] [--score]

Generates ``--docs`` fictional documents with ``benchmarks/synth.py``, then ingests them into a
fresh database once per worker count W and executor:

- ``local``: today's path, spaCy's own W worker processes (``--processes W``);
- ``dask``: a Dask LocalCluster of W worker processes (``--cluster local:W``), the code path a
  remote cluster runs.

For each it prints documents/s and words/s over the whole ingest, words/s per worker, the peak
resident memory of the ingest process and of the largest worker, and the time of each corpus-wide
step (resolution, duplicates, dates, sources) run again on the finished database. With
``--score`` it scores the last database against the planted truth. The last line is
machine-readable:

    dask_vs_local_per_worker=<.2f> speedup_1_to_2=<.2f>

where the first is Dask's words/s per worker over the local path's words/s per process at the
largest W (1.0: the cluster costs nothing), and the second Dask's throughput at 2 workers over 1
(when both were run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from threadline.config import Settings
from threadline.pipeline import ingest, resolve_all
from threadline.store.dates import refresh_dates
from threadline.store.db import connect
from threadline.store.duplicates import rebuild_duplicates, rebuild_sources

HERE = Path(__file__).resolve().parent
_SYNTH = (sys.executable, str(HERE / "synth.py"))


@dataclass
class Measure:
    executor: str
    workers: int
    documents: int
    words: int
    seconds: float
    driver_rss_mb: float
    worker_rss_mb: float
    steps: dict[str, float]
    memory: list[tuple[float, float, float]]  # (seconds, ingest RSS MB, largest worker RSS MB)

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds

    def line(self) -> str:
        steps = " ".join(f"{name}={seconds:.1f}s" for name, seconds in self.steps.items())
        return (
            f"{self.executor:5} W={self.workers}: {self.documents} docs in {self.seconds:.1f}s,"
            f" {self.documents / self.seconds:.1f} docs/s, {self.words_per_s:,.0f} words/s,"
            f" {self.words_per_s / self.workers:,.0f} words/s per worker;"
            f" peak RSS ingest {self.driver_rss_mb:.0f} MB, worker {self.worker_rss_mb:.0f} MB;"
            f" corpus-wide: {steps}"
        )

    def memory_line(self) -> str:
        """Largest RSS in each quarter of the run: flat when memory does not grow with documents."""
        if not self.memory:
            return "memory: not sampled"
        quarters = []
        for q in range(4):
            part = [m for m in self.memory if q / 4 <= m[0] / self.seconds < (q + 1) / 4]
            if part:
                quarters.append(f"{max(m[1] for m in part):.0f}/{max(m[2] for m in part):.0f}")
        return "  RSS MB by quarter of the run (ingest/worker): " + ", ".join(quarters)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=2000, help="generated documents (default 2000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--executors", nargs="+", default=["local", "dask"], choices=["local", "dask"])
    parser.add_argument("--score", action="store_true", help="score the last database against the truth")
    parser.add_argument("--keep", type=Path, help="keep the generated documents and databases here")
    return parser.parse_args(argv)


def _child_peak_mb() -> float:
    """Peak RSS of this process's largest finished child (spaCy's workers), in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _corpus_steps(db: Path) -> dict[str, float]:
    """Each corpus-wide step again on the finished database, timed alone."""
    conn = connect(db)
    steps: dict[str, float] = {}
    try:
        for name, step in (
            ("resolve", resolve_all),
            ("duplicates", rebuild_duplicates),
            ("dates", refresh_dates),
            ("sources", rebuild_sources),
        ):
            started = time.perf_counter()
            with conn:
                step(conn)
            steps[name] = time.perf_counter() - started
    finally:
        conn.close()
    return steps


def _worker_peaks(client: Any) -> float:
    def peak() -> float:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    return max(client.run(peak).values(), default=0.0)


def _run(folder: Path, db: Path, executor: str, workers: int) -> Measure:
    """One ingest in a child process, so each measure starts cold and its peak memory is its own."""
    proc = subprocess.run(
        [sys.executable, __file__, "--_one", executor, str(workers), str(folder), str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{executor} W={workers} failed:\n{proc.stderr}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return Measure(**data)


def _sample_memory(started: float, samples: list[tuple[float, float, float]], done: threading.Event) -> None:
    """Every 2 s: this process's RSS and its largest descendant's (NER or Dask workers)."""
    import psutil  # type: ignore[import-untyped]  # installed with distributed

    me = psutil.Process()
    while not done.wait(2.0):
        worker = 0.0
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                worker = max(worker, child.memory_info().rss / 2**20)
        samples.append((time.perf_counter() - started, me.memory_info().rss / 2**20, worker))


def _one(executor: str, workers: int, folder: Path, db: Path) -> None:
    settings = replace(Settings(db_path=db), processes=workers)
    conn = connect(db)
    started = time.perf_counter()
    memory: list[tuple[float, float, float]] = []
    done = threading.Event()
    sampler = threading.Thread(target=_sample_memory, args=(started, memory, done), daemon=True)
    sampler.start()
    worker_rss = 0.0
    if executor == "dask":
        from threadline.cluster import ClusterSpec, open_cluster

        with open_cluster(ClusterSpec(None, workers)) as client:
            report = ingest(conn, [folder], settings, cluster=client)
            worker_rss = _worker_peaks(client)
    else:
        report = ingest(conn, [folder], settings)
        worker_rss = _child_peak_mb()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    conn.close()
    steps = _corpus_steps(db)
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "executor": executor,
                "workers": workers,
                "documents": report.documents_added,
                "words": report.words,
                "seconds": seconds,
                "driver_rss_mb": driver,
                "worker_rss_mb": worker_rss,
                "steps": steps,
                "memory": memory,
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["--_one"]:
        _one(raw[1], int(raw[2]), Path(raw[3]), Path(raw[4]))
        return 0
    args = _parse_args(raw)
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        folder = base / f"synth-{args.docs}-{args.seed}"
        if not folder.exists():
            started = time.perf_counter()
            subprocess.run(
                [*_SYNTH, "generate", str(folder), "--docs", str(args.docs), "--seed", str(args.seed)],
                check=True,
                capture_output=True,
            )
            print(f"generated {args.docs} documents in {time.perf_counter() - started:.1f}s")
        corpus = base / f"corpus-{args.docs}-{args.seed}"
        if not corpus.exists():  # the documents without the truth file (ingest refuses symlinks out)
            corpus.mkdir(parents=True)
            for file in folder.glob("*.txt"):
                os.link(file, corpus / file.name)
        measures: list[Measure] = []
        last_db: Path | None = None
        for workers in args.workers:
            for executor in args.executors:
                db = base / f"{executor}-{workers}.db"
                for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                    path.unlink(missing_ok=True)
                measure = _run(corpus, db, executor, workers)
                print(measure.line(), flush=True)
                print(measure.memory_line(), flush=True)
                measures.append(measure)
                last_db = db
        if args.score and last_db is not None:
            subprocess.run(
                [sys.executable, str(HERE / "synth.py"), "score", str(last_db), str(folder / "truth.json")]
            )
        _summary(measures)
    return 0


def _summary(measures: list[Measure]) -> None:
    by = {(m.executor, m.workers): m for m in measures}
    top = max((m.workers for m in measures), default=0)
    ratio = speedup = float("nan")
    if ("dask", top) in by and ("local", top) in by and by["local", top].words:
        ratio = by["dask", top].words_per_s / by["local", top].words_per_s
    if ("dask", 1) in by and ("dask", 2) in by and by["dask", 1].words:
        speedup = by["dask", 2].words_per_s / by["dask", 1].words_per_s
    print(f"dask_vs_local_per_worker={ratio:.2f} speedup_1_to_2={speedup:.2f}")


if __name__ == "__main__":
    sys.exit(main())
