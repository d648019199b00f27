"""Printed emails: the header block an email printed to text, PDF or paper (then OCR'd) opens with.

A printed email carries no transport headers, only what the mail program printed on top of the
message. :func:`read_printed_header` finds that block and reads the sender, recipients, date and
subject from it, with character offsets into the text, in the layouts mail programs print:

- **inline**: one ``Label: value`` per line (Outlook ``From/Sent/To/Cc/Subject``, Apple and Gmail
  ``Date/Subject/From/To``, French ``De/Envoyé/À/Objet``, German ``Von/Gesendet/An/Betreff``), a
  long value wrapped onto the next lines;
- **label block**: the labels first, each alone on its line, then their values in the same order
  (Outlook's memo print as OCR reads its two columns, Lotus Notes). A label whose value is missing
  (a redacted sender) is recognised by the date its neighbour must hold.

Only the message's own header counts: the block must open the text (after blank lines, Bates
stamps and at most two short lines of page furniture), it ends at the first line that is neither
a label nor a value, and a label seen twice, a ``From:`` after the values of a label block, an
``-----Original Message-----``, ``Begin forwarded message:`` or ``On ... wrote:`` line ends it,
so a quoted or forwarded header further down is never read as the message's own.

Pure functions over a string; :func:`apply_printed_header` fills a :class:`Document` from it.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from threadline.model import Document, HeaderField, Span

# How far into the text the header block and its lines are looked for.
_MAX_HEAD_LINES = 120
_MAX_HEAD_CHARS = 12_000
# Lines of page furniture ("L._", ">>", a file name, a masthead word) allowed above the block.
_MAX_PREAMBLE_LINES = 2
_MAX_PREAMBLE_CHARS = 40
_SALUTATIONS = frozenset(("dear", "hi", "hello", "hey", "thanks", "thank"))
# A value wrapped onto following lines: at most this many lines before the next label.
_MAX_WRAP_LINES = 3
_MAX_RECIPIENT_WRAP_LINES = 8  # a long To list
# A name or address value in a label block is one short line; a longer one is body text.
_MAX_PERSON_VALUE_CHARS = 60
_MAX_VALUE_CHARS = 400
_MAX_PERSON_VALUE_WORDS = 6

PEOPLE_FIELDS = ("from", "to", "cc", "bcc")
_RECIPIENTS = frozenset(("to", "cc", "bcc"))
_DATES = frozenset(("sent", "date"))

# Label spellings (lower case, spaces and dots removed) -> field. OCR misreadings seen in scans
# are listed with their label; "Re:" is left out, it opens subjects.
_LABELS: dict[str, str] = {
    **dict.fromkeys(("from", "fron", "frorn", "fiom", "frcm", "frem", "de", "von"), "from"),
    **dict.fromkeys(("sent", "sen", "senl", "envoyé", "envoye", "gesendet"), "sent"),
    **dict.fromkeys(("date", "dale", "datum"), "date"),
    **dict.fromkeys(("to", "t0", "à", "a", "an"), "to"),
    **dict.fromkeys(("cc", "ce", "kopie"), "cc"),
    **dict.fromkeys(("bcc", "bee", "bec"), "bcc"),
    **dict.fromkeys(("subject", "subjct", "subjcct", "subjeet", "subj", "objet", "betreff"), "subject"),
    **dict.fromkeys(("attachments", "attachment", "attach", "piècesjointes", "anlagen"), "attachments"),
    **dict.fromkeys(("importance", "priority", "priorité", "wichtigkeit"), "importance"),
    **dict.fromkeys(("classification", "sensitivity"), "classification"),
}
# Labels that may open a block: the short foreign ones ("A:", "An:", "De:") open answers in
# transcripts and sentences in French, so they only continue a block.
_OPENING_LABELS = frozenset(("from", "fron", "frorn", "sent", "date", "to", "subject", "de", "von"))
_SHORT_FOREIGN_LABELS = frozenset(("a", "à", "an", "de", "ce"))

_LABEL_LINE = re.compile(
    r"^[ \t\ufeff]*(?P<label>[^\W\d_](?:[^\W\d_]|[ .](?=[^\W\d_])){0,19}?)[ \t]*(?P<sep>[:;])[ \t]*(?P<value>.*)$"
)
# A label printed without its colon: alone on its line inside a run of labels, or "Sent" and
# "Date" followed by a date.
_BARE_LABEL = re.compile(r"^[ \t\ufeff]*(?P<label>[^\W\d_]{2,12})[ \t]*$")
_BARE_DATE_LABEL = re.compile(r"^[ \t\ufeff]*(?P<label>Sent|Date|SENT|DATE)[ \t]+(?P<value>\S.*)$")

# Where a quoted or forwarded message begins: the message's own header never runs past these.
_QUOTE_START = re.compile(
    r"^[ \t]*(?:-*[ \t]*(?:Original Message|Forwarded message|Message d'origine|Ursprüngliche Nachricht)"
    r"|Begin forwarded message|Début du message réexpédié|-{5,}[ \t]*$|>"
    r"|On\b.{3,200}\bwrote:?[ \t]*$)",
    re.IGNORECASE,
)
# A Bates stamp or production number on its own line ("HOUSE OVERSIGHT 012345", "ABC_000123").
_STAMP = re.compile(r"^[ \t]*[A-Z][A-Z&.-]*(?:[ _][A-Z][A-Z&.-]*)*[ _-]?\d{4,}[ \t]*$")
_UNDERSCORES = re.compile(r"_{2,}")
_ATTACHMENTS = re.compile(
    r"^[^;:/\\]{1,80}?[. ](?:jpe?g|png|gif|bmp|tiff?|pdf|docx?|xlsx?|pptx?|zip|txt|msg|eml|html?|ics|vcf|wav|mp[34]|mov)"
    r"[ \t]*(?:;|$)",
    re.IGNORECASE,
)
# The rest of an address wrapped onto the next line: "mailto:jd@x.org]", "jd@x.org>", "]".
_ADDRESS_TAIL = re.compile(r"^[ \t]*(?:mailto:|[^\s@]*@|[\]>)›])", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^(?:re|fw|fwd|aw|wg|tr)[ \t]*:", re.IGNORECASE)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?"
# A day of a month: "6/27/2011", "2011-06-27", "September 19 2014", "9 Jan 2018", "Jan 9, 2015".
_DAY_DATE = re.compile(
    rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b"
    rf"|\b{_MONTH}[ \t]+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?[ \t]+{_MONTH}(?![a-z])",
    re.IGNORECASE,
)
# What else a printed date-time holds: weekday, month, time, AM/PM, a zone, "at".
_DATE_WORDS = re.compile(
    rf"\b(?:{_WEEKDAY}|{_MONTH}|at|am|pm|a\.m\.|p\.m\.|gmt|utc|[ecmp][sd]t|bst|cet|cest)(?![a-z])"
    r"|[+-]\d{4}\b|\bgmt[+-]\d{1,2}\b",
    re.IGNORECASE,
)

_EMAIL = re.compile(r"(?:mailto:)?(?P<address>[\w.+'&=-]+[ \t]?[@©][ \t]?[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)
_OPENERS = "[<(‹«"
_CLOSERS = "]>)›»"
_NAME_JUNK = " \t\"'`‘’“”•·*|;:,_-=[]<>()‹›«»"
_ON_BEHALF = re.compile(r"\bon[ \t]+behalf[ \t]+of\b", re.IGNORECASE)
_TRAILING_PAREN = re.compile(r"[ \t]*\([^()]*\)?[ \t]*$")
# What OCR makes of a redaction box's edge after a name ("Lesley Groff I", "Neil Doe I I").
_OCR_BARS = frozenset(("I", "l", "|", "II", "ll", "Il", "lI", "1"))
_LOTUS_NAME = re.compile(r"^CN=(?P<name>[^/]+)/", re.IGNORECASE)
_LOTUS_ORG = re.compile(r"^(?P<name>[^\W\d_][\w.'’ -]*?)/[^\W\d_][\w./=@-]*$")

# OCR's readings of the free-mail domains that fill this kind of archive ("grnail.corn").
_DOMAIN_FIXES = {
    "grnail.com": "gmail.com",
    "gmall.com": "gmail.com",
    "gmai1.com": "gmail.com",
    "qmail.com": "gmail.com",
    "dmail.com": "gmail.com",
    "cimail.com": "gmail.com",
    "omail.com": "gmail.com",
    "hotrnail.com": "hotmail.com",
}
_TLD_FIXES = {"corn": "com", "eom": "com", "coin": "com", "corm": "com"}


@dataclass(frozen=True, slots=True)
class PrintedPerson:
    """One sender or recipient as printed.

    ``name`` is the display name as printed ("Epstein, Jeffrey" stays so), ``address`` the email
    address in lower case with OCR slips in well-known domains mended (``©`` for ``@``,
    ``grnail.corn``); either may be None. ``span`` locates the name in the text, or the address
    when there is no name."""

    field: str  # from | to | cc | bcc
    name: str | None
    address: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class PrintedHeader:
    """The header block a printed email opens with. ``end`` is where the body starts."""

    start: int
    end: int
    layout: str  # inline | block
    people: tuple[PrintedPerson, ...]
    date: str | None  # the Sent (or Date) value as printed
    subject: str | None

    @property
    def sender(self) -> PrintedPerson | None:
        return next((p for p in self.people if p.field == "from"), None)

    @property
    def recipients(self) -> tuple[PrintedPerson, ...]:
        return tuple(p for p in self.people if p.field != "from")


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int  # exclusive, before the newline
    text: str


def read_printed_header(text: str) -> PrintedHeader | None:
    """The header block ``text`` opens with, or None when it does not open like a printed email.

    A block needs a From label and a Sent or To label, or To, Subject and Sent (or Date) labels
    (a chat log printed like a message, with no sender). Offsets are into ``text``; see the module
    docstring for the layouts read and for what ends a block."""
    lines = _head_lines(text)
    first = _first_label_index(lines)
    if first is None:
        return None
    return _Reader(text, lines, first).read()


def header_fields(header: PrintedHeader) -> list[HeaderField]:
    """The header's people as :class:`HeaderField` (name: the display name, or the address)."""
    fields = []
    for person in header.people:
        name = person.name or person.address
        if name:
            fields.append(HeaderField(person.field, name, person.address, person.span))
    return fields


