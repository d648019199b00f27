"""English with spaCy: the sentences and NER drafts of a clean text, behind ``LanguageBackend``.

spaCy parses in batches over worker processes (``nlp.pipe`` in ``extractor.extract_documents``), so
``read`` takes the parsed ``Doc`` of the clean text rather than parsing it itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from threadline.extract.core import Draft, Reading, propagate_surnames
from threadline.extract.dates import DateSpan
from threadline.extract.surface import (
    LEADING_ARTICLE,
    is_courtesy_title,
    looks_like_person,
    role_before,
    strip_name,
)
from threadline.model import CleanText, Document, EntityType, MentionKind

_LABELS = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.LOCATION,
    "LOC": EntityType.LOCATION,
}
# Components the pipeline needs; the rest of en_core_web_sm is never loaded.
PIPELINE_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
PARAGRAPH_BREAKS = "threadline_paragraph_breaks"


class English:
    """The spaCy backend. ``parsed`` is the spaCy ``Doc`` of ``clean.text``."""

    def read(
        self, document: Document, clean: CleanText, parsed: Any, spans: Sequence[tuple[int, int]] | None
    ) -> Reading:
        sentences = body_sentences(clean, parsed)
        drafts = ner_drafts(document.text, clean, parsed)
        dates = date_spans(clean, parsed)
        if spans is not None:  # only the parts of a mixed document that are not another language's
            original = [(clean.to_original(s), clean.to_original(e - 1) + 1) for s, e in spans if e > s]

            def inside(pos: int) -> bool:
                return any(s <= pos < e for s, e in original)

            sentences = [s for s in sentences if inside(s[0])]
            drafts = [d for d in drafts if inside(d.start)]
            dates = [d for d in dates if inside(d.start)]
        return Reading(sentences, drafts, dates)

    def propagate(self, text: str, body_start: int, drafts: list[Draft]) -> list[Draft]:
        return propagate_surnames(text, body_start, drafts)


def _paragraph_breaks(doc: Any) -> Any:
    """A blank line always ends a sentence; the statistical senter sometimes runs across it."""
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if (prev.is_space and prev.text.count("\n") >= 2) or "\n\n" in prev.whitespace_:
            token.is_sent_start = True
    return doc


def load_nlp(model: str) -> Any:
    """The spaCy pipeline threadline runs: sentence recogniser + paragraph breaks + NER only."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory(PARAGRAPH_BREAKS):
        Language.component(PARAGRAPH_BREAKS, func=_paragraph_breaks)
    nlp = spacy.load(model, exclude=PIPELINE_EXCLUDE)
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    nlp.add_pipe(PARAGRAPH_BREAKS, after="senter")
    return nlp


def body_sentences(clean: CleanText, parsed: Any) -> list[tuple[int, int]]:
    spans = []
    for sent in parsed.sents:
        s_text = sent.text
        lead = len(s_text) - len(s_text.lstrip())
        trail = len(s_text.rstrip())
        if trail <= lead:
            continue
        start = clean.to_original(sent.start_char + lead)
        end = clean.to_original(sent.start_char + trail - 1) + 1
        spans.append((start, end))
    return spans


def date_spans(clean: CleanText, parsed: Any) -> list[DateSpan]:
    """spaCy's DATE entities, in original offsets (extract.dates reads them)."""
    found = []
    for ent in parsed.ents:
        if ent.label_ == "DATE" and ent.text.strip():
            start = clean.to_original(ent.start_char)
            end = clean.to_original(ent.end_char - 1) + 1
            if end - start <= len(ent.text) + 2:  # not across removed junk
                found.append(DateSpan(start, end, "en"))
    return found


def ner_drafts(text: str, clean: CleanText, parsed: Any) -> list[Draft]:
    drafts = []
    for ent in parsed.ents:
        etype = _LABELS.get(ent.label_)
        if etype is None:
            continue
        clean_end = ent.end_char
        # A hard line break ends a name: wrapped prose was already joined by the cleaner, so a
        # break left inside a span is a list or a signature block ("Professor Dershowitz" over
        # "ESQUIRE DEPOSITION SOLUTIONS", "Takashi Hatchoji" over "Representative Executive Officer").
        first_line = ent.text.lstrip().split("\n", 1)[0].rstrip()
        if first_line != ent.text.strip():
            if not first_line:
                continue
            clean_end = ent.start_char + ent.text.index(first_line) + len(first_line)
        start = clean.to_original(ent.start_char)
        end = clean.to_original(clean_end - 1) + 1
        surface = text[start:end]
        if "\n\n" in surface or end - start > 3 * len(ent.text) + 10:
            continue  # the entity straddled removed junk; its original span is not a name
        cleaned = strip_name(surface)
        if not cleaned.name:
            continue
        if start and text[start - 1] in "#@":
            continue  # a hashtag or a handle (tweets: "#Brexit" read as a person 800 times)
        s = start + cleaned.offset
        e = s + len(cleaned.name)
        name = " ".join(cleaned.name.split())
        role = cleaned.role
        if etype is not EntityType.PERSON and is_courtesy_title(role) and looks_like_person(name):
            etype = EntityType.PERSON  # "Dear Ms Haddon" typed ORG: a title says it is a person
        if etype is EntityType.PERSON:
            if not looks_like_person(name):
                continue
            role = role or role_before(text, s)
        else:
            article = LEADING_ARTICLE.match(name)
            if article:
                s += article.end()
                name = name[article.end() :]
            if not _looks_like_org_or_place(name):
                continue
        drafts.append(Draft(s, e, name, etype, MentionKind.NER, role))
    return drafts


def _looks_like_org_or_place(name: str) -> bool:
    if len(name) < 2 or len(name) > 80 or "@" in name or "http" in name.lower():
        return False
    letters = sum(ch.isalpha() for ch in name)
    return letters >= 2 and letters >= len(name) * 0.6
