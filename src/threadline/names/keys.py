"""Comparable forms of names: case-, accent- and script-insensitive keys and tokens.

The lowest layer of name handling, shared by extraction (watchlist matching, propagation) and
resolution (clustering), so neither reaches into the other.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii


def name_tokens(name: str) -> list[str]:
    return [t for t in re.split(r"\s+", name.strip()) if t]


def is_initial(token: str) -> bool:
    return len(token.rstrip(".")) == 1 and token[:1].isalpha()


# Soft and hard signs (and their romanisation primes) carry no letter of their own: anyascii would
# write them as apostrophes, splitting "Ильхам" into "il kham".
_SIGNS = str.maketrans("", "", "ьъЬЪʹʺ")


@lru_cache(maxsize=500_000)
def name_key(name: str) -> str:
    """Case-, accent- and script-insensitive form used to compare names
    ("Masimov" == "MASIMOV"; "Ильхам Алиев" -> "ilkham aliev")."""
    ascii_name = anyascii(name.translate(_SIGNS)).lower()
    return " ".join(re.findall(r"[a-z]+", ascii_name))


# Generational suffixes: never a surname of their own ("John Smith III" is a Smith).
_SUFFIX_TOKENS = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "junior", "senior"}


def surname_token(name: str) -> str:
    """The last token of a name that is not a generational suffix ("Smith" in "John Smith Jr.")."""
    tokens = name_tokens(name)
    while len(tokens) > 1 and tokens[-1].lower().rstrip(",") in _SUFFIX_TOKENS:
        tokens.pop()
    return tokens[-1] if tokens else ""
