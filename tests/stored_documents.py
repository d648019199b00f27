"""Documents with their extraction written by hand: every listed name is an NER mention wherever it
stands in a sentence, so store and resolution tests need no NER model."""

from __future__ import annotations

import hashlib
import re

from threadline.model import Document, EntityType, Extraction, Mention, MentionKind, Sentence


def stored(
    path: str,
    fmt: str,
    date: str | None,
    sentences: list[str],
    names: list[tuple[str, EntityType]],
    *,
    title: str | None = None,
) -> tuple[Document, Extraction]:
    """One sentence a line; ``title`` defaults to the file name."""
    text = "\n".join(sentences) + "\n"
    spans: list[Sentence] = []
    mentions: list[Mention] = []
    pos = 0
    for index, line in enumerate(sentences):
        spans.append(Sentence(index, pos, pos + len(line)))
        for name, type_ in names:
            for found in re.finditer(re.escape(name), line):
                start, end = pos + found.start(), pos + found.end()
                mentions.append(Mention(start, end, name, name, type_, MentionKind.NER, index))
        pos += len(line) + 1
    sha = hashlib.sha256(text.encode()).hexdigest()
    if title is None:
        title = path.rsplit("/", 1)[-1]
    document = Document(path=path, sha256=sha, text=text, title=title, date=date, format=fmt)
    return document, Extraction(spans, mentions)
