"""One document in, sentences and mentions out: the language backends behind one call.

``extract_document`` (English), ``extract_russian`` and ``extract_mixed`` are pure functions of
(document, clean text, what the NER models made of it, watchlist): no I/O and no shared state, so a
distributed engine can map them over partitions unchanged. Each is a backend's ``read`` followed by
``core.assemble``, the language-neutral steps. ``extract_documents`` streams many documents through
spaCy's ``nlp.pipe`` and sends each to the backends its language needs.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    "extract_document",
    "extract_documents",
    "extract_mixed",
    "extract_russian",
    "load_nlp",
    "rematch_watchlist",
    "segments",
]

T = TypeVar("T")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


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
) -> Iterator[tuple[Document, Extraction | Exception, T]]:
    """Run NER over many documents and extract each; yields in input order.

    English text goes through spaCy's ``nlp.pipe``; with a ``detector``, Russian documents go to
    natasha instead and mixed ones to both, paragraph by paragraph (``russian`` is loaded on first
    need when not given, by ``load_russian`` when given: a worker that keeps one across calls). ``T`` is any tag the caller wants carried along (a file path, say). A
    document whose extraction fails is yielded with the exception instead, so the caller can
    record it and go on.
    """
    from spacy.tokens import Doc

    matcher = WatchlistMatcher(watchlist)
    # Plain strings go to nlp.pipe so tokenising happens in the workers; each piece's context waits
    # here in order (nlp.pipe keeps order), rather than being pickled through the worker pipes.
    waiting: deque[tuple[Document, CleanText, T, int, str, list[tuple[int, int]]]] = deque()
    failed: dict[int, Exception] = {}  # id(document) -> why it could not be routed or cut

    def pieces() -> Iterator[str]:
        for document, clean, tag in items:
            try:
                kind, ru_spans = detector.route(clean.text) if detector else ("en", [])
                spans = [] if kind == "ru" else segments(clean.text)
            except Exception as exc:  # raised inside spaCy's worker loop, it could hang the run
                failed[id(document)] = exc
                kind, ru_spans, spans = "failed", [], []
            if not spans:  # spaCy has nothing to do; an empty piece keeps the order
                waiting.append((document, clean, tag, 1, kind, ru_spans))
                yield ""
                continue
            for start, end in spans:
                waiting.append((document, clean, tag, len(spans), kind, ru_spans))
                yield clean.text[start:end]

    parts: list[Any] = []
    for parsed in nlp.pipe(pieces(), batch_size=batch_size, n_process=n_process):
        document, clean, tag, count, kind, ru_spans = waiting.popleft()
        parts.append(parsed)
        if len(parts) < count:
            continue
        whole = parts[0] if count == 1 else Doc.from_docs(parts, ensure_whitespace=False)
        parts = []
        if kind == "failed":
            yield document, failed.pop(id(document)), tag
            continue
        try:
            if kind != "en" and russian is None:
                from threadline.extract.russian import RussianNER

                russian = load_russian() if load_russian else RussianNER()
            if kind == "ru" and russian is not None:
                extraction = extract_russian(document, clean, russian, matcher, people=watchlist)
            elif kind == "mixed" and russian is not None:
                extraction = extract_mixed(
                    document, clean, whole, russian, ru_spans, matcher, people=watchlist
                )
            else:
                extraction = extract_document(document, clean, whole, matcher)
            yield document, extraction, tag
        except Exception as exc:  # one odd document must not stop the run
            yield document, exc, tag


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
