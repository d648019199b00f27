"""Printed email headers on the House Oversight release: whose message is each printed email?

Usage::

    python benchmarks/printed_headers.py [--data ../shared/data] [--verbose]

Reads ``house-oversight-2025/text`` (2,897 OCR'd files, many of them emails printed from Outlook,
Apple Mail or Lotus Notes) in place and prints:

(a) **held-out check**: the production report (``production-report.csv``) gives "Email From" for 64
    files, joined by the Bates number that opens each file name. For each, the sender read by
    ``threadline.ingest.printed.read_printed_header`` is compared with it:

    - *strict*: the same address (both normalised: lower case, OCR's ``©``/``grnail.corn`` mended),
      or, when the report has no address, the same display name (case and spacing ignored);
    - *same person*: strict, or the same display name when either side lacks an address
      ("Doe, Jane" and "Jane Doe" are one name), or an address one or two OCR slips away from the
      report's in the same domain ("jeeyacation" for "jeevacation").

    ``--verbose`` prints every file that is not a strict match, with both values, so a person can
    judge them.

(b) **coverage**: how many files look like printed emails (a ``From:`` line and a ``Sent:``,
    ``To:`` or ``Date:`` line among the first 15 non-blank lines; a loose test independent of both
    parsers) and for how many of those a sender is found, before (the recogniser that
    ``link/sources.py`` used until issue 11, copied below as ``old_printed_sender``) and after.

The last line is machine-readable::

    strict=<.3f> same_person=<.3f> printed=<n> sender_before=<n> sender_after=<n>

The old recogniser's count includes wrong senders: in a label block, or when the message's own
From is printed blank, it read the From of a quoted or forwarded message further down. Both are
counted and, with ``--verbose``, the files where the two name different senders are listed.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from threadline.ingest.printed import PrintedPerson, normalise_address, read_printed_header
from threadline.ingest.text import decode_text_file

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "../shared/data"
_BATES = re.compile(r"^([A-Z]+(?:_[A-Z]+)*_\d+)")
_LOOSE_FROM = re.compile(r"^\W{0,3}From\s*[:;]", re.IGNORECASE)
_LOOSE_OTHER = re.compile(r"^\W{0,3}(?:Sent|To|Date)\s*[:;]", re.IGNORECASE)


# --- the recogniser before issue 11 (link/sources.py _printed_sender at d28a183), for comparison ---

_OLD_HEAD_CHARS = 600
_OLD_PRINTED_HEADER = re.compile(r"(?:From|Sent|Date|To|Subject)[ \t]*:", re.IGNORECASE)
_OLD_PRINTED_FROM = re.compile(r"^[ \t]*From[ \t]*:[ \t]*(\S[^\n]*)$", re.IGNORECASE | re.MULTILINE)
_OLD_BRACKETED = re.compile(r"[\[<]([^\]>\n]*)[\]>]")


def old_printed_sender(text: str) -> str | None:
    """The sender as the old recogniser read it: the first "From:" line of the first paragraph."""
    head = text[:_OLD_HEAD_CHARS].lstrip("\ufeff \t\r\n")
    if not _OLD_PRINTED_HEADER.match(head):
        return None
    block = re.split(r"\n[ \t]*\n", head, maxsplit=1)[0]
    sender = _OLD_PRINTED_FROM.search(block)
    if sender is None:
        return None
    value = sender.group(1)
    bracketed = _OLD_BRACKETED.findall(value)
    display = _OLD_BRACKETED.sub(" ", value)
    display = re.split(r"[\[<]", display, maxsplit=1)[0]
    display = " ".join(display.strip(" \t\"'_-.,;:").split())
    if display and "@" not in display and any(c.isalpha() for c in display):
        return display
    address = display if "@" in display else next((b for b in bracketed if "@" in b), "")
    return address.removeprefix("mailto:") or None


# --- comparison ---------------------------------------------------------------------------------


@dataclass
class Check:
    file: str
    expected: str
    found: PrintedPerson | None
    strict: bool
    same_person: bool


def folded_name(name: str) -> str:
    """ "Epstein, Jeffrey" and "jeffrey  epstein" compare equal."""
    name = " ".join(name.replace('"', " ").replace("'", " ").split()).casefold()
    last, comma, first = name.partition(",")
    if comma and first.strip() and "," not in first:
        name = f"{first.strip()} {last.strip()}"
    return name


def near_address(a: str, b: str) -> bool:
    """Same domain and local parts at most two edits apart (OCR's v/y, l/1 slips)."""
    local_a, _, domain_a = a.partition("@")
    local_b, _, domain_b = b.partition("@")
    return domain_a == domain_b and edit_distance(local_a, local_b) <= 2


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def compare(expected: str, found: PrintedPerson | None) -> tuple[bool, bool]:
    """(strict match, same person) of a report's "Email From" and a parsed sender."""
    if found is None:
        return False, False
    display, address = parseaddr(expected)
    if "@" not in address:
        display, address = expected.strip(), ""
    address = normalise_address(address) if address else ""
    if address:
        strict = found.address == address
    else:
        strict = found.name is not None and folded_name(found.name) == folded_name(display)
    names_equal = bool(display and found.name and folded_name(found.name) == folded_name(display))
    same = (
        strict
        or (names_equal and (not address or not found.address))
        or bool(address and found.address and near_address(found.address, address))
    )
    return strict, same


def _same_words(a: str, b: str) -> bool:
    """ "Doe, Jane" / "Jane Doe" / "Jane Doe I": one's words are among the other's, in any order."""
    words_a, words_b = set(re.findall(r"\w+", a.casefold())), set(re.findall(r"\w+", b.casefold()))
    return words_a <= words_b or words_b <= words_a


def read_text(path: Path) -> str:
    return decode_text_file(path.read_bytes())


def looks_printed(text: str) -> bool:
    lines = [line for line in text.split("\n", 60)[:60] if line.strip()][:15]
    return any(_LOOSE_FROM.match(line) for line in lines) and any(_LOOSE_OTHER.match(line) for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true", help="print every mismatch of the held-out check")
    args = parser.parse_args()
    folder = args.data / "house-oversight-2025"
    if not (folder / "text").is_dir() or not (folder / "production-report.csv").is_file():
        print(f"skipped: {folder} is absent (the shared data is not mounted)")
        return

    with (folder / "production-report.csv").open(encoding="utf-8", errors="replace", newline="") as f:
        senders = {
            row["Bates Begin"]: row["Email From"] for row in csv.DictReader(f) if row.get("Email From")
        }

    files = sorted(p for p in (folder / "text").iterdir() if p.suffix == ".txt")
    checks: list[Check] = []
    printed = before = after = quoted_before = 0
    differ: list[tuple[str, str, str]] = []
    for path in files:
        try:
            text = read_text(path)
        except Exception as exc:  # an unreadable file is counted out, not fatal
            print(f"unreadable: {path.name}: {exc}", file=sys.stderr)
            continue
        header = read_printed_header(text)
        sender = header.sender if header is not None else None
        if looks_printed(text):
            printed += 1
            old = old_printed_sender(text)
            before += old is not None
            after += sender is not None
            if old is not None and header is not None and sender is None:
                quoted_before += 1  # the message's own From is blank: the old one read a quoted From
            new = (sender.name or sender.address or "") if sender is not None else ""
            if old is not None and new and not _same_words(old, new):
                differ.append((path.name, old, new))
        bates = _BATES.match(path.name)
        if bates and bates.group(1) in senders:
            expected = senders[bates.group(1)]
            strict, same = compare(expected, sender)
            checks.append(Check(path.name, expected, sender, strict, same))

    strict_share = sum(c.strict for c in checks) / len(checks) if checks else 0.0
    same_share = sum(c.same_person for c in checks) / len(checks) if checks else 0.0
    print(f"(a) held-out senders (production report 'Email From'): {len(checks)} files")
    print(f"    strict (same address, or same name when the report has none): {strict_share:.3f}")
    print(
        f"    same person (also same name when one side has no address, or OCR-near address): {same_share:.3f}"
    )
    print(f"    no sender found: {sum(c.found is None for c in checks)}")
    if args.verbose:
        for c in checks:
            if c.strict:
                continue
            found = "none" if c.found is None else f"name={c.found.name!r} address={c.found.address!r}"
            verdict = "same person" if c.same_person else "MISMATCH"
            print(f"    {verdict}: {c.file}: report={c.expected!r} parsed {found}")
    print(f"(b) files that look like printed emails: {printed} of {len(files)}")
    print(f"    with a sender, before (old recogniser): {before} ({before / max(printed, 1):.1%})")
    print(f"    with a sender, after (read_printed_header): {after} ({after / max(printed, 1):.1%})")
    print(
        f"    old senders read from a quoted or forwarded header (the message's own From is blank): {quoted_before}"
    )
    print(
        f"    both found a sender but not the same one: {len(differ)}"
        + (" (listed below)" if args.verbose else "")
    )
    if args.verbose:
        for name, old, new in differ:
            print(f"    {name}: before {old!r}, after {new!r}")
    print(
        f"strict={strict_share:.3f} same_person={same_share:.3f} printed={printed} "
        f"sender_before={before} sender_after={after}"
    )


if __name__ == "__main__":
    main()
