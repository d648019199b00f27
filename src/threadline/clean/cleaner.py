"""Remove junk from a document body before NER, keeping a map back to the original text.

The clean text is built only from substrings of ``Document.text`` (including the original
newline and space characters kept as separators; a wrapped line's newline may become a space),
so ``CleanText.to_original`` is exact for every clean offset and evidence quotes always come
from the original.

One pass per document: the inline rules are found over the whole body first, then a walk over
its lines decides for each whether to keep it whole, keep it minus inline pieces, or drop it.
"""

from __future__ import annotations

import re

from threadline.clean.patterns import (
    BATES_NUMBER,
    BATES_PREFIX,
    BATES_PREFIX_MAX,
    HSPACE,
    INLINE_RULES,
    JUNK_LINE,
    JUNK_LINE_ANY,
    JUNK_LINE_ANY_NEEDLES,
    JUNK_LINE_MAX,
    junk_reason,
)
from threadline.clean.quotes import in_ranges, quoted_ranges
from threadline.model import CleanText, Document, Span

__all__ = ["clean", "line_key", "line_keys"]

# Blank lines kept in a row; more only add noise, and two still mark a paragraph break.
_MAX_BLANK_RUN = 2

_LINE_KEY_MIN = 12
_LINE_KEY_MAX = 200
_NAME_LINE_MAX_WORDS = 6
_NAME_PARTICLES = frozenset(["de", "da", "del", "della", "der", "van", "von", "la", "le", "bin", "ibn", "al"])
_PERSON_HEADER_KEYS = ("from:", "to:", "cc:", "bcc:", "reply-to:")
_THREE_LETTERS = re.compile(r"[^\W\d_]{3}")
# Rows of a spreadsheet are records, not wrapped prose: their line breaks stay.
_TABULAR_FORMATS = frozenset({"xlsx", "csv"})
# A newline after a line of 30+ characters not ending in ":" and before a line starting with a
# word (not a bullet, quote marker or "Key:" label).
_WRAP_MIN_LINE = 30
_WRAP = re.compile(r"(?<=[^\n]{30})(?<![:\s])\n(?![\w .-]{1,20}:\s)(?=[^\W_])")
# Beyond this length a line is debris only when it has no letter or digit at all.
_DEBRIS_RATIO_MAX_LEN = 80


def _is_name_line(words: list[str]) -> bool:
    """A short line of capitalised words: a signature, byline, letterhead or heading.

    Such lines recur across a source ("Jeffrey Q. Sample, Esq." under every letter he signs)
    but they name people, which is what the pipeline is looking for.
    """
    if len(words) > _NAME_LINE_MAX_WORDS:
        return False
    for word in words:
        first = word[0]
        if first.isalpha() and not first.isupper() and word not in _NAME_PARTICLES:
            return False
    return True


def line_key(line: str) -> str | None:
    """Normalised form of ``line`` for counting repeated lines across a source's documents.

    Case, spacing, digits and reply quoting are ignored so a footer repeats even when it
    carries a date or was quoted in a reply. Returns None for lines too short, too long or
    too letter-poor to say anything about a source, and for lines that name people and so
    must never be dropped as boilerplate: name-like lines and From/To/Cc header lines of
    forwarded or quoted messages.
    """
    text = line.strip()
    if text[:1] == ">":
        text = text.lstrip("> \t")
    if len(text) < _LINE_KEY_MIN:  # cheap reject before normalising
        return None
    words = text.split()
    key = " ".join(words).casefold()
    if not _LINE_KEY_MIN <= len(key) <= _LINE_KEY_MAX:
        return None
    if _is_name_line(words) or key.startswith(_PERSON_HEADER_KEYS):
        return None
    for digit in "123456789":  # several str.replace calls beat str.translate here
        key = key.replace(digit, "0")
    if _THREE_LETTERS.search(key) is None:  # dates, phone numbers, rules of dashes
        return None
    return key


def line_keys(document: Document) -> set[str]:
    """The distinct line keys of ``document``'s body (the header block is not counted).

    Quoted lines do not count: a footer recurs unquoted in every message that carries it, while a
    sentence quoted down a thread is one message's words, not the source's boilerplate.
    """
    keys: set[str] = set()
    text, start = document.text, document.body_start
    quoted = quoted_ranges(text, start)
    for line in text[start:].split("\n"):
        if not quoted or not in_ranges(quoted, start):
            key = line_key(line)
            if key is not None:
                keys.add(key)
        start += len(line) + 1
    return keys


