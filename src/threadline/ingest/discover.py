"""Find the files to read under the paths the user gave."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path


def discover(paths: Sequence[Path]) -> Iterator[Path]:
    """Every regular file under ``paths`` (each a directory or a file), in a deterministic order.

    Each path's files come in sorted order (depth first, by name), paths in the order given.
    Names starting with "." are skipped below a given path (a hidden path given explicitly is
    kept). Symlinks are followed only to files inside one of the given paths; symlinked
    directories are not descended into (their target is either outside, or walked anyway).
    A file reachable twice (overlapping paths, links) is yielded once. Files of every suffix
    are yielded: deciding what is readable is the reader's job. Unreadable directories are
    skipped. Raises FileNotFoundError for a given path that does not exist.
    """
    roots = [path.resolve() for path in paths]
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            yield from _walk(path, roots, seen)
        elif stat.S_ISREG(status.st_mode) and _first_visit(status, seen):
            yield path  # never a FIFO or device: reading one would block or never end


def _walk(root: Path, roots: list[Path], seen: set[tuple[int, int]]) -> Iterator[Path]:
    # An explicit stack instead of recursion: hostile trees can be deeper than Python's stack.
    stack = [_sorted_entries(root)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            if _is_followable_link(path, roots) and _first_visit(path.stat(), seen):
                yield path
        elif entry.is_dir(follow_symlinks=False):
            stack.append(_sorted_entries(path))
        elif entry.is_file(follow_symlinks=False) and _first_visit(entry.stat(), seen):
            yield path


def _sorted_entries(directory: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:  # permission denied, or removed while walking: nothing to read there
        return iter(())
    return iter(entries)


def _is_followable_link(link: Path, roots: list[Path]) -> bool:
    """A link to a regular file inside one of the roots (never to a directory, device or FIFO)."""
    try:
        target = link.resolve(strict=True)
        mode = target.stat().st_mode
    except (OSError, RuntimeError):  # dangling, or a loop
        return False
    return stat.S_ISREG(mode) and any(target.is_relative_to(root) for root in roots)


def _first_visit(status: os.stat_result, seen: set[tuple[int, int]]) -> bool:
    key = (status.st_dev, status.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True
