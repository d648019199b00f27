"""Find the files to read under the paths the user gave, and say why anything else is not read."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something under the given paths that is not read, with the reason (listed like a failed file)."""

    path: Path
    reason: str


def file_size(path: Path) -> int:
    """The file's size in bytes; 0 when it cannot be looked at (its reading will say why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def discover(paths: Sequence[Path]) -> Iterator[Path]:
    """Every regular file under ``paths`` (each a directory or a file), in a deterministic order.

    The files of ``discover_all``, without the entries it reports as skipped.
    """
    return (entry for entry in discover_all(paths) if isinstance(entry, Path))


def discover_all(paths: Sequence[Path]) -> Iterator[Path | Skipped]:
    """Every regular file under ``paths``, and a ``Skipped`` for everything else that is not read.

    Each path's files come in sorted order (depth first, by name), paths in the order given.
    Names starting with "." are skipped silently below a given path (a hidden path given
    explicitly is kept). Symlinks are followed only to files inside one of the given paths;
    symlinked directories are not descended into (their target is either outside, or walked
    anyway). A file reachable twice (overlapping paths, links) is yielded once. Files of every
    suffix are yielded: deciding what is readable is the reader's job. Folders that cannot be
    listed, FIFOs, sockets and devices, symlink loops, dangling links and links leading outside
    the given paths come back as ``Skipped`` with the reason. Raises FileNotFoundError for a
    given path that does not exist.
    """
    roots = [path.resolve() for path in paths]
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            yield from _walk(path, roots, seen)
        elif stat.S_ISREG(status.st_mode):
            if _first_visit(status, seen):
                yield path
        else:  # never read a FIFO or device: reading one would block or never end
            yield Skipped(path, f"not a regular file ({_kind(status.st_mode)}): not read")


def _walk(root: Path, roots: list[Path], seen: set[tuple[int, int]]) -> Iterator[Path | Skipped]:
    # An explicit stack instead of recursion: hostile trees can be deeper than Python's stack.
    first = _sorted_entries(root)
    if isinstance(first, Skipped):
        yield first
        return
    stack = [first]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                found = _follow(path, roots, seen)
                if found is not None:
                    yield found
            elif entry.is_dir(follow_symlinks=False):
                entries = _sorted_entries(path)
                if isinstance(entries, Skipped):
                    yield entries
                else:
                    stack.append(entries)
            elif entry.is_file(follow_symlinks=False):
                if _first_visit(entry.stat(follow_symlinks=False), seen):
                    yield path
            else:
                kind = _kind(entry.stat(follow_symlinks=False).st_mode)
                yield Skipped(path, f"not a regular file ({kind}): not read")
        except OSError as exc:  # removed while walking, or a stat refused
            yield Skipped(path, f"cannot read: {exc.strerror or exc}")


def _sorted_entries(directory: Path) -> Iterator[os.DirEntry[str]] | Skipped:
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:  # permission denied, a path too long, or removed while walking
        return Skipped(directory, f"cannot read folder: {exc.strerror or exc}")
    return iter(entries)


def _follow(link: Path, roots: list[Path], seen: set[tuple[int, int]]) -> Path | Skipped | None:
    """The link itself when it leads to a regular file inside one of the roots (not yet seen);
    None for a link to a folder inside the roots (walked anyway) or to a file already read."""
    try:
        status = link.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Skipped(link, "symbolic link loop: not read")
        return Skipped(link, f"broken symbolic link ({exc.strerror or exc}): not read")
    target = Path(os.path.realpath(link))
    inside = any(target.is_relative_to(root) for root in roots)
    if stat.S_ISDIR(status.st_mode):
        return None if inside else Skipped(link, "link to a folder outside the given paths: not followed")
    if not stat.S_ISREG(status.st_mode):
        return Skipped(
            link, f"link to something that is not a regular file ({_kind(status.st_mode)}): not read"
        )
    if not inside:
        return Skipped(link, "link to a file outside the given paths: not followed")
    return link if _first_visit(status, seen) else None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _first_visit(status: os.stat_result, seen: set[tuple[int, int]]) -> bool:
    key = (status.st_dev, status.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True
