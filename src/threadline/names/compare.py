"""Do two person names denote the same person? Every positive answer says why.

Plain string similarity is not enough here: Masimov~Maksimov and Tokayev~Tokarev are one
edit apart yet different people, while Massimov~Masimov and Nazarbayev~Nazarbaev are
transliteration variants of one name. Tokens are compared on a transliteration skeleton
(anyascii, then the variations English/French/German romanisations of Russian and Kazakh
names actually show), with rigour's metaphone and edit distance as a narrow fallback, and
feminine surname forms (Nazarbayeva) kept apart from masculine ones. A Cyrillic token and a Latin
one are also compared as written (``crossscript``: Трамп ~ Trump, Шольц ~ Scholz), and a given
name may be a listed nickname of the other (Jeff ~ Jeffrey): that match is only *probable*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from threadline.names.crossscript import is_cyrillic, transcribed
from threadline.names.keys import name_key
from threadline.names.parts import is_nickname_pair, shared_name_item, ukrainian_russian_pair
from threadline.names.translit import is_feminine_pair, same_token, skeleton

_PARTICLES = {"de", "da", "del", "der", "van", "von", "bin", "ibn", "al", "el", "la", "le", "du", "di"}
# Generational suffixes: "Donald Trump Jr." is not "Donald Trump".
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "junior", "senior"}

__all__ = [
    "NameForm",
    "NameMatch",
    "is_feminine_pair",
    "middle_names_agree",
    "same_part",
    "same_person_name",
    "same_surname",
    "same_token",
    "skeleton",
]


def is_initial(token: str) -> bool:
    return len(token) == 1


@dataclass(frozen=True, slots=True)
class NameForm:
    """A person name reduced to comparable tokens.

    ``tokens`` are ASCII keys (``name_key``); ``raw`` the same tokens lower-cased as written, so a
    Cyrillic spelling can be compared with a Latin one by sound; ``suffix`` is a generational
    suffix (jr, iii), kept out of the tokens."""

    display: str
    tokens: tuple[str, ...]
    raw: tuple[str, ...] = ()
    suffix: str | None = None

    @classmethod
    def of(cls, name: str) -> NameForm:
        return _name_form(name)

    @classmethod
    def _build(cls, name: str) -> NameForm:
        keys: list[str] = []
        raw: list[str] = []
        for word in name.split():
            parts = name_key(word).split()
            keys += parts
            pieces = [re.sub(r"[^\w]", "", p.lower()).replace("ё", "е") for p in word.split("-")]
            if len(parts) == 1:
                raw.append("".join(pieces))
            elif len(pieces) == len(parts):  # "Kassym-Jomart", "Касым-Жомарт": each half as written
                raw += pieces
            else:  # "O'Neil": compared on its ASCII parts
                raw += parts
        suffix = None
        if len(keys) > 2 and keys[-1] in _SUFFIXES:
            suffix = keys.pop()
            raw.pop()
        return cls(name, tuple(keys), tuple(raw), suffix)

    @classmethod
    def of_key(cls, key: tuple[str, ...]) -> NameForm:
        """A form from ASCII keys alone (no script information)."""
        return cls(" ".join(key), key, key)

    def part(self, i: int) -> tuple[str, str]:
        """(key, as written) of token ``i``."""
        raw = self.raw[i] if len(self.raw) == len(self.tokens) else self.tokens[i]
        return self.tokens[i], raw

    @property
    def surname(self) -> str:
        return self.tokens[-1] if self.tokens else ""

    @property
    def is_full(self) -> bool:
        """Given name (not just an initial) plus surname."""
        core = [t for t in self.tokens if t not in _PARTICLES]
        return len(core) >= 2 and not is_initial(core[-1]) and not all(is_initial(t) for t in core[:-1])

    def core(self) -> list[int]:
        """Indices of the tokens that are not particles."""
        return [i for i, t in enumerate(self.tokens) if t not in _PARTICLES]


@lru_cache(maxsize=500_000)
def _name_form(name: str) -> NameForm:
    return NameForm._build(name)


@dataclass(frozen=True, slots=True)
class NameMatch:
    """Why two names are one person's; ``probable`` when it rests on likelihood (a nickname)."""

    reason: str
    probable: bool = False

    def __str__(self) -> str:
        return self.reason


