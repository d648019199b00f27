"""Benchmark the web app's entity page, the heaviest page, against the query it is built on.

    python benchmarks/web_entity.py DB [--people 20] [--repeat 5]

Opens DB read-only in the real app (through FastAPI's TestClient, so no network), requests
``/entity/{key}`` of the most mentioned people REPEAT times each, then times ``query.show`` for the
same people directly. The last line is machine-readable:

    entity_p95_ms=<.1f> show_p95_ms=<.1f>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
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


def _report(label: str, samples: list[float]) -> None:
    print(
        f"{label}: n={len(samples)} p50={statistics.median(samples):.1f} ms"
        f" p95={_percentile(samples, 95):.1f} ms max={max(samples):.1f} ms"
    )


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
    with TestClient(create_app(args.db)) as client:
        client.get(f"/entity/{people[0]}")  # warm up: templates compiled, first connection opened
        for key in people:
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(f"/entity/{key}")
                page_ms.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    print(f"/entity/{key} -> {response.status_code}", file=sys.stderr)
                    return 1

    show_ms: list[float] = []
    for key in people:
        for _ in range(args.repeat):
            started = time.perf_counter()
            query.show(conn, key)
            show_ms.append((time.perf_counter() - started) * 1000)

    _report("entity page", page_ms)
    _report("query.show ", show_ms)
    print(f"entity_p95_ms={_percentile(page_ms, 95):.1f} show_p95_ms={_percentile(show_ms, 95):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
