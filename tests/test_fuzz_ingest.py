"""Soak: random mixtures of hostile input, ingested through the CLI with kills at random moments.

Each round writes a folder mixing the cases of issue 12 (multi-record files whose sizes sit on
spaCy's batch and the commit boundaries, names that are not UTF-8 or hold a newline, NUL bytes,
FIFOs, symlink loops, a folder that cannot be listed, a zip with a mislabelled member name),
starts an ingest, kills it (SIGKILL to the main process only, or SIGTERM) at a random moment or
lets it finish, runs it again to the end, and checks the invariants:

- no process of a run outlives it, whatever ended it;
- every file is stored (a multi-record file with every one of its records) or listed in
  ``threadline errors``, and so is everything that was not read;
- every stored sentence is exactly ``text[start:end]``, read back as the queries read it;
- a rerun adds nothing.

The seed is random per run and shown on failure; set THREADLINE_FUZZ_SEED to replay one.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.test_reliability_ingest import (
    PEOPLE,
    Run,
    cli,
    session_processes,
    stored,
    wait_until,
    write_mbox,
)
from threadline import query
from threadline.store.db import connect

pytestmark = pytest.mark.slow

ROUNDS = 2
BOUNDARY_SIZES = (31, 32, 33, 64, 499, 500, 501, 1000)


@dataclass
class Pile:
    """What a round wrote: paths as threadline stores them, and what each must become."""

    root: Path
    records: dict[str, int] = field(default_factory=dict)  # stored with exactly this many documents
    readable: set[str] = field(default_factory=set)  # stored (one document or more)
    listed: set[str] = field(default_factory=set)  # in `threadline errors`


def shown(path: Path | str) -> str:
    """A path as threadline shows it: bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _line(rng: random.Random, tag: str) -> str:
    a, b = rng.sample(PEOPLE, 2)
    return f"{a} met {b} in Almaty about case {tag} and a payment of {rng.randint(2, 999)} thousand."


def make_pile(root: Path, rng: random.Random) -> Pile:
    pile = Pile(root)
    docs = root / "docs"
    docs.mkdir(parents=True)
    for n in range(rng.choice([3, 10, 70])):  # 64 files or more start spaCy's worker processes
        path = docs / f"note{n:03d}.txt"
        path.write_text("\n".join(_line(rng, f"{n}-{k}") for k in range(rng.randint(1, 8))) + "\n")
        pile.readable.add(str(path))
    for n in range(rng.randint(1, 2)):
        count = rng.choice(BOUNDARY_SIZES)
        path = root / f"records{n}.jsonl"
        with path.open("w") as out:
            for k in range(count):
                out.write(json.dumps({"text": f"Record {n}-{k}. {_line(rng, f'r{n}-{k}')}"}) + "\n")
        pile.records[str(path)] = count
    if rng.random() < 0.5:
        count = rng.choice((32, 33, 64))
        write_mbox(root / "box.mbox", count, seed=rng.randrange(1000))
        pile.records[str(root / "box.mbox")] = count
    # names: bytes that are not UTF-8, a newline, a tab
    for raw in (b"bad\xff\xfename.txt", b"line\nbreak.txt", b"tab\there.txt"):
        path = Path(os.fsdecode(bytes(root) + b"/" + raw))
        path.write_text(_line(rng, raw.hex()) + "\n")
        pile.readable.add(shown(path))
    # NUL and other control bytes inside sentences
    nul = root / "nul.txt"
    nul.write_bytes(
        f"{_line(rng, 'nul')}\x00 {_line(rng, 'nul2')}\n{PEOPLE[0]}\x00\x01 met {PEOPLE[1]}.\n".encode()
    )
    pile.readable.add(str(nul))
    # a zip whose member name is flagged UTF-8 but is cp437
    archive = root / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("placeholder.txt", _line(rng, "zip1"))
        z.writestr("plain.txt", _line(rng, "zip2"))
    data = bytearray(archive.read_bytes().replace(b"placeholder.txt", b"r\x82sum\x82_1234.txt"))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + flag_at + 1] |= 0x08
    archive.write_bytes(bytes(data))
    pile.records[str(archive)] = 2
    # what cannot be read: each must be listed
    odd = root / "odd"
    odd.mkdir()
    os.mkfifo(odd / "pipe.txt")
    (odd / "loop1.txt").symlink_to(odd / "loop2.txt")
    (odd / "loop2.txt").symlink_to(odd / "loop1.txt")
    (odd / "gone.txt").symlink_to(root / "missing.txt")
    (odd / "empty.txt").write_bytes(b"")
    (odd / "noise.txt").write_bytes(rng.randbytes(3000))
    pile.listed |= {
        str(odd / n) for n in ("pipe.txt", "loop1.txt", "loop2.txt", "gone.txt", "empty.txt", "noise.txt")
    }
    pile.listed.add(_too_long_folder(odd))
    return pile


