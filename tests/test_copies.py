"""Quoted replies, forwards and copies: a sentence said again counts once, where first written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from threadline.link.copies import NO_KEY, quoted_ranges, sentence_key

FIRST = (
    "Dear Aigerim,\n\n"
    "Madina Zhunusova will meet the auditors from Altyn Bank in Geneva next Thursday to settle the"
    " transfer.\n\nBest regards,\nDaniyar"
)
REPLIES = [
    ("Aigerim Bekturova", "aigerim@example.org", "Thank you, I will tell the board on Monday."),
    (
        "Daniyar Kassenov",
        "daniyar@example.org",
        "Good. Please keep the minutes of that board meeting private.",
    ),
    ("Aigerim Bekturova", "aigerim@example.org", "Of course. The minutes will stay with the secretary."),
    ("Daniyar Kassenov", "daniyar@example.org", "Then we are done with this matter for now."),
]


def _thread(folder: Path) -> list[Path]:
    """Five emails, each quoting the whole previous one below an "On ... wrote:" line."""
    people = [("Daniyar Kassenov", "daniyar@example.org", FIRST), *REPLIES]
    paths = []
    previous_body = ""
    previous_sender = ""
    for number, (name, address, body) in enumerate(people, 1):
        if previous_body:
            quoted = "\n".join(f"> {line}" if line else ">" for line in previous_body.split("\n"))
            body = f"{body}\n\nOn Mon, {number} May 2021, {previous_sender} wrote:\n{quoted}"
        other = (
            "Aigerim Bekturova <aigerim@example.org>"
            if number % 2
            else "Daniyar Kassenov <daniyar@example.org>"
        )
        path = folder / f"{number}.eml"
        path.write_text(
            f"From: {name} <{address}>\nTo: {other}\nSubject: Re: Geneva\n"
            f"Date: Mon, {number} May 2021 10:00:00 +0000\n\n{body}\n"
        )
        paths.append(path)
        previous_body, previous_sender = body, name
    return paths


def test_sentence_keys_ignore_quote_markers_case_and_line_breaks() -> None:
    original = "Madina Zhunusova will meet the auditors from Altyn Bank in Geneva next Thursday."
    quoted = "> madina Zhunusova will meet the auditors\n> from Altyn Bank in Geneva next Thursday"
    assert sentence_key(original) == sentence_key(quoted) != NO_KEY
    assert sentence_key("Thanks, see you on Monday.") == NO_KEY
    assert sentence_key(original) != sentence_key(original.replace("Thursday", "Friday"))


def test_quoted_ranges_start_at_the_reply_header_or_marker() -> None:
    text = "Fine by me.\n\nOn Mon, 3 May 2021, Daniyar Kassenov wrote:\n> Old words here.\n"
    start, end = quoted_ranges(text)[0]
    assert text[start:].startswith("On Mon") and end == len(text)
    forward = "See below.\n\n-----Original Message-----\nFrom: A\nSent: Monday\nOld text."
    assert forward[quoted_ranges(forward)[0][0] :].startswith("-----Original")
    assert quoted_ranges("Nothing quoted here.\nOnly words.") == []
    # A printed email: a stamp, then the message's own header block, is not quoted material.
    printed = "HOUSE_OVERSIGHT_000123\nFrom: A\nSent: Monday\nTo: B\n\nThe words of this very message here."
    assert quoted_ranges(printed) == []


@pytest.mark.slow
def test_a_sentence_quoted_down_a_thread_of_five_counts_once(tmp_path: Path) -> None:
    from tests.test_cli import run, run_json

    folder = tmp_path / "thread"
    folder.mkdir()
    paths = _thread(folder)
    db = tmp_path / "thread.db"
    run(db, "ingest", str(folder))
    conn = sqlite3.connect(db)
    # The sentence is stored five times, once per email, and four of them are copies.
    rows = conn.execute(
        "SELECT d.path, s.copy_of IS NOT NULL, s.quoted FROM sentences s JOIN documents d ON d.id = s.document_id"
        " WHERE substr(d.text, s.start + 1, s.end - s.start) LIKE '%auditors%' ORDER BY d.path"
    ).fetchall()
    assert len(rows) == 5
    assert [(Path(p).name, copy) for p, copy, _ in rows] == [
        ("1.eml", 0),
        *((f"{n}.eml", 1) for n in range(2, 6)),
    ]
    zhunusova = run_json(db, "show", "Madina Zhunusova")
    assert zhunusova["mentions"] == 1  # not 5
    assert len(zhunusova["documents"]) == 5  # it does appear in five files
    link = next(c for c in zhunusova["connections"] if c["name"] == "Altyn Bank")
    assert link["sentences"] == 1
    (evidence,) = link["evidence"]
    assert evidence["path"] == str(paths[0]) and evidence["copies"] == 4
    # xref cites the original too.
    run(db, "watchlist", "add", "Madina Zhunusova")
    (row,) = run_json(db, "xref")
    assert [e["path"] for e in row["evidence"]] == [str(paths[0])]
    assert json.dumps(row["evidence"]).count('"copies": 4') == 1
