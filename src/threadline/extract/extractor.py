"""One document in, sentences and mentions out: the language backends behind one call.

``extract_document`` (English), ``extract_russian`` and ``extract_mixed`` are pure functions of
(document, clean text, what the NER models made of it, watchlist): no I/O and no shared state, so a
distributed engine can map them over partitions unchanged. Each is a backend's ``read`` followed by
``core.assemble``, the language-neutral steps. ``extract_documents`` streams many documents through
spaCy's ``nlp.pipe`` and sends each to the backends its language needs; within one call a
paragraph met again word for word is not parsed again (``ParsedParagraphs``).
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from threadline.extract.core import (
    Draft,
    LanguageBackend,
    Reading,
    apply_watchlist,
    assemble,
    finish,
    propagate_surnames,
    segments,
    tag_watchlist_variants,
)
from threadline.extract.english import English, load_nlp
from threadline.extract.watchlist import WatchlistMatcher
from threadline.model import CleanText, Document, Extraction, MentionKind, WatchlistPerson

if TYPE_CHECKING:  # natasha and lingua load only when a document needs them
    from threadline.extract.language import LanguageDetector
    from threadline.extract.russian import RussianNER

__all__ = [
    "ParsedParagraphs",
    "ReuseStats",
    "extract_document",
    "extract_documents",
    "extract_mixed",
    "extract_russian",
    "load_nlp",
    "paragraphs",
    "rematch_watchlist",
    "segments",
]

T = TypeVar("T")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# Whitespace at either end of a piece, or a blank line (a whitespace run holding two line breaks
# or more): no sentence crosses a blank line (english._paragraph_breaks), no entity either
# (english.ner_drafts drops those).
_BETWEEN_PARAGRAPHS = re.compile(r"\A\s+|\s+\Z|\s*\n\s*\n\s*")
# A blank line between two paragraphs this long or longer cuts a piece for spaCy. Parsed alone, a
# short one ("Dear Ms Okafor,", "Regards,") loses the context spaCy's NER reads across the blank
# line. 40 of the first 300 house-oversight documents: spaCy's PERSON/ORG/LOC entities differing
# from one parse of the whole piece, cutting at every blank line 0.53%, at 300 characters 0.36%,
# at none 0.14%; the characters an exact copy could reuse in all 300: 7.25%, 7.15%, 7.05% (what
# repeats there is mostly long).
MIN_PARAGRAPH_ALONE = 300
MAX_REUSE_PARAGRAPHS = 50_000
MAX_REUSE_CHARACTERS = 4_000_000


def paragraphs(piece: str) -> list[str]:
    """``piece`` cut for spaCy into paragraphs and the whitespace between them; they join back to it.

    Every part is either text (no whitespace at either end) or a whole run of whitespace: a blank
    line, or the piece's leading or trailing whitespace. A blank line cuts only between two
    paragraphs of ``MIN_PARAGRAPH_ALONE`` characters or more; shorter ones stay with their
    neighbours in one part. So the same text between such cuts gives the same part wherever it
    stands. An empty piece is one empty part.
    """
    parts: list[str] = []
    last = 0  # length of the last paragraph in parts[-1] (a part can hold several)

    def add(paragraph: str) -> None:
        nonlocal last
        if len(parts) >= 2 and min(last, len(paragraph)) < MIN_PARAGRAPH_ALONE:
            blank = parts.pop()
            parts[-1] += blank + paragraph
        else:
            parts.append(paragraph)
        last = len(paragraph)

    pos = 0
    for gap in _BETWEEN_PARAGRAPHS.finditer(piece):
        if gap.start() > pos:
            add(piece[pos : gap.start()])
        parts.append(gap.group())
        pos = gap.end()
    if pos < len(piece) or not parts:
        add(piece[pos:])
    return parts


@dataclass
class ReuseStats:
    """What ``ParsedParagraphs`` saved: paragraphs (blank lines not counted) and their characters."""

    paragraphs: int = 0
    characters: int = 0
    reused_paragraphs: int = 0
    reused_characters: int = 0


class ParsedParagraphs:
    """spaCy's Docs of paragraphs already parsed, so an exact copy is not parsed again.

    Least recently used entries go first once there are more than ``max_paragraphs`` or their
    text is longer than ``max_characters`` in all, so memory stays flat however long the run. An
    entry a piece still waits for is never dropped (those are the pieces nlp.pipe holds: a bounded
    number). A part (see ``paragraphs``) is always parsed alone and is cut by its own text only,
    so its Doc is the same whichever documents it came with and reusing it changes no answer.

    ``claim`` a paragraph when its piece is cut (True: it will be here, do not parse it), ``store``
    the parsed Doc of one that was not, and ``release`` every claimed one once its piece is built.
    """

    def __init__(
        self,
        max_paragraphs: int = MAX_REUSE_PARAGRAPHS,
        max_characters: int = MAX_REUSE_CHARACTERS,
        stats: ReuseStats | None = None,
    ) -> None:
        self.max_paragraphs = max_paragraphs
        self.max_characters = max_characters
        self.stats = stats if stats is not None else ReuseStats()
        self._docs: OrderedDict[str, Any] = OrderedDict()
        self._characters = 0
        self._claims: dict[str, int] = {}  # paragraph -> pieces cut but not yet built that hold it

    def __len__(self) -> int:
        return len(self._docs)

    @property
    def characters(self) -> int:
        return self._characters

    def claim(self, paragraph: str) -> bool:
        known = paragraph in self._docs or paragraph in self._claims
        self._claims[paragraph] = self._claims.get(paragraph, 0) + 1
        if paragraph.strip():
            self.stats.paragraphs += 1
            self.stats.characters += len(paragraph)
            if known:
                self.stats.reused_paragraphs += 1
                self.stats.reused_characters += len(paragraph)
        return known

    def store(self, paragraph: str, doc: Any) -> None:
        if paragraph not in self._docs:
            self._characters += len(paragraph)
        self._docs[paragraph] = doc

    def get(self, paragraph: str) -> Any:
        self._docs.move_to_end(paragraph)
        return self._docs[paragraph]

    def release(self, paragraph: str) -> None:
        left = self._claims.pop(paragraph) - 1
        if left:
            self._claims[paragraph] = left
        count, characters = len(self._docs), self._characters
        dropped = []
        for old in self._docs:  # oldest first
            if count <= self.max_paragraphs and characters <= self.max_characters:
                break
            if old not in self._claims:
                dropped.append(old)
                count -= 1
                characters -= len(old)
        for old in dropped:
            del self._docs[old]
        self._characters = characters


def extract_document(
    document: Document, clean: CleanText, parsed: Any, watchlist: WatchlistMatcher | None = None
) -> Extraction:
    """Sentences and mentions of one English document (``parsed``: spaCy's Doc of ``clean.text``)."""
    english = English()
    extraction = assemble(document, [(english, english.read(document, clean, parsed, None))], watchlist)
    extraction.language = "en"
    return extraction


def extract_russian(
    document: Document,
    clean: CleanText,
    ner: RussianNER,
    watchlist: WatchlistMatcher | None = None,
    *,
    people: Sequence[WatchlistPerson] = (),
    analysis: Any = None,
) -> Extraction:
    """Sentences and mentions of one Russian document, all offsets in ``document.text``.

    ``people``, the watchlist's people, also tags inflected and cross-script forms ("Масимова" for
    "Karim Massimov"). ``analysis`` is ``ner.analyse(clean.text)`` when the caller already ran it.
    """
    from threadline.extract.russian import Russian

    russian = Russian(ner)
    extraction = assemble(
        document, [(russian, russian.read(document, clean, analysis, None))], watchlist, people
    )
    extraction.language = "ru"
    return extraction


def extract_mixed(
    document: Document,
    clean: CleanText,
    parsed: Any,
    ner: RussianNER,
    ru_spans: Sequence[tuple[int, int]],
    watchlist: WatchlistMatcher | None = None,
    *,
    people: Sequence[WatchlistPerson] = (),
) -> Extraction:
    """A document with Russian and English paragraphs: spaCy's sentences and entities (``parsed``
    is the spaCy doc of ``clean.text``) outside ``ru_spans``, natasha's inside them.

    ``ru_spans`` are (start, end) offsets in ``clean.text``: the "ru" spans of
    ``LanguageDetector.language_spans(clean.text)``. Surnames propagate across both parts.
    """
    from threadline.extract.russian import Russian

    english, russian = English(), Russian(ner)
    en_spans = _complement(ru_spans, len(clean.text))
    parts: list[tuple[LanguageBackend, Reading]] = [
        (english, english.read(document, clean, parsed, en_spans)),
        (russian, russian.read(document, clean, None, ru_spans)),
    ]
    extraction = assemble(document, parts, watchlist, people)
    extraction.language = "mixed"
    return extraction


def _complement(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    out, pos = [], 0
    for start, end in sorted(spans):
        if start > pos:
            out.append((pos, start))
        pos = max(pos, end)
    if pos < length:
        out.append((pos, length))
    return out


class _Waiting:
    """A document waiting for the Docs of its paragraphs (``docs[i]`` None: not back yet, or reused)."""

    __slots__ = ("clean", "cut", "docs", "document", "error", "kind", "missing", "parts", "ru_spans", "tag")

    def __init__(self, document: Document, clean: CleanText, tag: Any, kind: str, ru_spans: Any) -> None:
        self.document, self.clean, self.tag, self.kind, self.ru_spans = document, clean, tag, kind, ru_spans
        self.parts: list[str] = []
        self.docs: list[Any] = []
        self.missing = 0
        # Every part listed: nlp.pipe may hand back the first parts while the generator that cuts
        # this document is still suspended half-way (batch_size 1, or a batch ending mid-document).
        self.cut = False
        self.error: Exception | None = None  # why it could not be routed or cut


def extract_documents(
    items: Iterable[tuple[Document, CleanText, T]],
    nlp: Any,
    watchlist: Sequence[WatchlistPerson] = (),
    *,
    batch_size: int = 32,
    n_process: int = 1,
    detector: LanguageDetector | None = None,
    russian: RussianNER | None = None,
    load_russian: Callable[[], RussianNER] | None = None,
    parsed: ParsedParagraphs | None = None,
) -> Iterator[tuple[Document, Extraction | Exception, T]]:
    """Run NER over many documents and extract each; yields in input order.

    English text goes through spaCy's ``nlp.pipe``; with a ``detector``, Russian documents go to
    natasha instead and mixed ones to both, paragraph by paragraph (``russian`` is loaded on first
    need when not given, by ``load_russian`` when given: a worker that keeps one across calls).
    ``T`` is any tag the caller wants carried along (a file path, say). A document whose
    extraction fails is yielded with the exception instead, so the caller can record it and go on.

    spaCy parses each paragraph (see ``paragraphs``) on its own, once: an exact copy later in the
    run reuses the first one's Doc from ``parsed`` (a fresh ``ParsedParagraphs`` when not given;
    its ``stats`` say how much was reused). The Doc of a document's clean text is its paragraphs'
    Docs joined, character for character.
    """
    from spacy.tokens import Doc

    matcher = WatchlistMatcher(watchlist)
    cache = parsed if parsed is not None else ParsedParagraphs()
    # Plain strings go to nlp.pipe so tokenising happens in the workers; each document waits here
    # in order (nlp.pipe keeps order), rather than being pickled through the worker pipes, and so
    # does each paragraph sent to spaCy: (its document, its index there; -1 for a tick).
    waiting: deque[_Waiting] = deque()
    sent: deque[tuple[_Waiting, int]] = deque()

    def texts() -> Iterator[str]:
        for document, clean, tag in items:
            error = None
            try:
                kind, ru_spans = detector.route(clean.text) if detector else ("en", [])
                spans = [] if kind == "ru" else segments(clean.text)
            except Exception as exc:  # raised inside spaCy's worker loop, it could hang the run
                error, kind, ru_spans, spans = exc, "failed", [], []
            entry = _Waiting(document, clean, tag, kind, ru_spans)
            entry.error = error
            waiting.append(entry)
            for start, end in spans or [(0, 0)]:  # spaCy has nothing to do: one empty paragraph
                for part in paragraphs(clean.text[start:end]):
                    entry.parts.append(part)
                    entry.docs.append(None)
                    if not cache.claim(part):
                        entry.missing += 1
                        sent.append((entry, len(entry.parts) - 1))
                        yield part
            entry.cut = True
            if not entry.missing:  # every paragraph seen before: an empty text keeps things moving
                sent.append((entry, -1))
                yield ""

    def ready() -> Iterator[tuple[Document, Extraction | Exception, T]]:
        while waiting and waiting[0].cut and not waiting[0].missing:
            entry = waiting.popleft()
            docs = [
                cache.get(part) if doc is None else doc
                for part, doc in zip(entry.parts, entry.docs, strict=True)
            ]
            for part in entry.parts:
                cache.release(part)
            whole = docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False)
            yield entry.document, _extracted(entry, whole), entry.tag

    def _extracted(entry: _Waiting, whole: Any) -> Extraction | Exception:
        nonlocal russian
        document, clean, kind = entry.document, entry.clean, entry.kind
        if entry.error is not None:
            return entry.error
        try:
            if kind != "en" and russian is None:
                from threadline.extract.russian import RussianNER

                russian = load_russian() if load_russian else RussianNER()
            if kind == "ru" and russian is not None:
                return extract_russian(document, clean, russian, matcher, people=watchlist)
            if kind == "mixed" and russian is not None:
                return extract_mixed(
                    document, clean, whole, russian, entry.ru_spans, matcher, people=watchlist
                )
            return extract_document(document, clean, whole, matcher)
        except Exception as exc:  # one odd document must not stop the run
            return exc

    for doc in nlp.pipe(texts(), batch_size=batch_size, n_process=n_process):
        entry, index = sent.popleft()
        if index >= 0:
            entry.docs[index] = doc
            entry.missing -= 1
            cache.store(entry.parts[index], doc)
        yield from ready()
    yield from ready()


def rematch_watchlist(
    text: str,
    body_start: int,
    extraction: Extraction,
    matcher: WatchlistMatcher,
    people: Sequence[WatchlistPerson] = (),
) -> Extraction:
    """Apply a (changed) watchlist to a stored extraction without running NER again.

    ``people`` (the same watchlist) also tags inflected and cross-script forms in Cyrillic text.
    """
    drafts = [
        Draft(m.start, m.end, m.name, m.type, m.kind, m.role, None, m.full_name, m.address)
        for m in extraction.mentions
        if m.kind is not MentionKind.WATCHLIST
    ]
    drafts = apply_watchlist(text, body_start, drafts, matcher)
    drafts = propagate_surnames(text, body_start, drafts)
    if people and _CYRILLIC.search(text):
        tag_watchlist_variants(drafts, people)
    return finish(text, [(s.start, s.end) for s in extraction.sentences], drafts)
