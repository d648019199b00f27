"""Dates on the House Oversight release: documents' own dates, and dates in sentences.

Usage::

    python benchmarks/dates.py [--data ../shared/data] [--verbose]
    python benchmarks/dates.py --events DB [--sample 50] [--seed 13]

(a) **Document dates**, read from every file of ``house-oversight-2025/text`` through the readers
    (``ingest.readers.read_file``: printed headers, datelines, date lines, file names; no NER), so it
    takes a minute or two:

    - *held-out*: the production report (``production-report.csv``) gives "Date Sent" for 64 files
      (joined by the Bates number opening each file name); each file's date is compared with it, by
      day (the report's and the printed header's clocks may differ by a zone; a one-day gap is
      counted apart and printed).
    - *printed emails*: files that look like printed emails (a ``From:`` line and a ``Sent:``, ``To:``
      or ``Date:`` line among the first 15 non-blank lines: the loose test of
      ``printed_headers.py``). For each, a second reading independent of ``ingest.printed``: the
      first ``Sent:``/``Date:`` line of those 15, parsed by dateparser on its own. Coverage is the
      share with a day-precise date; a *contradiction* is a stored day that differs from the second
      reading's day (``--verbose`` lists them, to be judged by hand).
    - *other files*: how many got a date, and from where (``--verbose`` lists each with the line the
      date was read from, to be judged by hand).

(b) ``--events DB``: the dates written in sentences of an ingested database (event_dates): how many,
    how many anchored, by precision; and a uniform random sample printed for a hand check (the
    sentence, the words read as a date, what they say alone, the tense, the document's date and the
    date given).

The last line is machine-readable::

    held_out_same_day=<n>/<n> emails=<n> day_dated=<.3f> contradicting=<.3f> others_dated=<n>/<n>
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import dateparser

from threadline.config import Limits
from threadline.ingest.base import UnreadableFile
from threadline.ingest.readers import read_file

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "../shared/data"
_BATES = re.compile(r"^([A-Z]+(?:_[A-Z]+)*_\d+)")
_LOOSE_FROM = re.compile(r"^\W{0,3}From\s*[:;]", re.IGNORECASE)
_LOOSE_OTHER = re.compile(r"^\W{0,3}(?:Sent|To|Date)\s*[:;]", re.IGNORECASE)
_LOOSE_DATE = re.compile(r"^\W{0,3}(?:Sent|Date)\s*[:;]\s*(.+)$", re.IGNORECASE)


def head_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()][:15]


def loose_day(lines: list[str]) -> str | None:
    """The day of the first Sent:/Date: line, read by dateparser alone (the second reading)."""
    for line in lines:
        match = _LOOSE_DATE.match(line)
        if match:
            value = match.group(1).strip()
            if not re.search(r"\d{4}", value):
                return None
            parsed = dateparser.parse(value, settings={"REQUIRE_PARTS": ["year", "month", "day"]})
            return parsed.date().isoformat() if parsed else None
    return None


def documents(args: argparse.Namespace) -> int:
    folder = args.data / "house-oversight-2025"
    if not (folder / "production-report.csv").exists():
        print(f"shared data not available: {folder}")
        return 0
    report = {}
    with (folder / "production-report.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["Date Sent"].strip():
                report[row["Bates Begin"]] = (
                    datetime.strptime(row["Date Sent"], "%m/%d/%Y").date().isoformat()
                )
    started = time.perf_counter()
    held = {"same": 0, "one_day": 0, "other": 0, "none": 0}
    emails = day_dated = dated = contradicting = checked = 0
    others = others_dated = 0
    sources: dict[str, int] = {}
    for path in sorted((folder / "text").iterdir()):
        data = path.read_bytes()
        try:
            [document, *_] = read_file(path, data, Limits()).documents
        except (UnreadableFile, ValueError):
            continue
        bates = _BATES.match(path.name)
        day = document.date[:10] if document.date and document.date_precision == "day" else None
        if bates and bates.group(1) in report:
            truth = report[bates.group(1)]
            if day == truth:
                held["same"] += 1
            elif day is None:
                held["none"] += 1
            elif abs((datetime.fromisoformat(day) - datetime.fromisoformat(truth)).days) == 1:
                held["one_day"] += 1
                print(f"held-out, one day apart: {path.name}: {day} (report {truth})")
            else:
                held["other"] += 1
                print(f"held-out, different: {path.name}: {day} (report {truth})")
        lines = head_lines(document.text)
        if any(_LOOSE_FROM.match(x) for x in lines) and any(_LOOSE_OTHER.match(x) for x in lines):
            emails += 1
            dated += document.date is not None
            day_dated += day is not None
            second = loose_day(lines)
            if second and day:
                checked += 1
                if second != day:
                    contradicting += 1
                    if args.verbose:
                        print(f"contradicts: {path.name}: {day} vs first Sent/Date line {second}")
            elif args.verbose and not day:
                print(
                    f"undated email: {path.name}: {next((x for x in lines if _LOOSE_DATE.match(x)), '')[:100]!r}"
                )
            continue
        others += 1
        if document.date:
            others_dated += 1
            source = document.date_source or "?"
            sources[source] = sources.get(source, 0) + 1
            if args.verbose:
                span = document.date_span
                where = document.text[span.start : span.end] if span else ""
                line = document.text[
                    max(0, (span.start if span else 0) - 40) : (span.end if span else 0) + 40
                ]
                print(f"other: {path.name}: {document.date} {source} {where!r} in {' '.join(line.split())!r}")
    seconds = time.perf_counter() - started
    total_held = sum(held.values())
    print(
        f"held-out (production report Date Sent): {held['same']} of {total_held} the same day,"
        f" {held['one_day']} one day apart, {held['other']} other, {held['none']} undated"
    )
    print(
        f"printed emails: {emails}; dated {dated} ({dated / emails:.1%}), to the day {day_dated}"
        f" ({day_dated / emails:.1%}); second reading available for {checked}, contradicting {contradicting}"
        f" ({contradicting / emails:.2%} of the emails)"
    )
    print(
        f"other files: {others}, dated {others_dated}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
    )
    print(f"({seconds:.0f} s)")
    print(
        f"held_out_same_day={held['same']}/{total_held} emails={emails} day_dated={day_dated / emails:.3f}"
        f" contradicting={contradicting / emails:.3f} others_dated={others_dated}/{others}"
    )
    return 0


def events(args: argparse.Namespace) -> int:
    conn = sqlite3.connect(f"file:{args.events}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    total, anchored = conn.execute("SELECT COUNT(*), COUNT(date) FROM event_dates").fetchone()
    by_precision = dict(
        conn.execute("SELECT precision, COUNT(*) FROM event_dates GROUP BY precision").fetchall()
    )
    print(
        f"dates in sentences: {total}, anchored {anchored} ({anchored / max(total, 1):.1%}); by precision {by_precision}"
    )
    kinds = {"absolute": 0, "no year": 0, "relative": 0}
    for (spec,) in conn.execute("SELECT spec FROM event_dates WHERE date IS NOT NULL"):
        kinds[
            "relative" if spec.startswith("rel:") else "no year" if spec.startswith("--") else "absolute"
        ] += 1
    print(f"anchored dates by what the words said alone: {kinds}")
    ids = [r[0] for r in conn.execute("SELECT id FROM event_dates WHERE date IS NOT NULL ORDER BY id")]
    sample = sorted(random.Random(args.seed).sample(ids, min(args.sample, len(ids))))
    for number, event_id in enumerate(sample, 1):
        r = conn.execute(
            "SELECT e.*, d.path, d.date AS document_date, substr(d.text, s.start + 1, s.end - s.start) AS sentence"
            " FROM event_dates e JOIN documents d ON d.id = e.document_id JOIN sentences s ON s.id = e.sentence_id"
            " WHERE e.id = ?",
            (event_id,),
        ).fetchone()
        sentence = " ".join(r["sentence"].split())
        print(
            f"\n[{number}] {Path(r['path']).name}  document {r['document_date']}\n  {r['surface']!r} -> {r['spec']}"
            f" ({r['tense'] or 'no tense'}) = {r['date']} ({r['precision']})\n  {sentence[:400]}"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--events", type=Path, help="an ingested database: sample its event dates")
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    return events(args) if args.events else documents(args)


if __name__ == "__main__":
    raise SystemExit(main())