def apply_printed_header(document: Document) -> bool:
    """Fill ``document`` from the printed header its text opens with; False (untouched) when none.

    Sets ``headers``, ``body_start`` (everything before it is header lines), ``title`` (the
    Subject, when one is printed) and ``date`` (as precisely as the Sent or Date value prints it: a
    month alone is not made a day, and a value without a year goes to ``date_partial``)."""
    header = read_printed_header(document.text)
    if header is None:
        return False
    document.headers = header_fields(header)
    document.body_start = header.end
    if header.subject:
        document.title = header.subject
    iso = printed_iso_date(header.date) if header.date else None
    if iso:
        document.date = iso
        document.date_source = "printed-header"
        value = header.date or ""
        where = document.text.find(value, header.start, header.end)
        if value and where >= 0:
            document.date_span = Span(where, where + len(value))
    elif header.date:  # "Sent: January 2014" stays a month; "Sent: Monday, January 6" waits for a year
        from threadline.ingest.dates import read_written_date

        written = read_written_date(header.date)
        if written is not None and written.iso is not None:
            document.date, document.date_source = written.iso, "printed-header"
        elif written is not None:
            document.date_partial = written.partial
    return True


def printed_iso_date(value: str) -> str | None:
    """ISO date or date-time of a printed Sent/Date value, or None unless it names a day."""
    # Imported here: dateparser takes a tenth of a second to import, and link/sources.py, used by
    # read-only commands, needs only the parsing above.
    from threadline.ingest.dates import normalise_date

    if not _DAY_DATE.search(value):
        return None
    return normalise_date(value)


