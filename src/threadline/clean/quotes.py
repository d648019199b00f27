"""Quoted material in messages: "> " lines, and what follows a reply or forward header."""

from __future__ import annotations

import re

# Where quoted material starts in an email body: a reply header, or a forwarded message.
_QUOTE_START = re.compile(
    r"^[ \t>]*(?:"
    r"-{2,}\s*(?:Original Message|Forwarded message|Пересылаемое сообщение|Исходное сообщение)\s*-{2,}"
    r"|Begin forwarded message:"
    r"|On\b[^\n]{0,200}\bwrote:"
    r"|From:[^\n]*\n[ \t>]*(?:Sent|Date):"
    r")",
    re.MULTILINE | re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*", re.MULTILINE)


def quoted_ranges(text: str, body_start: int = 0) -> list[tuple[int, int]]:
    """Sorted ranges of ``text`` that quote other messages: lines starting with ">", and all
    that follows the first reply or forward header with words of the message's own above it (a
    header block that opens the body, maybe under a stamp, is the message's own, as in a saved or
    printed email)."""
    ranges = [(m.start(), m.end()) for m in _QUOTED_LINE.finditer(text, body_start)]
    for header in _QUOTE_START.finditer(text, body_start):
        above = text[body_start : header.start()]
        own_words = (
            _has_words(above) if header.group(0).lstrip(" \t>")[:5].lower() == "from:" else above.strip()
        )
        if own_words:
            ranges.append((header.start(), len(text)))
            break
    return sorted(ranges)


def _has_words(text: str) -> bool:
    """Whether a line of words precedes ("Fine by me."), not just a stamp ("HOUSE_OVERSIGHT_012")
    above a printed message's own From/Sent header block."""
    return any(len(line.split()) >= 2 and any(c.islower() for c in line) for line in text.split("\n"))


def in_ranges(ranges: list[tuple[int, int]], position: int) -> bool:
    return any(a <= position < b for a, b in ranges)
