"""Hostile input and crashes, through the CLI: 1,000 malformed files, and kill -9 mid-ingest."""

from __future__ import annotations

import io
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.pdf_fixtures import page_image, text_pdf

pytestmark = pytest.mark.slow


def threadline(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "threadline", "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: kill -9 reaches the workers too
    )


def finish(proc: subprocess.Popen[str], timeout: float = 900) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


# --- 1,000 malformed files ------------------------------------------------------------------------------


def _malformed_folder(root: Path, rng: random.Random) -> list[Path]:
    """1,000 files: random bytes under every supported suffix, truncated PDFs and Office files,
    wrong encodings, broken archives and a few traps, each small."""
    good_pdf = text_pdf(root / "_seed.pdf", ["A report naming Daniyar Kassenov on page one."]).read_bytes()
    (root / "_seed.pdf").unlink()
    png = io.BytesIO()
    page_image("A scanned note").save(png, "PNG")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("word/document.xml", "<w:document>" * 50)
    makers = [
        lambda: rng.randbytes(rng.randint(1, 3000)),
        lambda: good_pdf[: rng.randint(10, len(good_pdf) - 1)],
        lambda: b"%PDF-1.4\n" + rng.randbytes(800),
        lambda: png.getvalue()[: rng.randint(8, 600)],
        lambda: zipped.getvalue()[: rng.randint(4, len(zipped.getvalue()))],
        lambda: "Встреча с Даниром Касеновым в Астане.\n".encode("cp1251") * rng.randint(1, 20),
        lambda: "Meeting notes on Rustam Abenov.\n".encode("utf-16-le") * rng.randint(1, 10),
        lambda: b"<html><body>" + b"<div>" * 3000 + b"Timur Abenov" + b"</p>" * 10,
        lambda: b'{"text": "unterminated ' + rng.randbytes(50),
        lambda: b"From: =?utf-8?B?////?= <\x00@\xff>\nSubject: \xfe\xff\n\n" + rng.randbytes(200),
        lambda: b"\xef\xbb\xbf" + b"\x00" * rng.randint(0, 500),
        lambda: b"",
    ]
    suffixes = [
        ".txt", ".md", ".html", ".eml", ".mbox", ".json", ".jsonl", ".csv", ".pdf", ".docx", ".xlsx",
        ".msg", ".png", ".jpg", ".tif", ".zip", ".tar.gz", ".tar", ".bin",
    ]  # fmt: skip
    paths = []
    for number in range(1000):
        folder = root / f"box{number % 7}"
        folder.mkdir(exist_ok=True)
        path = folder / f"item{number:04d}{suffixes[number % len(suffixes)]}"
        path.write_bytes(makers[rng.randrange(len(makers))]())
        paths.append(path)
    # A zip bomb and a hostile tar among them, replacing two of the random files.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.txt", b"\0" * (300 * 1024 * 1024))
    paths[15].write_bytes(bomb.getvalue())
    escape = io.BytesIO()
    with tarfile.open(fileobj=escape, mode="w") as t:
        info = tarfile.TarInfo("../../outside.txt")
        payload = b"Daniyar Kassenov escaped."
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    paths[17].write_bytes(escape.getvalue())
    return paths