def is_header_label_line(line: str) -> bool:
    """True when ``line`` is a printed header label ("From:", "Sent: ...", "Subject; Re: x");
    the short foreign labels ("A:", "De:") only count inside a block."""
    label = _label(line, opening=False)
    return label is not None and label[1] not in _SHORT_FOREIGN_LABELS


def normalise_address(raw: str) -> str:
    """An email address as printed, in lower case, with OCR's slips in common domains mended."""
    address = re.sub(r"[ \t]+", "", raw).replace("©", "@").lower().removeprefix("mailto:")
    local, _, domain = address.rpartition("@")
    head, dot, tld = domain.rpartition(".")
    if dot and tld in _TLD_FIXES:
        domain = f"{head}.{_TLD_FIXES[tld]}"
    domain = _DOMAIN_FIXES.get(domain, domain)
    return f"{local}@{domain}"


# --- the block ----------------------------------------------------------------------------------


def _head_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    limit = min(len(text), _MAX_HEAD_CHARS)
    while pos <= limit and len(lines) < _MAX_HEAD_LINES:
        newline = text.find("\n", pos)
        end = len(text) if newline < 0 else newline
        lines.append(_Line(pos, end, text[pos:end]))
        if newline < 0:
            break
        pos = newline + 1
    return lines


def _first_label_index(lines: list[_Line]) -> int | None:
    preamble = 0
    for index, line in enumerate(lines):
        stripped = line.text.strip().strip("\ufeff").strip()
        if not stripped or _STAMP.match(stripped):
            continue
        if _label(line.text, opening=True) is not None:
            return index
        if _QUOTE_START.match(stripped) and not stripped.startswith(">"):
            return None
        preamble += 1
        if preamble > _MAX_PREAMBLE_LINES or not _furniture(stripped):
            return None
    return None


