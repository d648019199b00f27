"""SQLite connection, schema migrations and the writer lock.

The schema version lives in ``PRAGMA user_version``; each ``migrations/NNN_*.sql`` file
moves the database from version NNN-1 to NNN inside one transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path


class StoreError(Exception):
    pass


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("threadline.store").joinpath("migrations")
    found = []
    for item in folder.iterdir():
        name = item.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), item.read_text(encoding="utf-8")))
    return sorted(found)


SCHEMA_VERSION = max(v for v, _ in _migrations())


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (and, unless read-only, create or upgrade) a threadline database.

    Raises StoreError when there is no database to read, or the file is not a threadline
    database (another kind of file, or one damaged past opening).
    """
    path = Path(path)
    if readonly:
        if not path.exists():
            raise StoreError(f"no database at {path}: run `threadline ingest` first")
        # A URI, so every character of the path must be quoted: a "#" or "?" in it was taken as
        # the start of a fragment or query, and another file was opened (and created) instead.
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        else:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise StoreError(
                    f"database schema is version {version}, this threadline needs {SCHEMA_VERSION}"
                )
    except sqlite3.DatabaseError as exc:
        conn.close()
        if not is_damaged(exc):  # locked, disk full, I/O: not the file's fault
            raise
        raise StoreError(damaged(path, exc)) from exc
    except BaseException:
        conn.close()
        raise
    return conn


# SQLite's primary result codes for a file that is not a database, or a damaged one.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def is_damaged(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file is not a database or is damaged (not a full disk, a lock,
    or a constraint)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def damaged(path: Path | str, exc: sqlite3.DatabaseError) -> str:
    """What to tell the user when SQLite finds ``path`` is not a database, or a damaged one."""
    return f"{path} is not a threadline database, or it is damaged ({exc})"


def lock_path(path: Path | str) -> Path:
    """The writer lock file of the database at ``path``: the same name with ".lock" added."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def writer_lock(path: Path | str, *, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the writer lock of the database at ``path`` for the block: one writer at a time.

    Two ingests at once used to fail half-way ("database is locked", "UNIQUE constraint failed").
    The lock is an flock on ``lock_path(path)``, taken by every writing command and never by
    readers (a read-only connection or the web app run beside a writer). A second writer waits
    for the first, after ``on_wait`` is called with a message that says so. The kernel releases
    the lock when its holder ends, however it ends, so a killed run never leaves it held.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            if on_wait is not None:
                who = f" (pid {holder})" if holder.isdigit() else ""
                on_wait(f"another threadline command{who} is writing to {path}; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations; returns the resulting schema version."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"database schema {version} is newer than this threadline ({SCHEMA_VERSION})")
    for number, sql in _migrations():
        if number <= version:
            continue
        # executescript commits implicitly, so the version bump rides inside the script itself.
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        version = number
    return version
