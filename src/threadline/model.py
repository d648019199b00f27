"""Plain dataclasses passed between pipeline stages.

Every stage takes and returns these; nothing here touches the database or the
network, so any stage can run on a worker of a distributed engine unchanged.
Offsets are always character offsets into ``Document.text``, the text the user
sees quoted as evidence.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum


class EntityType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    LOCATION = "location"


class MentionKind(StrEnum):
    NER = "ner"  # found by the statistical model
    PROPAGATED = "propagated"  # a surname re-found after a full name in the same document
    WATCHLIST = "watchlist"  # a watchlist name or alias matched in the text
    HEADER = "header"  # a person named in an email header (From/To/Cc)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(slots=True)
class Document:
    """One readable unit: a file, or one record/message inside a container file.

    ``text`` is what evidence quotes. For emails it starts with a rendered header
    block and ``body_start`` marks where the message body begins.
    """

    # File path; "#n" for the n-th record/message of a container; "!/member" for a member of an
    # archive or an email attachment ("mail.eml!/report.pdf", "a.zip!/x/b.zip!/c.txt").
    path: str
    sha256: str  # hash of the bytes this document was read from (record bytes for containers)
    text: str
    title: str | None = None
    # When it was written, as an ISO 8601 prefix: "2014-01-06" (or with a time), "2014-01", "2014";
    # never more precise than what was printed or recorded.
    date: str | None = None
    source: str | None = None  # outlet, site or mail domain; used for boilerplate detection
    url: str | None = None
    format: str = "text"  # text | html | email | json | pdf | image | docx | xlsx | csv
    body_start: int = 0
    meta: dict[str, str] = field(default_factory=dict)
    headers: list[HeaderField] = field(default_factory=list)
    # Start offset in ``text`` of each page (pages[0] == 0) for paged formats (PDF); empty otherwise.
    pages: list[int] = field(default_factory=list)
    parent: str | None = None  # path of the email an attachment came from
    date_precision: str | None = None  # day | month | year (see ingest.dates)
    # Where ``date`` was read: email-header, printed-header, html-meta, record, dateline, date-line,
    # file-name, pdf-metadata, office-metadata; "story" when a year-less dateline took its year from
    # another copy of the story.
    date_source: str | None = None
    date_span: Span | None = None  # where in ``text`` the date is printed, when it is
    # A date printed without its year ("--03-11" for "ASTANA, March 11."): its year comes only from
    # evidence (another copy of the story), never from the day threadline runs.
    date_partial: str | None = None

    def page_of(self, offset: int) -> int | None:
        """1-based page holding ``offset``, or None for an unpaged document."""
        return page_at(self.pages, offset)


def page_at(pages: list[int], offset: int) -> int | None:
    """1-based page holding ``offset`` given page start offsets, or None when there are none."""
    return bisect_right(pages, offset) if pages else None


@dataclass(frozen=True, slots=True)
class HeaderField:
    """A person named in an email header: ``span`` locates ``name`` inside Document.text."""

    field: str  # from | to | cc | bcc
    name: str  # display name, or the address when there is none
    address: str | None
    span: Span


@dataclass(slots=True)
class CleanText:
    """The text handed to NER: ``text`` with junk removed, and a map back to the original.

    ``segments`` are (clean_start, original_start, length) triples in increasing order;
    every kept character lies in exactly one of them.
    """

    text: str
    segments: list[tuple[int, int, int]]
    removed: list[tuple[Span, str]] = field(default_factory=list)  # original spans + why

    def to_original(self, pos: int) -> int:
        """Map an offset in the clean text to the original document text."""
        if not self.segments:
            return pos
        i = bisect_right(self.segments, (pos, float("inf"), 0)) - 1
        i = max(i, 0)
        clean_start, orig_start, length = self.segments[i]
        return orig_start + min(pos - clean_start, length)


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """A name in a document. ``start``/``end`` locate ``surface`` in Document.text."""

    start: int
    end: int
    surface: str  # exactly Document.text[start:end]
    name: str  # the name with possessive, titles and roles removed
    type: EntityType
    kind: MentionKind
    sentence: int  # index into Extraction.sentences
    role: str | None = None  # "former Prime Minister", "Senator", ...
    watchlist_id: str | None = None
    # Filled by document-level propagation: the full name this short form stands for.
    full_name: str | None = None
    address: str | None = None  # for a name in an email header, the address it came with


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date written in a sentence ("on July 16", "в 2019 году"), read into an ISO prefix.

    ``spec`` is what the words say on their own: "2024-07-16", "2024-07", "2024", "--07-16" (no
    year), "--07" (a month), or a relative "rel:day:-1" (yesterday), "rel:weekday:0" (Monday),
    "rel:year:-1" (last year). ``date`` and ``precision`` are the spec anchored to the document's
    own date and the sentence's ``tense`` (None when nothing anchors it: then it is kept undated).
    """

    start: int
    end: int
    surface: str  # exactly Document.text[start:end]
    spec: str
    sentence: int  # index into Extraction.sentences
    tense: str | None = None  # past | future | None
    date: str | None = None
    precision: str | None = None  # day | month | year


@dataclass(slots=True)
class Extraction:
    """Result of extracting one document: its sentences and the names and dates in them."""

    sentences: list[Sentence]
    mentions: list[Mention]
    dates: list[DateMention] = field(default_factory=list)
    language: str | None = None  # en | ru | mixed: the backends that read it


@dataclass(frozen=True, slots=True)
class WatchlistPerson:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    source: str | None = None

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)