def _furniture(line: str) -> bool:
    """A short line that is no prose and no field: "L._", ">>", "LOVE & KISSES", a file name.

    "Dear Odile," or "thanks" above a header means the header is a quoted one."""
    if len(line) > _MAX_PREAMBLE_CHARS or ":" in line or line.endswith(","):
        return False
    words = line.split()
    if words and words[0].casefold() in _SALUTATIONS:
        return False
    return not any(len(word) >= 3 and word.isalpha() and word.islower() for word in words)


def _label(line: str, *, opening: bool, bare: bool = False) -> tuple[str, str, int, int] | None:
    """(field, label text, value start, value end) for a label line; offsets within ``line``.

    ``bare``: a label alone on its line without a colon counts too (inside a run of labels)."""
    match = _LABEL_LINE.match(line)
    if match is not None:
        key = match.group("label").replace(" ", "").replace(".", "").lower()
        field = _LABELS.get(key)
        if field is None or (opening and key not in _OPENING_LABELS):
            return None
        if match.group("sep") == ";" and key in _SHORT_FOREIGN_LABELS:
            return None  # "a;" is more likely text than a label
        return field, key, match.start("value"), match.start("value") + len(match.group("value").rstrip())
    date_label = _BARE_DATE_LABEL.match(line)
    if date_label is not None and _is_date_value(date_label.group("value")):
        key = date_label.group("label").lower()
        value = date_label.group("value").rstrip()
        return _LABELS[key], key, date_label.start("value"), date_label.start("value") + len(value)
    if bare and not opening:
        alone = _BARE_LABEL.match(line)
        if alone is not None:
            key = alone.group("label").lower()
            if key in _LABELS and len(key) > 2:
                return _LABELS[key], key, alone.end("label"), alone.end("label")
    return None


def _is_date_value(value: str) -> bool:
    """A value that is a printed date-time and nothing else ("Friday, January 9, 2015 7:27 PM")."""
    if not _DAY_DATE.search(value) and not re.search(r"\b\d{4}\b", value):
        return False
    rest = _DATE_WORDS.sub(" ", value)
    return bool(re.search(r"\d", rest)) and not re.search(r"[^\W\d_]{2,}", rest)


