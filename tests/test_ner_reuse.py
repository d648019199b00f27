"""A paragraph met again word for word is parsed once per run and its Doc reused (issue 15).

All text here is invented for these tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Any

import pytest

from threadline.extract.extractor import (
    MIN_PARAGRAPH_ALONE,
    ParsedParagraphs,
    ReuseStats,
    extract_document,
    extract_documents,
    paragraphs,
)
from threadline.extract.watchlist import WatchlistMatcher
from threadline.model import CleanText, Document, Extraction

DISCLAIMER = (
    "This message and anything attached to it come from Corvane Shipping Ltd and are confidential. "
    "If Maren Oyelaran or Piet Vandersloot did not send it to you directly, please tell the "
    "compliance desk in Rotterdam at once, delete every copy you hold and do not forward, print or "
    "quote any part of it. Corvane Shipping Ltd accepts no liability for viruses in attachments."
)
QUOTED = (
    "> Piet, before Thursday can you ask Ilse Cardenhurst whether the Halden Trust ever paid the "
    "Lisbon invoice for the second barge? Oskar Lindqvist-Bray says the money left Ghent in March "
    "but the bank in Rotterdam has no record of it, and I would rather hear it from her than from "
    "the auditors when they come back from Antwerp next month."
)
BODY = (
    "The barge leaves Antwerp on Friday morning with the crates for Halden Trust on board. Ilse "
    "Cardenhurst signs for them in Ghent, and Oskar Lindqvist-Bray has agreed to meet the crew at "
    "the lock so that nothing waits on the quay over the weekend. Tell Maren Oyelaran the customs "
    "papers are with the agent in Rotterdam and the second copy is in the safe at the office."
)
TEXTS = [
    f"Piet,\n\n{BODY}\n\n{DISCLAIMER}",
    f"Maren,\n\n{BODY.replace('Friday', 'Monday')}\n\n{QUOTED}\n\n\n{DISCLAIMER}\n",
    # the disclaimer stays with the short line after it: parsed with it, not reused
    f"  {QUOTED}\n \n{DISCLAIMER}\n\nSent from the office of Oskar Lindqvist-Bray.",
    f"{DISCLAIMER}\n\n{QUOTED}",  # nothing in it that was not seen before
    f"Ilse,\n\n{BODY.replace('Ghent', 'Bruges')}\n\n{DISCLAIMER}",
]


def _items(texts: list[str]) -> list[tuple[Document, CleanText, int]]:
    items = []
    for i, text in enumerate(texts):
        document = Document(path=f"m{i}.txt", sha256=f"h{i}", text=text)
        items.append((document, CleanText(text, [(0, 0, len(text))]), i))
    return items


class CountingNLP:
    """The real pipeline, counting the texts that reach ``pipe``."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.texts: list[str] = []

    def pipe(self, texts: Iterable[str], **kwargs: Any) -> Iterator[Any]:
        def counted() -> Iterator[str]:
            for text in texts:
                self.texts.append(text)
                yield text

        docs: Iterator[Any] = self.nlp.pipe(counted(), **kwargs)
        return docs


def _extractions(results: Iterable[tuple[Document, Extraction | Exception, int]]) -> list[Extraction]:
    out = []
    for _, extraction, _ in results:
        assert not isinstance(extraction, Exception)
        out.append(extraction)
    return out


def test_paragraphs_join_back_and_are_cut_the_same_way_wherever_they_stand() -> None:
    long = "x" * MIN_PARAGRAPH_ALONE
    for text in [
        *TEXTS,
        "",
        "\n\n",
        "one line",
        "a\n\n\n  b \n\t\n c\n",
        f" {long}\n\nok\n\n{long}\n\n{long} ",
    ]:
        parts = paragraphs(text)
        assert "".join(parts) == text
        texts = [part for part in parts if part.strip()]
        assert all(part.strip() == part for part in texts)  # whitespace at the ends is its own part
        blocks = [re.split(r"\s*\n\s*\n\s*", part) for part in texts]
        for inside in blocks:  # a blank line inside a part has a short paragraph beside it
            assert all(min(len(a), len(b)) < MIN_PARAGRAPH_ALONE for a, b in pairwise(inside))
        for before, after in pairwise(blocks):  # and a blank line between parts has none
            assert min(len(before[-1]), len(after[0])) >= MIN_PARAGRAPH_ALONE
    assert paragraphs("") == [""]
    assert paragraphs("a\n \nb") == ["a\n \nb"]  # short: kept together
    assert paragraphs(f" {long}\n \n{long}\n") == [" ", long, "\n \n", long, "\n"]
    assert paragraphs(TEXTS[0]) == [f"Piet,\n\n{BODY}", "\n\n", DISCLAIMER]
    assert paragraphs(TEXTS[2]) == ["  ", QUOTED, "\n \n", TEXTS[2][len(QUOTED) + 5 :]]
    assert paragraphs("Hi,\n\nThanks.") == ["Hi,\n\nThanks."]  # short: kept together


