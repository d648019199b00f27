"""Do two person names denote the same person? Every positive answer says why.

Plain string similarity is not enough here: Masimov~Maksimov and Tokayev~Tokarev are one
edit apart yet different people, while Massimov~Masimov and Nazarbayev~Nazarbaev are
transliteration variants of one name. Tokens are compared on a transliteration skeleton
(anyascii, then the variations English/French/German romanisations of Russian and Kazakh
names actually show), with rigour's metaphone and edit distance as a narrow fallback, and
feminine surname forms (Nazarbayeva) kept apart from masculine ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.names.keys import name_key
from threadline.names.translit import is_feminine_pair, same_token, skeleton

_PARTICLES = {"de", "da", "del", "der", "van", "von", "bin", "ibn", "al", "el", "la", "le", "du", "di"}

__all__ = ["NameForm", "is_feminine_pair", "same_person_name", "same_surname", "same_token", "skeleton"]


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
        return len(core) >= 2 and not is_initial(core[-1]) and not all(is_initial(t) for t in core[:-1])


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