class _Reader:
    """Walks the lines of one block; see :func:`read_printed_header`."""

    def __init__(self, text: str, lines: list[_Line], first: int) -> None:
        self.text = text
        self.lines = lines
        self.first = first
        self.seen: set[str] = set()
        self.values: dict[str, list[tuple[int, int]]] = {}
        self.order: list[str] = []  # fields in the order their values were given
        self.printed: list[str] = []  # fields in the order their labels were printed
        self.pending: deque[str] = deque()  # labels printed without a value, waiting for one
        self.block = False  # values have been read below a run of labels
        self.displaced = False  # a body line was skipped among the values of a label block
        self.empty: str | None = None  # a field printed empty just above: its value may wrap below
        self.last: str | None = None  # the field the latest value line went to
        self.end = lines[first].end

    def read(self) -> PrintedHeader | None:
        index = self.first
        previous_empty = False
        while index < len(self.lines):
            line = self.lines[index]
            stripped = line.text.strip().strip("\ufeff").strip()
            if not stripped:
                if self.pending or self._next_is_new_label(index):
                    index += 1
                    continue
                break
            if _STAMP.match(stripped):
                index += 1
                continue
            if (
                self.last is not None
                and not stripped.strip(_CLOSERS + " \t")
                and (_open(self._last_value()) or self._next_is_new_label(index))
            ):
                self._extend(line, line.start, line.end)  # "Jane Doe <" then ">" on its own line
                index += 1
                continue
            if _QUOTE_START.match(stripped):
                break
            label = _label(line.text, opening=False, bare=previous_empty)
            if label is not None:
                if not self._take_label(line, label, index):
                    break
                previous_empty = label[2] == label[3]
                index += 1
                continue
            previous_empty = False
            if not self._take_value(line, index):
                break
            index += 1
        return self._result()

    def _take_label(self, line: _Line, label: tuple[str, str, int, int], index: int) -> bool:
        field, _key, value_start, value_end = label
        if not self._is_new(field):
            return False  # a second header (a quoted message's), or a From below block values
        self.seen.add(field)
        self.printed.append(field)
        start, end = line.start + value_start, line.start + value_end
        value = self.text[start:end]
        self.empty = None
        if start == end:
            if self._awaits_value(index):
                self.pending.append(field)
            else:  # "CC:" with nobody on it, or "Subject:" with the subject on the next line
                self.empty = field
        elif not _UNDERSCORES.sub("", value).strip(" \t[]<>"):
            pass  # a redacted value: the field was printed, its value is gone
        else:
            if self.block and self.pending:
                self.pending.clear()  # "Importance: High" below the values: they are all read
            self._give(field, start, end)
        self.end = line.end
        return True

    def _is_new(self, field: str) -> bool:
        """May a label for ``field`` still come in this block? Not twice (a second Sent or Date is
        a quoted message's), and no From after the values of a label block."""
        if field in self.seen or (field in _DATES and _DATES & self.seen):
            return False
        return not (field == "from" and self.block)

    def _awaits_value(self, index: int) -> bool:
        """Is the empty label on line ``index`` part of a label block (its value printed below)?

        Yes when the sender has no value yet and the next line is another empty label or a value
        line, or when it follows a run of empty labels. An empty label in a block whose sender
        was printed inline ("CC:" with nobody, a blank "Subject:") is simply empty."""
        if "from" in self.values:
            return False
        if self.pending:
            return True
        following = self._next_line(index)
        if following is None:
            return False
        label = _label(following.text, opening=False, bare=True)
        if label is None:
            return not _QUOTE_START.match(following.text.strip())
        return label[2] == label[3]

    def _take_value(self, line: _Line, index: int) -> bool:
        start, end = _trimmed(self.text, line.start, line.end)
        value = self.text[start:end]
        if self.pending:
            return self._take_block_value(line, index, start, end, value)
        if self.last is not None and self._continues(value, index):
            self.values[self.last].append((start, end))
            self.end = line.end
            return True
        return False

    def _take_block_value(self, line: _Line, index: int, start: int, end: int, value: str) -> bool:
        """A value line below a run of labels: it fills the first label still waiting, except
        where its kind says otherwise (a date, file names, a "Re:" subject, a wrapped list)."""
        dates = [f for f in self.pending if f in _DATES]
        following = self._next_line(index)
        if _is_date_value(value):
            self._skip_to(dates[0] if dates else None)  # the fields before it were printed blank
        elif _ATTACHMENTS.match(value) and "attachments" in self.pending:
            self._skip_to("attachments")
        elif _REPLY_PREFIX.match(value) and "subject" in self.pending:
            self._skip_to("subject")
        elif self.last in _RECIPIENTS and self.block and value.startswith((";", ",")):
            return self._extend(line, start, end)  # a long recipient list wraps
        elif self.block and self.last is not None and _open(self._last_value()):
            return self._extend(line, start, end)  # "Jane Doe [" then "mailto:jd@x.org]"
        elif dates and following is not None and _is_date_value(following.text.strip()):
            # The value right above the date belongs to the label right above the date label
            # (OCR sometimes puts a short body line first: "Agreed", then the sender, the date).
            position = self.printed.index(dates[0])
            before = self.printed[position - 1] if position else None
            if before in PEOPLE_FIELDS and before is not None and _person_like(value):
                self._skip_to(dates[0])
                self.block = True
                self._give(before, start, end)
                self.end = line.end
                return True
        field = self.pending[0]
        if field in PEOPLE_FIELDS and not _person_like(value):
            if dates and not self.displaced:
                self.displaced = True  # a body line OCR read above the values; the date follows
                self.end = line.end
                return True
            if dates or "subject" not in self.pending:
                return False  # body text, not a name: the block ended early
            self._skip_to("subject")  # the recipient was printed blank; this is the subject
            field = "subject"
        self.pending.popleft()
        self.block = True
        self._give(field, start, end)
        self.end = line.end
        return True

    def _skip_to(self, field: str | None) -> None:
        while field is not None and self.pending and self.pending[0] != field:
            self.pending.popleft()

    def _extend(self, line: _Line, start: int, end: int) -> bool:
        assert self.last is not None
        self.values[self.last].append((start, end))
        self.end = line.end
        return True

    def _continues(self, value: str, index: int) -> bool:
        """Is this non-label line the wrapped end of the last value (or the value of the empty
        label right above it)? Sets ``last`` to the field it belongs to."""
        if self.empty is not None and self._next_is_new_label(index, 1):
            self.values[self.empty] = []
            self.order.append(self.empty)
            self.last, self.empty = self.empty, None  # "Subject:" then "Re: lunch" then "Importance:"
            return True
        recipients = [f for f in self.order if f in _RECIPIENTS]
        if value.startswith(";") and recipients:
            self.last = recipients[-1]  # "; Jack Doe" after the Subject line: the To list's tail
            return True
        if self.last in PEOPLE_FIELDS and _open(self._last_value()) and _ADDRESS_TAIL.match(value):
            return True
        if self.last == "attachments" and self._last_value().endswith(";"):
            return True
        if _ATTACHMENTS.match(value) and "attachments" not in self.seen and self._next_is_new_label(index):
            self.values.setdefault("attachments", [])  # file names printed above their label
            self.last = "attachments"
            return True
        within = _MAX_RECIPIENT_WRAP_LINES if self.last in _RECIPIENTS else _MAX_WRAP_LINES
        return self._next_is_new_label(index, within)

    def _next_is_new_label(self, index: int, within: int = 2) -> bool:
        """A label not yet seen comes within ``within`` non-blank lines after line ``index``."""
        seen = 0
        for line in self.lines[index + 1 :]:
            stripped = line.text.strip()
            if not stripped or _STAMP.match(stripped):
                continue
            if _QUOTE_START.match(stripped):
                return False
            label = _label(line.text, opening=False)
            if label is not None:
                return self._is_new(label[0])
            seen += 1
            if seen >= within:
                return False
        return False

    def _next_line(self, index: int) -> _Line | None:
        for line in self.lines[index + 1 :]:
            stripped = line.text.strip()
            if stripped and not _STAMP.match(stripped):
                return line
        return None

    def _give(self, field: str, start: int, end: int) -> None:
        start, end = _trimmed(self.text, start, end)
        self.values[field] = [(start, end)]
        self.order.append(field)
        self.last = field

    def _last_value(self) -> str:
        if self.last is None:
            return ""
        start, end = self.values[self.last][-1]
        return self.text[start:end]

    def _result(self) -> PrintedHeader | None:
        if not ("from" in self.seen and {"sent", "to"} & self.seen) and not (
            {"to", "subject"} <= self.seen and _DATES & self.seen
        ):
            return None  # a memo's "From:" and "Date:", a form's "To:": not an email's header
        people: list[PrintedPerson] = []
        for field in PEOPLE_FIELDS:
            found = _people(self.text, field, self.values.get(field, []))
            people.extend(found[:1] if field == "from" else found)
        date = self._joined("sent") or self._joined("date")
        subject = self._joined("subject")
        body = self.end + 1 if self.end < len(self.text) else self.end
        return PrintedHeader(
            start=self.lines[self.first].start,
            end=body,
            layout="block" if self.block else "inline",
            people=tuple(people),
            date=date,
            subject=subject,
        )

    def _joined(self, field: str) -> str | None:
        parts = [_UNDERSCORES.sub(" ", self.text[s:e]) for s, e in self.values.get(field, [])]
        value = " ".join(" ".join(parts).split()).strip()
        return value or None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\ufeff":
        start += 1
    while end > start and text[end - 1] in " \t":
        end -= 1
    return start, end