@lru_cache(maxsize=1_000_000)
def same_part(a: tuple[str, str], b: tuple[str, str]) -> str | None:
    """Reason two name tokens, each (key, as written), are one spelling, or None.

    Keys first (``same_token``); then, for a Latin and a Cyrillic token, Wikidata's name items
    and the Russian transcription of the Latin one (``crossscript``)."""
    (ka, ra), (kb, rb) = a, b
    why = same_token(ka, kb)
    if why or is_feminine_pair(ka, kb) or is_feminine_pair(skeleton(ka), skeleton(kb)):
        return why
    if is_cyrillic(ra) == is_cyrillic(rb):
        return None
    latin, cyrillic = (ra, rb) if is_cyrillic(rb) else (rb, ra)
    if not latin.isalpha() or not cyrillic.isalpha():
        return None
    if shared_name_item(latin, cyrillic):
        return f"spelling variant ({latin} ~ {cyrillic}: one name in Wikidata's labels)"
    if transcribed(latin, cyrillic):
        return f"spelling variant ({latin} ~ {cyrillic}: Russian transcription)"
    return None


def same_person_name(a: NameForm, b: NameForm, *, probable: bool = True) -> NameMatch | None:
    """Why two full names are the same person's name, or None. Never matches on surname alone.

    With ``probable``, a given name that is a listed nickname of the other (Jeff/Jeffrey) matches,
    marked probable."""
    if not (a.is_full and b.is_full) or a.suffix != b.suffix:
        return None
    if a.tokens == b.tokens:
        return NameMatch("same name")
    ia, ib = a.core(), b.core()
    # The surname first: most names compared (those of one sound block) fail on it, and then the
    # given name need not be looked at.
    surname = same_part(a.part(ia[-1]), b.part(ib[-1]))
    given: str | None = None
    nickname = False
    if surname:
        given = same_part(a.part(ia[0]), b.part(ib[0]))
        if not given and ukrainian_russian_pair(a.tokens[ia[0]], b.tokens[ib[0]]):
            given = f"in Ukrainian and Russian ({a.tokens[ia[0]]} ~ {b.tokens[ib[0]]})"
        # a nickname is evidence enough only beside the very same surname (Jeff Epstein, not "John
        # H. Abbott" for "Jack Henry Abbot")
        same_surname_key = a.tokens[ia[-1]] == b.tokens[ib[-1]]
        if not given and probable and same_surname_key and is_nickname_pair(a.tokens[ia[0]], b.tokens[ib[0]]):
            given = f"variant ({a.tokens[ia[0]]} ~ {b.tokens[ib[0]]}: nickname)"
            nickname = True
    if given and surname and _middles_agree(a, ia[1:-1], b, ib[1:-1]):
        parts = []
        if given != "same spelling":
            parts.append(f"given name {given}")
        if surname != "same spelling":
            parts.append(f"surname {surname}")
        if len(ia) != len(ib):
            parts.append("middle name in one form only")
        return NameMatch(
            "same given name and surname" + (": " + "; ".join(parts) if parts else ""), probable=nickname
        )
    if (
        len(ia) == 2
        and len(ib) == 2
        and same_part(a.part(ia[0]), b.part(ib[1]))
        and same_part(a.part(ia[1]), b.part(ib[0]))
    ):
        return NameMatch("same name, surname written first")
    return None


def middle_names_agree(a: NameForm, b: NameForm) -> bool:
    """Whether two names' middle names (or patronymics) agree: the same, initials that fit, or one of
    them has none. "Kirill Matveyevich Lysenkov" and "Kirill Borisovich Lysenkov" do not."""
    ia, ib = a.core(), b.core()
    return _middles_agree(a, ia[1:-1], b, ib[1:-1])


def _middles_agree(a: NameForm, ma: list[int], b: NameForm, mb: list[int]) -> bool:
    if not ma or not mb:
        return True
    if len(ma) != len(mb):
        return False
    for x, y in zip(ma, mb, strict=True):
        kx, ky = a.tokens[x], b.tokens[y]
        if is_initial(kx) or is_initial(ky):
            if kx[0] != ky[0]:
                return False
        elif not same_part(a.part(x), b.part(y)):
            return False
    return True


def same_surname(short: NameForm, full: NameForm) -> str | None:
    """Reason a short form (lone surname, or initials + surname) fits a full name, or None."""
    if not short.tokens or not full.tokens or short.suffix != full.suffix:
        return None
    why = same_part(short.part(len(short.tokens) - 1), full.part(len(full.tokens) - 1))
    if not why:
        return None
    initials = [t[0] for t in short.tokens[:-1]]
    if initials and initials[0] != full.tokens[0][0]:
        return None
    return why
