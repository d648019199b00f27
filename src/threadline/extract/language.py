"""Which language a document, or each paragraph of a mixed document, is written in.

Only the distinction the pipeline acts on is reported: ``"en"`` (English NER), ``"ru"`` (Russian
NER) or ``"other"``.

Why lingua (``lingua-language-detector``): it is maintained, runs offline with its models inside
the wheel (nothing fetched at run time), is the most accurate of the open detectors on short
texts (a paragraph, a headline) where n-gram profilers such as langdetect or langid fail, and it
can be restricted to the few languages that occur in this material. The restriction matters for
the Cyrillic languages: separating Russian from Kazakh and Ukrainian is exactly what a detector
trained on every language gets wrong on short, name-heavy paragraphs. Its models load lazily on
the first call and then stay in memory (~150 MB for the languages below), so a caller builds one
``LanguageDetector`` and keeps it.

Fast paths skip the detector where the script settles the question: a paragraph with no Cyrillic
letters is never Russian, and a mostly Cyrillic paragraph without letters specific to Kazakh or
Ukrainian is Russian.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from lingua import Language, LanguageDetectorBuilder

EN, RU, OTHER = "en", "ru", "other"

# Languages the detector chooses among; everything not English or Russian is reported as "other".
DEFAULT_LANGUAGES: tuple[Language, ...] = (
    Language.ENGLISH,
    Language.RUSSIAN,
    Language.KAZAKH,
    Language.UKRAINIAN,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.ITALIAN,
)

_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
# Letters Russian does not use: Kazakh (әғқңөұүһі) and Ukrainian/Belarusian (іїєґў).
_NON_RUSSIAN_CYRILLIC = re.compile(r"[әғқңөұүһіїєґўӘҒҚҢӨҰҮҺІЇЄҐЎ]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# Paragraphs with fewer letters than this carry too little signal; they take their neighbours' language.
MIN_LETTERS = 20
# Texts are sampled to this many characters before the (comparatively slow) statistical detector.
SAMPLE_CHARS = 2000
# "Mostly Cyrillic": this share of the letters.
CYRILLIC_SHARE = 0.6


class LanguageDetector:
    """A lingua detector restricted to a few languages; build once and keep it."""

    def __init__(self, languages: Sequence[Language] = DEFAULT_LANGUAGES) -> None:
        if Language.ENGLISH not in languages or Language.RUSSIAN not in languages:
            raise ValueError("the detector needs at least English and Russian")
        self._detector = LanguageDetectorBuilder.from_languages(*languages).build()

    def detect_language(self, text: str) -> str:
        """The language most of ``text``'s letters are written in: "en", "ru" or "other"."""
        letters: Counter[str] = Counter()
        for start, end, lang in self.language_spans(text):
            letters[lang] += _letter_count(text[start:end])
        if not letters:
            return OTHER
        return max(letters, key=lambda lang: (letters[lang], lang == EN, lang == RU))

    def language_spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, language) per paragraph (blank-line separated), adjacent equal ones joined.

        Spans cover the paragraphs' text, not the blank lines between them. Short paragraphs
        (headings, bylines, lone names) take the language of the paragraph before them, or after
        them at the start of the text.
        """
        parts = paragraphs(text)
        langs: list[str | None] = [self._paragraph_language(text[s:e]) for s, e in parts]
        known = [lang for lang in langs if lang is not None]
        fallback = known[0] if known else self._guess_short(text)
        current = fallback
        resolved: list[str] = []
        for lang in langs:
            current = lang or current
            resolved.append(current)
        spans: list[tuple[int, int, str]] = []
        for (start, end), lang in zip(parts, resolved, strict=True):
            if spans and spans[-1][2] == lang:
                spans[-1] = (spans[-1][0], end, lang)
            else:
                spans.append((start, end, lang))
        return spans

    def route(self, text: str) -> tuple[str, list[tuple[int, int]]]:
        """Which extraction a text needs: ("en", []) for spaCy alone, ("ru", spans) for natasha
        alone, ("mixed", spans) for both, ``spans`` being the Russian paragraphs' (start, end).

        Cheaper than ``language_spans``: a text without Cyrillic letters is answered at once, and
        paragraphs without them never reach the statistical detector.
        """
        if not _CYRILLIC.search(text):
            return EN, []
        parts = paragraphs(text)
        langs: list[str | None] = []
        for start, end in parts:
            chunk = text[start:end]
            if not _CYRILLIC.search(chunk):
                langs.append(OTHER if _letter_count(chunk) >= MIN_LETTERS else None)
            else:
                langs.append(self._paragraph_language(chunk))
        known = [lang for lang in langs if lang is not None]
        current = known[0] if known else self._guess_short(text)
        ru: list[tuple[int, int]] = []
        only_ru = True
        for (start, end), lang in zip(parts, langs, strict=True):
            current = lang or current
            if current != RU:
                only_ru = False
            elif ru and not text[ru[-1][1] : start].strip():
                ru[-1] = (ru[-1][0], end)
            else:
                ru.append((start, end))
        if not ru:
            return EN, []
        return (RU if only_ru else "mixed"), ru

    def _paragraph_language(self, paragraph: str) -> str | None:
        letters = _letter_count(paragraph)
        if letters == 0:
            return None
        cyrillic = len(_CYRILLIC.findall(paragraph))
        if cyrillic == 0:
            # Not Russian; the detector only decides English versus the rest.
            if letters < MIN_LETTERS:
                return None
            return self._detect(paragraph, cyrillic=False)
        if cyrillic >= letters * CYRILLIC_SHARE and not _NON_RUSSIAN_CYRILLIC.search(paragraph):
            return RU
        if letters < MIN_LETTERS:
            return None
        return self._detect(paragraph, cyrillic=True)

    def _detect(self, paragraph: str, *, cyrillic: bool) -> str:
        found = self._detector.detect_language_of(paragraph[:SAMPLE_CHARS])
        if found == Language.ENGLISH:
            return EN
        if found == Language.RUSSIAN and cyrillic:
            return RU
        return OTHER

    def _guess_short(self, text: str) -> str:
        """Language of a text too short for the detector: by script alone."""
        letters = _letter_count(text)
        if letters and len(_CYRILLIC.findall(text)) >= letters * CYRILLIC_SHARE:
            return OTHER if _NON_RUSSIAN_CYRILLIC.search(text) else RU
        return EN if letters and text.isascii() else OTHER


def _letter_count(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each non-blank paragraph of ``text[start:end]``, without surrounding whitespace."""
    stop_at = len(text) if end is None else end
    spans = []
    pos = start
    for m in [*_PARAGRAPH_BREAK.finditer(text, start, stop_at), None]:
        stop = m.start() if m else stop_at
        chunk = text[pos:stop]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            spans.append((pos + lead, pos + trail))
        if m:
            pos = m.end()
    return spans
