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
    date: str | None = None  # ISO 8601 when known
    source: str | None = None  # outlet, site or mail domain; used for boilerplate detection
    url: str | None = None
    format: str = "text"  # text | html | email | json | pdf | image | docx | xlsx | csv
    body_start: int = 0
    meta: dict[str, str] = field(default_factory=dict)
    headers: list[HeaderField] = field(default_factory=list)
    # Start offset in ``text`` of each page (pages[0] == 0) for paged formats (PDF); empty otherwise.
    pages: list[int] = field(default_factory=list)
    parent: str | None = None  # path of the email an attachment came from

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


@dataclass(slots=True)
class Extraction:
    """Result of extracting one document: its sentences and the names in them."""

    sentences: list[Sentence]
    mentions: list[Mention]


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
