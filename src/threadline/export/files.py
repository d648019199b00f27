"""Writing export files so that a reader never sees half of one: each file is written beside its
target and renamed into place when complete."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """An open file that becomes ``path`` only when the block ends without an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    kwargs: dict[str, Any] = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    try:
        with open(partial, mode, **kwargs) as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """A UTF-8 CSV (RFC 4180 quoting, \\n line ends, empty cell for None); returns the row count."""
    count = 0
    with atomic(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def formula_safe(value: str | None) -> str | None:
    """A text cell a spreadsheet will not run as a formula: a leading ``'`` before = + - @ (and a
    tab or carriage return), as ``xref --csv`` does. Documents are untrusted text."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