def test_the_cache_keeps_claimed_entries_and_drops_the_oldest_others() -> None:
    cache = ParsedParagraphs(max_paragraphs=2, max_characters=100)
    assert not cache.claim("first")
    cache.store("first", "doc-first")
    cache.release("first")
    assert cache.claim("first")  # claimed again: it must stay until released
    for word in ["second", "third", "fourth"]:
        assert not cache.claim(word)
        cache.store(word, f"doc-{word}")
        cache.release(word)
    assert cache.get("first") == "doc-first"
    cache.release("first")
    assert len(cache) <= 2 and cache.characters <= 100
    assert not cache.claim("second")  # the oldest unclaimed went first
    cache.store("second", "doc-second")
    cache.release("second")
    long = ParsedParagraphs(max_paragraphs=10, max_characters=10)
    long.claim("x" * 50)
    long.store("x" * 50, "doc")
    long.release("x" * 50)
    assert len(long) == 0 and long.characters == 0
    assert cache.stats.reused_paragraphs == 1


@pytest.mark.slow
def test_repeated_paragraphs_are_parsed_once_and_change_no_answer(nlp: Any) -> None:
    items = _items(TEXTS)
    counting = CountingNLP(nlp)
    stats = ReuseStats()
    together = _extractions(extract_documents(items, counting, parsed=ParsedParagraphs(stats=stats)))

    # The disclaimer stands alone in four documents and the quoted reply in three: each reached
    # spaCy once. The fourth document was all copies: only an empty text went for it.
    assert counting.texts.count(DISCLAIMER) == 1
    assert counting.texts.count(QUOTED) == 1
    assert stats.reused_paragraphs == 3 + 2
    assert stats.reused_characters == 3 * len(DISCLAIMER) + 2 * len(QUOTED)
    assert "" in counting.texts

    # Each document alone (nothing to reuse) gives exactly the same sentences and mentions...
    alone = [_extractions(extract_documents([item], nlp))[0] for item in items]
    assert together == alone
    # ...and so does spaCy over each whole text: every offset is the original one.
    for (document, clean, _), extraction in zip(items, together, strict=True):
        whole = extract_document(document, clean, nlp(clean.text), WatchlistMatcher([]))
        assert extraction.sentences == whole.sentences
        assert extraction.mentions == whole.mentions
        assert extraction.mentions
        for mention in extraction.mentions:
            assert document.text[mention.start : mention.end] == mention.surface
    names = {m.surface for m in together[3].mentions}
    assert {"Maren Oyelaran", "Piet Vandersloot", "Ilse Cardenhurst"} <= names


@pytest.mark.slow
def test_a_small_cache_stays_small_and_workers_give_the_same_answers(nlp: Any) -> None:
    texts = [
        f"Note {i}: Ilse Cardenhurst met Oskar Lindqvist-Bray in Ghent.\n\n{DISCLAIMER}\n\n"
        f"Ledger {i % 3} of Halden Trust. {BODY}\n\n{QUOTED}"
        for i in range(12)
    ]
    texts.append("word " * 30_000 + "\n\nMaren Oyelaran spoke last.")  # long: cut in segments
    items = _items(texts)
    small = ParsedParagraphs(max_paragraphs=4, max_characters=100_000)
    one = _extractions(extract_documents(items, nlp, parsed=small))
    assert len(small) <= 4 and small.characters <= 100_000
    assert small.stats.reused_paragraphs > 0
    two = _extractions(extract_documents(items, nlp, n_process=2, batch_size=2))
    alone = [_extractions(extract_documents([item], nlp))[0] for item in items]
    assert one == two == alone
    assert [m.surface for m in one[-1].mentions] == ["Maren Oyelaran"]


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_a_document_is_read_only_once_it_is_cut_whole(nlp: Any, batch_size: int) -> None:
    # spaCy hands back a batch while the generator cutting a document is suspended half-way: a
    # document must not be read from the parts listed so far (its text would end early, and with
    # it its mentions).
    items = _items(TEXTS)
    alone = [_extractions(extract_documents([item], nlp))[0] for item in items]
    assert _extractions(extract_documents(items, nlp, batch_size=batch_size)) == alone