def test_a_thousand_malformed_files(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    folder = tmp_path / "hostile"
    folder.mkdir()
    paths = _malformed_folder(folder, rng)
    assert paths[15].suffix == ".zip" and paths[17].suffix == ".tar"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    db = tmp_path / "hostile.db"
    code, out, err = finish(threadline(db, "ingest", str(folder), "--json", env=env))
    assert code == 0, err
    report = json.loads(out)
    assert report["files_seen"] == 1000
    # Memory stayed bounded: no process of the run (parsers, NER workers) grew past 1.5 GB.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 1536, peak_mb
    # Disk too: nothing left behind in the temporary folder, and the database stays small.
    assert list(scratch.iterdir()) == []
    assert db.stat().st_size < 50 * 1024 * 1024
    conn = sqlite3.connect(db)
    rows = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT path, status, reason FROM files")}
    stored = {r[0] for r in conn.execute("SELECT DISTINCT file_path FROM documents")}
    stored_bytes = {Path(p).read_bytes() for p in stored if Path(p).exists()}
    for path in paths:
        assert str(path) in rows, f"{path} neither ingested nor listed"
        status, reason = rows[str(path)]
        if status == "error":
            assert reason, path
        elif str(path) not in stored:  # read, but every document in it was already stored
            assert path.read_bytes() in stored_bytes or reason, path
    inside_bomb = {p: r for p, (_, r) in rows.items() if p.startswith(f"{paths[15]}!/")}
    assert inside_bomb and all("limit" in r for r in inside_bomb.values()), inside_bomb
    assert any("unsafe" in (r or "") for p, (_, r) in rows.items() if p.startswith(str(paths[17])))
    # The listing the user sees says the same.
    listed = json.loads(subprocess.run(
        [sys.executable, "-m", "threadline", "--db", str(db), "errors", "--json"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout)  # fmt: skip
    errors = listed["errors"] if isinstance(listed, dict) else listed
    assert len(errors) == sum(1 for status, _ in rows.values() if status == "error")
    # A second run reads nothing again.
    code, out, _ = finish(threadline(db, "ingest", str(folder), "--json"))
    again = json.loads(out)
    assert again["documents_added"] == 0 and again["files_skipped"] + again["files_failed"] == 1000


# --- kill -9 in the middle of an ingest -----------------------------------------------------------------

PEOPLE = [
    "Daniyar Kassenov", "Aigerim Bekturova", "Rustam Abenov", "Timur Abenov", "Madina Zhunusova",
    "Yerlan Sadykov", "Gulnara Ospanova", "Arman Tulegenov", "Saule Kenzhebayeva", "Nurlan Amirov",
]  # fmt: skip
PLACES = ["Astana", "Almaty", "Geneva", "Riga", "Vienna"]
ORGS = ["the Qazaq Reform Foundation", "Steppe Energy", "the Ministry of Finance", "Altyn Bank"]


def _article(rng: random.Random, number: int) -> str:
    a, b, c = rng.sample(PEOPLE, 3)
    place, org = rng.choice(PLACES), rng.choice(ORGS)
    sentences = [
        f"{place}, {rng.randint(1, 28)} March {rng.randint(2010, 2023)}.",
        f"{a} met {b} in {place} to discuss a contract with {org}.",
        f"According to people familiar with the talks, {c} arranged the meeting.",
        f"{a.split()[-1]} declined to comment on report number {number}.",
        f"{b.split()[-1]} said that {org} had paid {rng.randint(2, 900)} million tenge.",
    ]
    rng.shuffle(sentences[1:])
    return "\n".join(
        [*sentences, "", "Copyright Steppe Wire. All rights reserved.", "Subscribe to our newsletter."]
    )


def _corpus(root: Path) -> None:
    rng = random.Random(7)
    for number in range(300):
        folder = root / f"outlet{number % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        if number % 10 == 9:
            a, b = rng.sample(PEOPLE, 2)
            (folder / f"mail{number:03d}.eml").write_text(
                f"From: {a} <{a.split()[0].lower()}@example.org>\nTo: {b} <b@example.org>\n"
                f"Subject: report {number}\nDate: Mon, 3 May 2021 10:00:00 +0000\n\n"
                f"Dear {b.split()[0]},\n{_article(rng, number)}\n"
            )
        else:
            (folder / f"story{number:03d}.txt").write_text(_article(rng, number))


def _snapshot(db: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    if conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal_documents'").fetchone()[0] == 0:
        return {"documents": []}  # killed before the schema was created
    q = lambda sql: sorted(tuple(r) for r in conn.execute(sql))  # noqa: E731
    return {
        "documents": q("SELECT path, sha256, words FROM documents"),
        "sentences": q(
            "SELECT d.path, s.idx, s.start, s.end FROM sentences s JOIN documents d ON d.id = s.document_id"
        ),
        "mentions": q(
            "SELECT d.path, m.start, m.end, m.name, m.type, m.kind, e.name FROM mentions m"
            " JOIN documents d ON d.id = m.document_id LEFT JOIN entities e ON e.id = m.entity_id"
        ),
        "entities": q("SELECT name, type, mentions, documents FROM entities"),
        "links": q(
            "SELECT ea.name, eb.name, l.sentences, l.documents FROM links l"
            " JOIN entities ea ON ea.id = l.a JOIN entities eb ON eb.id = l.b"
        ),
        "files": q("SELECT path, status, documents FROM files"),
        "journal": q("SELECT * FROM journal_documents"),
    }


def test_kill_9_at_random_moments_then_rerun_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _corpus(corpus)
    clean_db = tmp_path / "clean.db"
    started = time.monotonic()
    code, _, err = finish(threadline(clean_db, "ingest", str(corpus), "--json"))
    assert code == 0, err
    duration = time.monotonic() - started
    expected = _snapshot(clean_db)
    assert len(expected["documents"]) == 300  # type: ignore[arg-type]

    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    crashed_db = tmp_path / "crashed.db"
    kills: list[tuple[float, int]] = []  # (seconds into the run, documents stored at that moment)
    for _ in range(2):  # killed twice, each time at a random moment of the run
        proc = threadline(crashed_db, "ingest", str(corpus), "--json")
        delay = rng.uniform(0.15, 0.95) * duration
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            kills.append((round(delay, 1), len(_snapshot(crashed_db)["documents"])))  # type: ignore[arg-type]
    assert kills, "no run was killed"  # the first always is: it is stopped before its usual end
    code, _, err = finish(threadline(crashed_db, "ingest", str(corpus), "--json"))
    assert code == 0, err
    assert _snapshot(crashed_db) == expected, (
        f"seed {seed}, killed after {kills} s (clean run {duration:.1f} s)"
    )