def _too_long_folder(parent: Path) -> str:
    """A folder whose path is too long to open: unreadable, even for root. Returns that path."""
    fd = os.open(parent, os.O_RDONLY)
    path = str(parent)
    while len(path) <= 4096:
        os.mkdir("d" * 250, dir_fd=fd)
        fd, previous = os.open("d" * 250, os.O_RDONLY, dir_fd=fd), fd
        os.close(previous)
        path += "/" + "d" * 250
    with open(os.open("inside.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as out:
        out.write("Nobody can read this.")
    os.close(fd)
    return path


def _ingest_killed_at_random(db: Path, pile: Pile, rng: random.Random) -> str:
    """One run, killed at a random moment or not; returns what happened."""
    how = rng.choice(["SIGKILL", "SIGKILL", "SIGTERM", "none"])
    delay = rng.uniform(0.5, 8.0)
    with Run(db, "ingest", str(pile.root), "--no-progress") as run:
        try:
            run.proc.wait(timeout=delay if how != "none" else 300)
        except subprocess.TimeoutExpired:
            os.kill(run.pid, getattr(signal, how))  # the main process only: its workers must follow
        code, _, err = run.finish(timeout=120)
        wait_until(lambda: session_processes(run.pid) == [], 15, f"the processes of a run ended by {how}")
    assert "Traceback" not in err, err
    return f"{how} after {delay:.1f} s (exit {code})"


def _check(db: Path, pile: Pile, history: list[str]) -> None:
    files = {
        path: (status, documents)
        for path, status, documents in stored(db, "SELECT path, status, documents FROM files")
    }
    conn = connect(db, readonly=True)  # what `threadline errors` and `show` print, read in-process
    try:
        errors = {r["path"] for r in query.errors(conn)}
        show = query.show(conn, PEOPLE[0])
    finally:
        conn.close()
    for path, count in pile.records.items():
        assert files.get(path) == ("ok", count), (path, files.get(path), history)
    for path in pile.readable:
        assert path in files and files[path][1] >= 1, (path, files.get(path), history)
    for path in pile.listed:
        assert path in errors, (path, history)
    assert stored(db, "SELECT COUNT(*) FROM documents") == [(sum(d for _, d in files.values()),)]
    # every sentence, cut the way the queries cut it, is the Python slice of the stored text
    texts = dict(stored(db, "SELECT id, text FROM documents"))
    rows = stored(
        db,
        "SELECT document_id, start, end, substr((SELECT text FROM documents WHERE id = document_id), start + 1, end - start) FROM sentences",
    )
    assert rows and all(texts[d][s:e] == cut and "\x00" not in cut for d, s, e, cut in rows), history
    by_path = dict(stored(db, "SELECT path, text FROM documents"))
    for connection in show["connections"]:
        for ev in connection["evidence"]:
            assert ev["sentence"] == by_path[ev["path"]][ev["start"] : ev["end"]], (ev, history)


def test_random_hostile_piles_killed_at_random_moments(tmp_path: Path) -> None:
    seed = int(os.environ.get("THREADLINE_FUZZ_SEED") or random.randrange(1_000_000))
    rng = random.Random(seed)
    started = time.monotonic()
    for round_number in range(ROUNDS):
        pile = make_pile(tmp_path / f"round{round_number}", rng)
        db = tmp_path / f"round{round_number}.db"
        history = [f"seed {seed}, round {round_number}", _ingest_killed_at_random(db, pile, rng)]
        finished = cli(db, "ingest", str(pile.root), "--json")
        assert finished.returncode == 0, (finished.stderr, history)
        _check(db, pile, history)
        again = json.loads(cli(db, "ingest", str(pile.root), "--json").stdout)
        assert again["documents_added"] == 0, (again, history)
        assert again["files_skipped"] + again["files_failed"] == again["files_seen"], (again, history)
    assert time.monotonic() - started < 240, f"seed {seed}: the soak is meant to stay well under a minute"