def _open(value: str) -> bool:
    """An unclosed bracket: the address went on to the next line (or was redacted)."""
    return any(value.count(o) > value.count(c) for o, c in zip(_OPENERS, _CLOSERS, strict=True))


def _person_like(value: str) -> bool:
    """A name or an address list line, not a line of text (block values only)."""
    if _EMAIL.search(value) or value.startswith((";", ",")):
        return True
    if not _UNDERSCORES.sub("", value).strip(" \t[]<>•"):
        return True  # a redaction bar where the name was
    if value.rstrip(" \t)(:-;").endswith(("!", "?")):
        return False  # "Easy enough! :-)", "your statement?"
    return len(value) <= _MAX_PERSON_VALUE_CHARS and len(value.split()) <= _MAX_PERSON_VALUE_WORDS


# --- names and addresses -----------------------------------------------------------------------


def _people(text: str, field: str, spans: list[tuple[int, int]]) -> list[PrintedPerson]:
    if field == "from":
        spans = _behalf_of(text, spans)
    people: list[PrintedPerson] = []
    for span_start, span_end in spans:
        span_end = min(span_end, span_start + _MAX_VALUE_CHARS)  # a value, not a page of text
        for start, end in _segments(text, span_start, span_end):
            person = _person(text, field, start, end)
            if person is None:
                continue
            if people and person.name is None and _address_only(text, start, end):
                merged = _merge(people[-1], person)
                if merged is not None:
                    people[-1] = merged
                    continue
            people.append(person)
    return people


