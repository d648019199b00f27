"""Copied sentences: quoted replies, forwards and duplicate files say the same words again.

A sentence gets a key, a hash of its words with case, punctuation, quote markers and line breaks
ignored; sentences too short to be distinctive ("Thanks, see below.") get none. Among the
sentences sharing a key, the store keeps one as the original (not inside quoted material first,
then the earliest dated document) and marks the rest as its copies, so counts and evidence use
each sentence once. Pure functions: the store applies them.
"""

from __future__ import annotations

import hashlib
import re

from threadline.clean.quotes import in_ranges, quoted_ranges
from threadline.model import Sentence

NO_KEY = 0  # a sentence too short or too generic to tell a copy from a coincidence
MIN_WORDS = 7
MIN_CHARS = 40
_WORD = re.compile(r"[^\W_]+")


def sentence_key(text: str) -> int:
    """A 63-bit hash of the sentence's words, or NO_KEY when it is too short to count as a copy."""
    words = _WORD.findall(text.casefold())
    if len(words) < MIN_WORDS or sum(map(len, words)) < MIN_CHARS:
        return NO_KEY
    digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1 or 1  # positive, fits SQLite's INTEGER, never NO_KEY


def sentence_keys(text: str, body_start: int, sentences: list[Sentence]) -> list[tuple[int, bool]]:
    """(key, quoted) per sentence; header-block sentences of an email get no key."""
    quoted = quoted_ranges(text, body_start)
    out = []
    for s in sentences:
        key = sentence_key(text[s.start : s.end]) if s.start >= body_start else NO_KEY
        inside = in_ranges(quoted, s.start)
        out.append((key, inside))
    return out
