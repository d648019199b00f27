"""Do two person names denote the same person? Every positive answer says why.

Plain string similarity is not enough here: Masimov~Maksimov and Tokayev~Tokarev are one
edit apart yet different people, while Massimov~Masimov and Nazarbayev~Nazarbaev are
transliteration variants of one name. Tokens are compared on a transliteration skeleton
(anyascii, then the variations English/French/German romanisations of Russian and Kazakh
names actually show), with rigour's metaphone and edit distance as a narrow fallback, and
feminine surname forms (Nazarbayeva) kept apart from masculine ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rigour.text.distance import levenshtein
from rigour.text.phonetics import metaphone

from threadline.extract.names import name_key

_PARTICLES = {"de", "da", "del", "der", "van", "von", "bin", "ibn", "al", "el", "la", "le", "du", "di"}
# Feminine forms of Slavic/Central Asian surnames: a different person from the masculine form.
_FEMININE = re.compile(r"(?:ova|eva|yeva|ina|yna|aya|skaya|tskaya)$")
_MASCULINE = re.compile(r"(?:ov|ev|yev|in|yn|iy|ii|y|sky|skiy|ski|tsky)$")


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Collapse romanisation variance: Massimov/Masimov, Aliyev/Aliev, Ablyazov/Abliazov, Dmitriy/Dmitry."""
    s = token.lower()
    s = s.replace("kh", "h").replace("ph", "f").replace("x", "ks").replace("w", "v").replace("ck", "k")
    s = s.replace("y", "i")
    s = re.sub(r"(.)\1+", r"\1", s)  # doubled letters: Massimov, and Aliyev -> aliiev -> aliev
    s = re.sub(r"(?<=[aeiou])ie", "e", s)  # Nazarbayev -> nazarbaiev -> nazarbaev
    return s


def is_feminine_pair(a: str, b: str) -> bool:
    """Nazarbayev vs Nazarbayeva: the same stem, different gender forms."""
    return bool(
        (_FEMININE.search(a) and _MASCULINE.search(b) and a.startswith(b[: max(3, len(b) - 3)]))
        or (_FEMININE.search(b) and _MASCULINE.search(a) and b.startswith(a[: max(3, len(a) - 3)]))
    )


def same_token(a: str, b: str) -> str | None:
    """Reason two name tokens (ascii keys) are one spelling, or None."""
    if a == b:
        return "same spelling"
    if is_feminine_pair(a, b) or is_feminine_pair(skeleton(a), skeleton(b)):
        return None
    if skeleton(a) == skeleton(b):
        return f"spelling variant ({a} ~ {b}: transliteration)"
    if min(len(a), len(b)) >= 6 and metaphone(a) == metaphone(b) and levenshtein(a, b) <= 1:
        return f"spelling variant ({a} ~ {b}: sounds alike, one letter apart)"
    return None


def is_initial(token: str) -> bool:
    return len(token) == 1


@dataclass(frozen=True, slots=True)
class NameForm:
    """A person name reduced to comparable tokens."""

    display: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, name: str) -> NameForm:
        return cls(name, tuple(name_key(name).split()))

    @property
    def surname(self) -> str:
        return self.tokens[-1] if self.tokens else ""

    @property
    def is_full(self) -> bool:
        """Given name (not just an initial) plus surname."""
        core = [t for t in self.tokens if t not in _PARTICLES]
        return len(core) >= 2 and not all(is_initial(t) for t in core[:-1])


def same_person_name(a: NameForm, b: NameForm) -> str | None:
    """Reason two full names are the same person's name, or None. Never matches on surname alone."""
    if not (a.is_full and b.is_full):
        return None
    if a.tokens == b.tokens:
        return "same name"
    ta = [t for t in a.tokens if t not in _PARTICLES]
    tb = [t for t in b.tokens if t not in _PARTICLES]
    given = same_token(ta[0], tb[0])
    surname = same_token(ta[-1], tb[-1])
    if given and surname and _middles_agree(ta[1:-1], tb[1:-1]):
        parts = []
        if given != "same spelling":
            parts.append(f"given name {given}")
        if surname != "same spelling":
            parts.append(f"surname {surname}")
        if len(ta) != len(tb):
            parts.append("middle name in one form only")
        return "same given name and surname" + (": " + "; ".join(parts) if parts else "")
    if len(ta) == 2 and len(tb) == 2:
        g, s = same_token(ta[0], tb[1]), same_token(ta[1], tb[0])
        if g and s:
            return "same name, surname written first"
    return None


def _middles_agree(ma: list[str], mb: list[str]) -> bool:
    if not ma or not mb:
        return True
    if len(ma) != len(mb):
        return False
    for x, y in zip(ma, mb, strict=True):
        if is_initial(x) or is_initial(y):
            if x[0] != y[0]:
                return False
        elif not same_token(x, y):
            return False
    return True


def same_surname(short: NameForm, full: NameForm) -> str | None:
    """Reason a short form (lone surname, or initials + surname) fits a full name, or None."""
    if not short.tokens or not full.tokens:
        return None
    why = same_token(short.surname, full.surname)
    if not why:
        return None
    initials = [t[0] for t in short.tokens[:-1]]
    if initials and initials[0] != full.tokens[0][0]:
        return None
    return why
