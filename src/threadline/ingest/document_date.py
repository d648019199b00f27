"""When a document was written: one rule for every reader's documents.

Readers set ``Document.date`` from what the format records (an email's Date header, a printed
Sent line, HTML metadata, a JSON record's date, PDF and Office metadata). :func:`settle_date` then
says where it came from and how precise it is, and, for a document without one (or with only a
file's creation date), reads the date the document prints at its head (a news dateline, the date
line of a letter, a ruling or a press release, a ``Date:`` label) or carries in its file name.

In order of trust: the message's own header or the publisher's metadata; a date printed at the
head of the text; a date in the file name; the file's creation date (when a PDF or Word file was
made, often a scan long after the letter it holds). A date is never invented: a dateline without a
year ("ASTANA, March 11.") takes its year from the file name when that is within 60 days, else it
waits in ``date_partial`` for another copy of the story (``store.dates``).
"""

from __future__ import annotations

import re

from threadline.ingest.dates import (
    WrittenDate,
    find_written_dates,
    precision_of,
    read_written_date,
    year_near,
)
from threadline.model import Document, Span

_READER_SOURCES = {
    "email": "email-header",
    "html": "html-meta",
    "json": "record",
    "pdf": "pdf-metadata",
    "docx": "office-metadata",
    "xlsx": "office-metadata",
}
# Dates a file system or an authoring program wrote: weaker than a date the document prints.
WEAK_SOURCES = frozenset({"pdf-metadata", "office-metadata"})
_HEAD_LINES = 15  # non-blank lines of the body searched for a printed date
_HEAD_CHARS = 2_000
_UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁ"
# "ASTANA, March 11. /Agency/.", "Almaty, 20 March 2024", "LONDON, Jan 5 (Reuters) -",
# "МОСКВА, 27 февраля. /ТАСС/.": a place (no digits), an optional region, a comma, the date.
_DATELINE = re.compile(
    rf"^[ \t]*[{_UPPER}][^\W\d_][\w .'’()-]{{0,40}}?(?:,[ \t]*[^\W\d_][\w .'’-]{{0,30}}?)?,[ \t]*"
)
# What may follow a dateline's date: the agency, a dash, the end of the line, a time.
_AFTER_DATELINE = re.compile(
    rf"^(?:[ \t]*$|\.?[ \t]*[/(—–-]|\.[ \t]|,[ \t]*\d{{1,2}}[:.]\d{{2}}|\.$|,[ \t]*[{_UPPER}])"  # ", Agency."
)
# "TOKYO (Nov 14):", "LONDON (Jan 5) -": the date in brackets after the place.
_BRACKETED_PLACE = re.compile(rf"^[ \t]*[{_UPPER}][^\W\d_][\w .'’-]{{0,40}}?[ \t]*\($")
_AFTER_BRACKET = re.compile(r"^\)[ \t]*[:—–-]")
# A line that holds only a date: a weekday and a time may go with it, and "| Politics" after it.
_DATE_LINE_REST = re.compile(
    r"^[ \t]*(?:[,.]?[ \t]*(?:at[ \t]+|в[ \t]+)?\d{1,2}[:.]\d{2}(?::\d{2})?[ \t]*(?:[ap]\.?m\.?)?)?"
    r"[ \t]*(?-i:\(?[A-Z]{2,5}\)?)?[ \t]*(?:[|·•][^\n]{0,40})?[ \t.]*$",  # a zone is in capitals: "rd" is no zone
    re.IGNORECASE,
)
_WEEKDAY_LEAD = re.compile(
    r"^[ \t]*(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
    r"|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)?,?[ \t]*$",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^[ \t]*(?:Date|Dated|Published(?:[ \t]+on)?|Posted(?:[ \t]+on)?|Updated|Дата|Опубликовано)[ \t]*[:.]?[ \t]*",
    re.IGNORECASE,
)
_HEADER_DATE = re.compile(r"^(?:Date|Sent)[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*$", re.MULTILINE)
# A date in a file name: 2024-03-11, 2024_03_11, 20240311, 2024-03 (never a lone year: "budget-2025").
_NAME_DAY = re.compile(r"(?<!\d)((?:19|20)\d\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_NAME_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_](0[1-9]|1[0-2])(?![-_.]?\d)")


