"""Size and time of every export format on one database.

    python benchmarks/export.py DB OUT_FOLDER ENTITY

Exports the whole database in each format (``threadline.export.export``), then the ego network of
ENTITY (one hop) as GEXF, into OUT_FOLDER, and prints one line per export: format, entities,
links, documents, seconds, megabytes. The database is only read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("db", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("entity", help="an entity name or id for the ego-network export")
    args = parser.parse_args(argv)

    from threadline.export import Selection, export
    from threadline.store.db import connect

    args.out.mkdir(parents=True, exist_ok=True)
    conn = connect(args.db, readonly=True)
    runs: list[tuple[str, Selection | None]] = [(f, None) for f in ("csv", "neo4j", "gexf", "graphml", "ftm")]
    runs.append(("gexf", Selection(entity=args.entity, hops=1)))
    print("format entities links documents seconds MB")
    for fmt, selection in runs:
        name = fmt + ("-ego" if selection else "") + ("" if fmt in ("csv", "neo4j") else f".{fmt}")
        target = args.out / name
        started = time.monotonic()
        result = export(conn, fmt, target, selection)
        seconds = time.monotonic() - started
        label = fmt + (" (ego)" if selection else "")
        print(
            f"{label} {result.entities} {result.links} {result.documents} {seconds:.1f} {_size(target) / 1e6:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
