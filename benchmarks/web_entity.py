"""Benchmark the web app's entity page, the heaviest page, against the query it is built on.

    python benchmarks/web_entity.py DB [--people 20] [--repeat 5]

Opens DB read-only in the real app (through FastAPI's TestClient, so no network), requests
``/entity/{key}`` of the most mentioned people REPEAT times each, then times ``query.show`` for the
same people directly. The last line is machine-readable (wall-clock milliseconds):

    entity_p95_ms=<.1f> show_p95_ms=<.1f>

The lines before it also give CPU milliseconds per request (the app runs in this process), which
stay meaningful when other work competes for the cores and stretches the wall clock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from fastapi.testclient import TestClient

from threadline import query
from threadline.store.db import connect
from threadline.web import create_app


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("db", type=Path, help="a threadline database (opened read-only)")
    parser.add_argument(
        "--people", type=int, default=20, help="most mentioned people to request (default 20)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="requests per person (default 5)")
    return parser.parse_args(argv)


def _percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of samples (milliseconds)."""
    ordered = sorted(samples)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _report(label: str, wall: list[float], cpu: list[float]) -> None:
    print(
        f"{label}: n={len(wall)} wall p50={statistics.median(wall):.1f} p95={_percentile(wall, 95):.1f}"
        f" max={max(wall):.1f} ms; cpu p50={statistics.median(cpu):.1f} p95={_percentile(cpu, 95):.1f} ms"
    )


def _timed(call: Callable[[], object], wall: list[float], cpu: list[float]) -> object:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = call()
    wall.append((time.perf_counter() - started) * 1000)
    cpu.append((time.process_time() - started_cpu) * 1000)
    return result


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    conn = connect(args.db, readonly=True)
    people = [p["id"] for p in query.entities(conn, type="person", limit=args.people)]
    if not people:
        print(f"no people in {args.db}", file=sys.stderr)
        return 1
    documents = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    print(f"{args.db}: {documents} documents; {len(people)} people x {args.repeat} requests")

    page_ms: list[float] = []
    page_cpu: list[float] = []
    with TestClient(create_app(args.db), base_url="http://127.0.0.1") as client:
        client.get(f"/entity/{people[0]}")  # warm up: templates compiled, first connection opened
        for key in people:
            for _ in range(args.repeat):
                response = _timed(partial(client.get, f"/entity/{key}"), page_ms, page_cpu)
                status = getattr(response, "status_code", None)
                if status != 200:
                    print(f"/entity/{key} -> {status}", file=sys.stderr)
                    return 1

    show_ms: list[float] = []
    show_cpu: list[float] = []
    for key in people:
        for _ in range(args.repeat):
            _timed(partial(query.show, conn, key), show_ms, show_cpu)

    _report("entity page", page_ms, page_cpu)
    _report("query.show ", show_ms, show_cpu)
    print(f"entity_p95_ms={_percentile(page_ms, 95):.1f} show_p95_ms={_percentile(show_ms, 95):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