def settle_date(document: Document) -> None:
    """Give ``document`` its best date, with ``date_precision``, ``date_source`` and, when the
    text prints it, ``date_span``; see the module docstring for the order of trust."""
    if document.date and document.date_source is None:
        document.date_source = _READER_SOURCES.get(document.format, "metadata")
    if document.date and document.date_source not in WEAK_SOURCES:
        document.date_precision = precision_of(document.date)
        if document.date_span is None and document.body_start > 0:  # an email's rendered Date line
            line = _HEADER_DATE.search(document.text, 0, document.body_start)
            if line is not None:
                document.date_span = Span(line.start(1), line.end(1))
        return
    if document.headers and not document.date and _sent_line(document):
        return
    # A message's body opens with what its sender wrote, not with when it was sent.
    is_message = document.headers or document.format == "email" or document.body_start > 0
    printed = None if is_message else head_date(document)
    named = file_name_date(document.path)
    if printed is not None:
        written, source = printed
        if written.year is None and named is not None:
            year = year_near(written, named)
            if year is not None:
                written = WrittenDate(year, written.month, written.day, written.start, written.end)
                source += "+file-name"
        document.date_span = Span(written.start, written.end)
        if written.iso is not None:
            _set(document, written.iso, source)
            return
        document.date_partial = written.partial
    if named is not None:
        _set(document, named, "file-name")
    document.date_precision = precision_of(document.date)


def _sent_line(document: Document) -> bool:
    """A printed email whose Sent or Date line the header reader could not read as a whole
    ("Sent: 2/15/2017 1:3125____PIVI", a value below a wrapped block): its first written date with a
    year, if the line holds one, before the body. True when that dated the document."""
    for line in _HEADER_DATE.finditer(document.text, 0, document.body_start):
        for written in find_written_dates(line.group(1)):
            if written.iso is not None and written.precision == "day":
                start = line.start(1) + written.start
                document.date_span = Span(start, line.start(1) + written.end)
                _set(document, written.iso, "printed-header")
                return True
        return False  # only the message's own first Sent/Date line
    return False


def _set(document: Document, iso: str, source: str) -> None:
    document.date = iso
    document.date_source = source
    document.date_precision = precision_of(iso)


def head_date(document: Document) -> tuple[WrittenDate, str] | None:
    """The date the document prints at its head, in ``Document.text`` offsets, and its kind:
    ``dateline`` (a place, then the date), ``date-line`` (a line holding only a date) or
    ``date-label`` (``Date: …``, ``Published …``). Dates inside prose are events, not this."""
    text = document.text
    pos = document.body_start
    seen = 0
    while pos < len(text) and seen < _HEAD_LINES and pos - document.body_start < _HEAD_CHARS:
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        if line.strip():
            seen += 1
            found = _line_date(line)
            if found is not None:
                written, kind = found
                return WrittenDate(
                    written.year, written.month, written.day, pos + written.start, pos + written.end
                ), kind
        pos = end + 1
    return None


def _line_date(line: str) -> tuple[WrittenDate, str] | None:
    label = _LABEL.match(line)
    if label is not None:
        written = read_written_date(line[label.end() :])
        if written is not None:
            return _shifted(written, label.end()), "date-label"
        return None
    for written in find_written_dates(line[:200]):
        before, after = line[: written.start], line[written.end :]
        if _WEEKDAY_LEAD.match(before) and _DATE_LINE_REST.match(after):
            return written, "date-line"
        place = _DATELINE.match(before)
        dateline = place is not None and place.end() == len(before) and _AFTER_DATELINE.match(after)
        bracketed = _BRACKETED_PLACE.match(before) and _AFTER_BRACKET.match(after)
        if (dateline or bracketed) and _is_place(before):
            return written, "dateline"
        return None  # only the first date of a line counts
    return None


# Small words a place name may hold in lower case ("Stratford-upon-Avon", "Rio de Janeiro").
_PLACE_PARTICLES = frozenset(
    {"de", "la", "le", "les", "del", "da", "do", "dos", "di", "du", "upon", "on", "am", "im", "of", "the"}
)


def _is_place(text: str) -> bool:
    """Every word of a dateline's place (and region) is capitalised, bar particles: "Distinguished
    by Abecassis v. Wyatt, S.D.Tex., March 31, 2010" is a citation, not a dateline."""
    words = re.findall(r"[^\W\d_][\w'’.-]*", text)
    return bool(words) and all(w[0].isupper() or w.lower() in _PLACE_PARTICLES for w in words)


def _shifted(written: WrittenDate, offset: int) -> WrittenDate:
    return WrittenDate(written.year, written.month, written.day, written.start + offset, written.end + offset)


def file_name_date(path: str) -> str | None:
    """The date a document's file name carries ("steppe-news-2024-03-11.txt" -> "2024-03-11"),
    as an ISO prefix; the name is the last part of the path, records and members included."""
    name = re.split(r"!/|/", path)[-1].split("#", 1)[0]
    match = _NAME_DAY.search(name)
    if match is not None:
        written = read_written_date(f"{match.group(1)}-{match.group(3)}-{match.group(4)}")
        return written.iso if written is not None else None
    match = _NAME_MONTH.search(name)
    if match is not None:
        return f"{match.group(1)}-{match.group(2)}"
    return None
