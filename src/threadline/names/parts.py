"""What kept name data says about single name parts: nicknames, and Wikidata's name items.

- Nicknames come from the ``nicknames`` package (a hand-curated list of English given names and
  their diminutives: Jeff/Jeffrey, Brad/Bradley, Bill/William). A nickname makes a match
  *probable*, never certain: Jeff may be a Jeffrey or a Geoffrey.
- rigour tags name parts with Wikidata name items across scripts (Trump and Трамп are one item);
  two tokens in different scripts under one item are one name.

Both are read once per process and cached; nothing here touches the network.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _nicknamer() -> object:
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=50_000)
def _nicknames_of(name: str) -> frozenset[str]:
    namer = _nicknamer()
    found: set[str] = set(namer.nicknames_of(name))  # type: ignore[attr-defined]
    return frozenset(found)


def nicknames_of(name: str) -> frozenset[str]:
    """The listed nicknames of a given name and the names it is a nickname of (ASCII keys)."""
    if len(name) < 2:
        return frozenset()
    namer = _nicknamer()
    return _nicknames_of(name) | frozenset(namer.canonicals_of(name))  # type: ignore[attr-defined]


def is_nickname_pair(a: str, b: str) -> bool:
    """Whether one given name (ASCII key) is a listed nickname of the other (Jeff/Jeffrey)."""
    if a == b or len(a) < 2 or len(b) < 2:
        return False
    return b in _nicknames_of(a) or a in _nicknames_of(b)


@lru_cache(maxsize=1)
def _known_given_names() -> frozenset[str]:
    from nicknames import name_triplets

    names: set[str] = set()
    for triplet in name_triplets():
        names.add(triplet.name1)
        names.add(triplet.name2)
    return frozenset(names)


def is_known_given_name(key: str) -> bool:
    """Whether an ASCII key is an English given name or nickname in the kept list."""
    return key in _known_given_names()


@lru_cache(maxsize=100_000)
def name_symbols(token: str) -> frozenset[str]:
    """Wikidata name items rigour tags a single name token with (empty when it knows none)."""
    from rigour.names import NameTypeTag, analyze_names

    found: set[str] = set()
    for name in analyze_names(NameTypeTag.PER, [token], phonetics=False, numerics=False):
        for span in name.spans:
            if span.symbol.category.value == "NAME":
                found.add(span.symbol.id)
    return frozenset(found)


def shared_name_item(a: str, b: str) -> str | None:
    """A Wikidata name item both tokens are labels of, or None."""
    common = name_symbols(a) & name_symbols(b)
    return min(common) if common else None


# Ukrainian given names and the Russian names they correspond to, as ASCII keys: Russian-language
# news writes "Владимир Зеленский", English news "Volodymyr Zelensky".
_UKRAINIAN_GIVEN = {
    "volodymyr": "vladimir", "oleksandr": "aleksandr", "oleksiy": "aleksei", "oleksii": "aleksei",
    "mykola": "nikolai", "mykhailo": "mikhail", "mykhaylo": "mikhail", "petro": "petr",
    "pavlo": "pavel", "andriy": "andrei", "andrii": "andrei", "serhiy": "sergei", "serhii": "sergei",
    "vasyl": "vasilii", "dmytro": "dmitrii", "yevhen": "evgenii", "yevhenii": "evgenii",
    "oleh": "oleg", "ihor": "igor", "bohdan": "bogdan", "hryhoriy": "grigorii", "vitaliy": "vitalii",
    "vitalii": "vitalii", "olena": "elena", "kateryna": "ekaterina", "tetiana": "tatiana",
    "tetyana": "tatiana", "nataliya": "natalia", "halyna": "galina", "liudmyla": "liudmila",
    "lyudmyla": "liudmila", "iryna": "irina", "anatoliy": "anatolii", "valeriy": "valerii",
    "yuriy": "iurii", "denys": "denis", "maksym": "maksim", "kyrylo": "kirill", "danylo": "daniil",
    "hennadiy": "gennadii", "arseniy": "arsenii", "leonid": "leonid",
}  # fmt: skip


def ukrainian_russian_pair(a: str, b: str) -> bool:
    """Whether two given names (ASCII keys) are one name in its Ukrainian and Russian forms."""
    from threadline.names.translit import skeleton

    for ua, ru in ((a, b), (b, a)):
        russian = _UKRAINIAN_GIVEN.get(ua)
        if russian is not None and skeleton(russian) == skeleton(ru):
            return True
    return False
