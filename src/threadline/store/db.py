"""SQLite connection and schema migrations.

The schema version lives in ``PRAGMA user_version``; each ``migrations/NNN_*.sql`` file
moves the database from version NNN-1 to NNN inside one transaction.
"""

from __future__ import annotations

import sqlite3
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
    """Open (and, unless read-only, create or upgrade) a threadline database."""
    path = Path(path)
    if readonly:
        if not path.exists():
            raise StoreError(f"no database at {path}: run `threadline ingest` first")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False)
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
            raise StoreError(f"database schema is version {version}, this threadline needs {SCHEMA_VERSION}")
    return conn


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