def _inline_hits(body: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, reason) of every inline removal in ``body``, in order."""
    hits: list[tuple[int, int, str]] = []
    for rule in INLINE_RULES:
        if not rule.needles or any(needle in body for needle in rule.needles):
            hits.extend((m.start(), m.end(), rule.reason) for m in rule.regex.finditer(body))
    for m in BATES_NUMBER.finditer(body):
        start = m.start()
        prefix = BATES_PREFIX.search(body, max(0, start - BATES_PREFIX_MAX), start)
        if prefix is not None:
            hits.append((prefix.start(), m.end(), "bates"))
    if not hits:
        return hits
    # Rules can overlap ("HOUSE_OVERSIGHT_012345" is also a generic stamp): keep the earliest,
    # longest one.
    hits.sort(key=lambda hit: (hit[0], -hit[1]))
    merged = [hits[0]]
    for hit in hits[1:]:
        if hit[0] >= merged[-1][1]:
            merged.append(hit)
    return merged


def _junk_line_reason(stripped: str) -> str | None:
    """Why the stripped line is web-page junk, or None."""
    if len(stripped) > JUNK_LINE_MAX:
        return None
    if not stripped[0].islower():
        match = JUNK_LINE.fullmatch(stripped)
        if match is not None:
            return junk_reason(match.lastgroup)
    lower = stripped.lower()
    for needle in JUNK_LINE_ANY_NEEDLES:
        if needle in lower:
            match = JUNK_LINE_ANY.fullmatch(stripped)
            return None if match is None else junk_reason(match.lastgroup)
    return None


def _is_debris(stripped: str) -> bool:
    """OCR noise: a non-empty stripped line that is mostly punctuation or lone characters."""
    if _THREE_LETTERS.search(stripped) is not None:
        return False  # the common case: the line has a word
    if len(stripped) > _DEBRIS_RATIO_MAX_LEN:
        return not any(c.isalnum() for c in stripped)
    tokens = stripped.split()
    if all(len(token) == 1 for token in tokens):
        return True  # "l | ,", "i i", a lone page letter
    alnum = sum(1 for c in stripped if c.isalnum())
    return 2 * alnum < sum(map(len, tokens))


class _Builder:
    """Collects kept body ranges as merged segments; the text is sliced and joined once."""

    __slots__ = ("base", "body", "segments", "size")

    def __init__(self, body: str, base: int) -> None:
        self.body = body
        self.base = base
        self.segments: list[tuple[int, int, int]] = []
        self.size = 0

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return
        length = end - start
        orig = self.base + start
        segments = self.segments
        if segments:
            c0, o0, n0 = segments[-1]
            if o0 + n0 == orig:  # continues the previous range in both texts
                segments[-1] = (c0, o0, n0 + length)
                self.size += length
                return
        segments.append((self.size, orig, length))
        self.size += length

    def result(self, removed: list[tuple[Span, str]]) -> CleanText:
        if not self.segments:  # keep to_original() pointing into the body, not at offset 0
            return CleanText("", [(0, self.base, 0)], removed)
        body, base = self.body, self.base
        text = "".join([body[orig - base : orig - base + length] for _, orig, length in self.segments])
        return CleanText(text, self.segments, removed)


def _cut_line(
    body: str, start: int, end: int, hits: list[tuple[int, int, str]], hit: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]], bool, int]:
    """Split the line ``body[start:end]`` around the inline hits from ``hits[hit]`` on.

    Returns the kept ranges, the hits used, whether they were all quote markers, and the
    index of the first hit past the line.
    """
    kept: list[tuple[int, int]] = []
    used: list[tuple[int, int, str]] = []
    only_quote = True
    cursor = start
    has_text = False  # kept non-space text on this line so far
    last_space = False  # the last kept character is a separator
    n_hits = len(hits)
    while hit < n_hits and hits[hit][0] < end:
        h_start, h_end, reason = hits[hit]
        hit += 1
        used.append((h_start, h_end, reason))
        if reason == "quote":  # only ever at the start of the line
            cursor = h_end
            continue
        only_quote = False
        # Drop the surrounding spaces too, then keep back one original space if the piece sat
        # between words, so "foo STAMP bar" becomes "foo bar" and offsets still map.
        a = h_start
        while a > cursor and body[a - 1] in HSPACE:
            a -= 1
        b = h_end
        while b < end and body[b] in HSPACE:
            b += 1
        if a > cursor:
            kept.append((cursor, a))
            has_text = True
            last_space = False
        if has_text and b < end and not last_space:
            space = a if a < h_start else h_end if b > h_end else -1
            if space >= 0:
                kept.append((space, space + 1))
                last_space = True
        cursor = b
    if cursor < end:
        kept.append((cursor, end))
    return kept, used, only_quote, hit


def clean(document: Document, boilerplate: frozenset[str] = frozenset(), *, unwrap: bool = True) -> CleanText:
    """The body of ``document`` with junk removed, mapped back to ``document.text``.

    ``boilerplate`` holds line keys (see :func:`line_key`) frequent in the document's
    source; lines with those keys are dropped. ``removed`` records each dropped line (its
    visible extent), stamp, redaction code and quote marker; whitespace dropped with them or
    by collapsing blank lines is not recorded. With ``unwrap``, the line breaks of wrapped
    prose become spaces (see :func:`unwrap_lines`); nothing else differs from the original.
    """
    text = document.text
    base = min(max(document.body_start, 0), len(text))
    body = text[base:]
    out = _Builder(body, base)
    removed: list[tuple[Span, str]] = []
    hits = _inline_hits(body)
    n_hits = len(hits)
    hit = 0
    blank_run = 0
    size = len(body)
    start = 0
    while start < size:
        newline = body.find("\n", start)
        end = size if newline < 0 else newline
        next_start = size if newline < 0 else newline + 1

        kept: list[tuple[int, int]] | None = None  # None: the whole line
        inline: list[tuple[int, int, str]] = []
        only_quote = True
        if hit < n_hits and hits[hit][0] < end:
            kept, inline, only_quote, hit = _cut_line(body, start, end, hits, hit)
            stripped = "".join([body[s:e] for s, e in kept]).strip()
        else:
            stripped = body[start:end].strip()

        if not stripped:
            if inline:
                removed.extend((Span(base + s, base + e), why) for s, e, why in inline)
            # A line that held only a stamp or redaction goes with its newline; a blank line
            # (or an empty quoted line, "> ") is a paragraph break and is kept, up to a limit.
            if only_quote:
                blank_run += 1
                if blank_run <= _MAX_BLANK_RUN and newline >= 0:
                    out.add(newline, newline + 1)
            start = next_start
            continue

        reason = _junk_line_reason(stripped)
        if reason is None and boilerplate and line_key(body[start:end]) in boilerplate:
            reason = "boilerplate"
        if reason is None and _is_debris(stripped):
            reason = "ocr-debris"

        if reason is not None:
            # Dropping the line and its own newline leaves the previous line's newline, so
            # neighbours stay on separate lines; the recorded span is the visible line.
            raw = body[start:end]
            left = start + len(raw) - len(raw.lstrip())
            right = start + len(raw.rstrip())
            removed.append((Span(base + left, base + right), reason))
        else:
            blank_run = 0
            if kept is None:
                out.add(start, next_start)
            else:
                if inline:
                    removed.extend((Span(base + s, base + e), why) for s, e, why in inline)
                for s, e in kept:
                    out.add(s, e)
                if newline >= 0:
                    out.add(newline, newline + 1)
        start = next_start

    result = out.result(removed)
    if unwrap and document.format not in _TABULAR_FORMATS:
        result.text = unwrap_lines(result.text)
    return result


def unwrap_lines(text: str) -> str:
    """Turn the line breaks of wrapped prose into spaces, one character for one.

    PDF text layers, OCR and emails break lines mid-sentence, and NER rarely finds a name split
    by a newline ("Aigerim\nBekturova"). A break is a wrap when the line before is long and does
    not end a heading or a label, and the next line continues the paragraph: it starts with a
    word, not a "Key: value" label nor a capitals-only word under a line in mixed case (a stamp or
    heading), and is long itself or the paragraph's last line (not a short list item). Replacing a
    character with another keeps every offset as it was.
    """
    if "\n" not in text:
        return text
    chars = list(text)
    for match in _WRAP.finditer(text):
        at = match.start()
        line_start = text.rfind("\n", 0, at) + 1
        next_end = text.find("\n", at + 1)
        next_end = len(text) if next_end < 0 else next_end
        following = text[at + 1 : next_end]
        first_word = following.split(maxsplit=1)[0]
        if first_word.isupper() and len(first_word) > 1 and not text[line_start:at].isupper():
            continue
        if len(following) < _WRAP_MIN_LINE and text[next_end + 1 : next_end + 2] not in ("", "\n"):
            continue
        chars[at] = " "
    return "".join(chars)
