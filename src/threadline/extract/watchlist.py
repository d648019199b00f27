"""Find watchlist names and aliases in text: any case, possessive forms, lone surnames."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threadline.model import WatchlistPerson
from threadline.names.keys import name_key, name_tokens

# Name boundaries that work next to Cyrillic too, and never inside an email address or domain
# ("rustam.abenov@..."); a possessive suffix may follow and is left out of the match.
NAME_START = r"(?<![\w@.-])"
NAME_END = r"(?=(?:['’]s?)?(?![\w@-]|\.\w))"


@dataclass(frozen=True, slots=True)
class WatchlistHit:
    start: int
    end: int
    person_id: str
    surname_only: bool  # matched only the person's surname, which needs in-document confirmation


class WatchlistMatcher:
    """One compiled alternation over every watchlist name, alias and surname."""

    def __init__(self, people: Sequence[WatchlistPerson]) -> None:
        self._by_key: dict[str, set[str]] = defaultdict(set)
        self._surname_keys: set[str] = set()
        terms: set[str] = set()
        for person in people:
            for name in person.all_names:
                tokens = name_tokens(name)
                if not tokens:
                    continue
                terms.add(name.strip())
                self._by_key[name_key(name)].add(person.id)
                if len(tokens) == 1:
                    self._surname_keys.add(name_key(name))
                if len(tokens) > 1 and len(tokens[-1]) > 2:
                    terms.add(tokens[-1])
                    self._by_key[name_key(tokens[-1])].add(person.id)
                    self._surname_keys.add(name_key(tokens[-1]))
        self._pattern: re.Pattern[str] | None = None
        if terms:
            alternation = "|".join(
                r"\s+".join(re.escape(t) for t in name_tokens(term))
                for term in sorted(terms, key=len, reverse=True)
            )
            self._pattern = re.compile(rf"{NAME_START}(?:{alternation}){NAME_END}", re.IGNORECASE)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def find(self, text: str) -> Iterator[WatchlistHit]:
        if self._pattern is None:
            return
        for m in self._pattern.finditer(text):
            found = m.group(0)
            # "Any case" means MASSIMOV and Massimov; a lone all-lowercase word is usually a common
            # word that shares the spelling ("prices rose" for a watchlist "Rose").
            if found.islower() and not any(ch.isspace() for ch in found):
                continue
            key = name_key(found)
            owners = self._by_key.get(key, set())
            # A surname shared by two watchlist people identifies neither.
            if len(owners) != 1:
                continue
            yield WatchlistHit(m.start(), m.end(), next(iter(owners)), key in self._surname_keys)