def _behalf_of(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """ "Jane Roe on behalf of John Doe": the message is John Doe's (his From, her Sender)."""
    for index, (start, end) in enumerate(spans):
        match = _ON_BEHALF.search(text, start, end)
        if match is not None:
            rest = [(match.end(), end), *spans[index + 1 :]]
            if text[match.end() : end].strip():
                return rest
            return rest if index + 1 < len(spans) else spans
    return spans


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one value line into people: at ";", and at "," between bracketed addresses."""
    pieces = []
    cursor = start
    for match in re.finditer(r";|(?<=[\]>)]),|,(?=[ \t]*[^\s,;]+@)", text[start:end]):
        pieces.append((cursor, start + match.start()))
        cursor = start + match.end()
    pieces.append((cursor, end))
    return [(s, e) for s, e in pieces if text[s:e].strip(_NAME_JUNK)]


def _address_only(text: str, start: int, end: int) -> bool:
    value = text[start:end].strip()
    return value[:1] in _OPENERS or value.lower().startswith("mailto:") or value.endswith(tuple(_CLOSERS))


def _merge(previous: PrintedPerson, address: PrintedPerson) -> PrintedPerson | None:
    """ "Jane Doe [" on one line and "mailto:jd@x.org]" on the next are one person."""
    if previous.address is not None or previous.field != address.field or previous.name is None:
        return None
    return PrintedPerson(previous.field, previous.name, address.address, previous.span)


def _person(text: str, field: str, start: int, end: int) -> PrintedPerson | None:
    value = text[start:end]
    emails = list(_EMAIL.finditer(value))
    address = normalise_address(emails[0].group("address")) if emails else None
    if emails:
        first = emails[0]
        before = value[: first.start()]
        name_span = _name_span(text, start, start + len(before))
        if name_span is None and not before.strip(_NAME_JUNK):
            # "jd@x.org (Jane Doe)" or "jd@x.org [jd@x.org]"
            after = value[first.end() :]
            inner = re.match(r"[ \t]*\((?P<name>[^()@]+)\)", after)
            if inner is not None:
                name_span = _name_span(
                    text, start + first.end() + inner.start("name"), start + first.end() + inner.end("name")
                )
        if name_span is None:
            a_start = start + first.start("address")
            return PrintedPerson(field, None, address, Span(a_start, a_start + len(first.group("address"))))
        return PrintedPerson(field, text[name_span[0] : name_span[1]], address, Span(*name_span))
    name_span = _name_span(text, start, end)
    if name_span is None:
        return None
    return PrintedPerson(field, text[name_span[0] : name_span[1]], None, Span(*name_span))


def _without_trailing_debris(value: str) -> str:
    """``value`` without trailing words that are no name: redaction-box edges, "111.11111....."."""
    while True:
        head, space, last = value.rstrip().rpartition(" ")
        if not space or not head.strip(_NAME_JUNK):
            return value
        if last in _OCR_BARS or not any(c.isalpha() for c in last):
            value = head
        else:
            return value


def _name_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The display name inside ``text[start:end]``: quotes, brackets, redaction bars and a
    trailing "(Company)" or "/Org" dropped; None when no name is left."""
    value = text[start:end]
    cut = len(value)
    for opener in _OPENERS[:2]:  # "Jane Doe [" "Jane Doe <": an address the print lost
        position = value.find(opener)
        if 0 < position < cut:
            cut = position
    underscores = _UNDERSCORES.search(value)
    if underscores is not None and 0 < underscores.start() < cut:
        cut = underscores.start()
    value = value[:cut]
    lotus = _LOTUS_NAME.match(value.strip())
    offset = 0
    if lotus is not None:
        offset = value.find(lotus.group("name"))
        value = value[offset : offset + len(lotus.group("name"))]
    else:
        org = _LOTUS_ORG.match(value.strip())
        if org is not None and "@" not in org.group("name"):
            offset = value.find(org.group("name"))
            value = value[offset : offset + len(org.group("name"))]
    paren = _TRAILING_PAREN.search(value)
    if paren is not None and value[: paren.start()].strip(_NAME_JUNK):
        value = value[: paren.start()]
    value = _without_trailing_debris(value)
    left = len(value) - len(value.lstrip(_NAME_JUNK))
    right = len(value.rstrip(_NAME_JUNK))
    if right <= left:
        return None
    name = value[left:right]
    if not any(c.isalpha() for c in name) or "@" in name or "©" in name:
        return None
    return start + offset + left, start + offset + right
