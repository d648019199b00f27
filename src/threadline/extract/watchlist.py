"""Find watchlist people in text without NER: any case, either name order, with or without a middle
name or patronymic, initials, possessives, lone surnames.

Each listed name is read into parts (given name, middle names or patronymic, surname) once per
watchlist, and the spellings the list implies are indexed by their first word: given + surname,
given + middle + surname, surname first ("ZAKHAROV Nikita", "Zakharov, Nikita Aleksandrovich"),
initials that agree ("N. A. Zakharov", "Захаров Н. А."), the listed names as written, and the lone
surname. Text is read as letter runs compared on ``name_key`` (case, accents and script folded), so
one pass over a long text costs one dictionary look-up per word whatever the list's length.

What never matches: a middle name or patronymic other than the listed ones where both sides give
one ("Nikita Borisovich Zakharov"), another given name ("Pavel Zakharov", which also keeps the lone
surname inside it from matching), another initial, the feminine or another surname form.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from threadline.extract.surface import is_particle, role_before
from threadline.model import WatchlistPerson
from threadline.names.compare import NameForm, same_person_name, same_token
from threadline.names.keys import name_key, name_tokens
from threadline.names.parts import is_known_given_name

# Name boundaries that work next to Cyrillic too, and never inside an email address or domain
# ("rustam.abenov@..."); a possessive suffix may follow and is left out of the match. Surname
# propagation (extract/core.py) matches with the same boundaries.
NAME_START = r"(?<![\w@.-])"
NAME_END = r"(?=(?:['’]s?)?(?![\w@-]|\.\w))"
_BEFORE_OK = re.compile(NAME_START)
_AFTER_OK = re.compile(NAME_END)

# A word: letters, joined by hyphens and apostrophes ("Rimsky-Korsakov", "O'Neil") but not by a
# possessive ("Zakharov's").
_RUN = re.compile(r"[^\W\d_]+(?:[-'’‐](?![sS](?![^\W\d_]))[^\W\d_]+)*")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+$")
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "junior", "senior"}
# Patronymics (Russian, Ukrainian, Belarusian, in Cyrillic and in the usual romanisations, keyed
# by ``name_key``). The Czech-style "-ovič" keys to "-ovic", which is also a South Slavic surname
# ending, so it counts only where a patronymic is expected (second of three words).
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovych|evych|ich|ovna|evna|ivna|ichna|inichna)$")
_PATRONYMIC_LOOSE = re.compile(r"(?:ovic|evic|ovna|evna)$")
# Words that may stand capitalised right before a lone surname without being a given name
# ("The Zakharov case", "In Zakharov's words", "Вчера Захаров заявил"); lower case.
_FUNCTION_WORD_LIST = (
    "a an the this that these those his her its their our my your when while after before if but and or"
    " nor so then as in on at by for with from to of into onto upon about against under over between"
    " among via per like unlike than since until because although though where why how what whom whose"
    " which who did does do has had have was were is are be been will would could should may might can"
    " must said says told asked according yesterday today tonight now meanwhile later earlier however"
    " also only even both neither either all not no yes mr mrs ms dr prof sir madam"
    " и а но или в во на по с со к ко у о об от до за из для при про как когда что где вчера сегодня"
    " также однако господин госпожа г"
)
_FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())

GIVEN, MIDDLE, SURNAME = "g", "m", "s"


@dataclass(frozen=True, slots=True)
class WatchlistHit:
    start: int
    end: int
    person_id: str
    surname_only: bool  # matched only the person's surname, which needs in-document confirmation
    name: str = ""  # the words found, given name first ("ZAKHAROV, Nikita" -> "Nikita ZAKHAROV")


@dataclass(frozen=True, slots=True)
class NameParts:
    """One listed name read into parts, each word as its ``word_key`` (one key per written word;
    an initial is a one-letter key)."""

    given: tuple[str, ...]
    middles: tuple[str, ...]
    surname: tuple[str, ...]
    written: str = ""  # the name as listed, given name first ("ZAKHAROV, Nikita" -> "Nikita ZAKHAROV")


def word_key(word: str) -> str:
    """One written word's key: ``name_key`` without its inner spaces ("O'Neil" -> "oneil")."""
    return name_key(word).replace(" ", "")


def is_patronymic(word: str, *, loose: bool = False) -> bool:
    """Whether a written word is shaped like an East Slavic patronymic (Aleksandrovich, Игоревна);
    ``loose`` also accepts the Czech-style romanisation (Vjačeslavovič)."""
    key = name_key(word).replace(" ", "")
    if len(key) < 6:
        return False  # "Ich", "Rich", "Mich"
    if key.endswith("ich") and not key.endswith(("vich", "vych", "lich", "mich", "nich", "ilyich", "ilich")):
        return False  # "Heinrich", "Ulrich", "Aldrich" are given names and surnames
    return bool(_PATRONYMIC.search(key) or (loose and _PATRONYMIC_LOOSE.search(key)))


def _split_listed(name: str) -> tuple[list[str], list[str] | None]:
    """Words of a listed name, and the surname words when a comma says so ("OSETROVA, Maria")."""
    last, sep, first = name.partition(",")
    if sep and last.strip() and first.strip() and "," not in first:
        surname = name_tokens(last)
        return surname + name_tokens(first), surname
    return name_tokens(name.replace(",", " ")), None


def _is_caps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _roles(
    words: list[str], comma_surname: list[str] | None, given: set[str], surnames: set[str]
) -> list[str] | None:
    """The role (GIVEN, MIDDLE, SURNAME) of each word of one listed name, or None when the name
    gives no cue and ``given``/``surnames`` (keys known from the person's other names) do not help.

    Cues: a comma after the surname; a patronymic in second place (given, patronymic, surname) or
    in last place (surname, given, patronymic); one word in capitals among others that are not
    (registers write the surname so); a word the person's other names use as given name or surname."""
    n = len(words)
    keys = [name_key(w) for w in words]
    if n == 1:
        return [SURNAME]
    if comma_surname is not None:
        k = len(comma_surname)
        return [SURNAME] * k + [GIVEN] + [MIDDLE] * (n - k - 1)
    if n >= 3 and is_patronymic(words[1], loose=True) and not is_patronymic(words[0]):
        return [GIVEN] + [MIDDLE] * (n - 2) + [SURNAME]
    caps = [i for i, w in enumerate(words) if _is_caps(w)]
    if len(caps) == 1 and n >= 2:
        if caps[0] == n - 1:
            return [GIVEN] + [MIDDLE] * (n - 2) + [SURNAME]
        if caps[0] == 0:
            return [SURNAME, GIVEN] + [MIDDLE] * (n - 2)
    if not (given or surnames):
        return None
    if n >= 3 and is_patronymic(words[-1]):
        if keys[0] in given:  # "Svetlana MOSKVINA NIKOLAYEVNA": given, surname, patronymic
            return [GIVEN, SURNAME] + [MIDDLE] * (n - 2)
        return [SURNAME, GIVEN] + [MIDDLE] * (n - 2)
    if (keys[0] in surnames or keys[1] in given) and keys[0] not in given:
        return [SURNAME, GIVEN] + [MIDDLE] * (n - 2)
    return None


def _default_roles(words: list[str]) -> list[str]:
    """Given name first, surname last, with the particles just before it ("Ursula von der Leyen")
    and a generational suffix after it ("Donald Trump Jr.") counted in the surname."""
    n = len(words)
    end = n - 1
    while end > 1 and name_key(words[end]) in _SUFFIXES:
        end -= 1
    start = end
    while start > 1 and is_particle(words[start - 1]):
        start -= 1
    return [GIVEN] + [MIDDLE] * (start - 1) + [SURNAME] * (n - start)


def _listed_words(name: str) -> tuple[list[str], list[str] | None]:
    """``_split_listed`` with initials written together ("N.A.") taken apart."""
    words, comma_surname = _split_listed(name)
    out: list[str] = []
    for word in words:
        out += [c + "." for c in word if c != "."] if _INITIALS.match(word) and len(word) > 2 else [word]
    return [w for w in out if word_key(w)], comma_surname


@lru_cache(maxsize=100_000)
def listed_parts(person: WatchlistPerson) -> tuple[NameParts, ...]:
    """Every listed name and alias of ``person`` read into parts (see ``_roles``). Cached: each
    document's extraction compares its names with every listed person's."""
    names = [_listed_words(n) for n in person.all_names]
    names = [(w, c) for w, c in names if w]
    roles: list[list[str] | None] = [_roles(w, c, set(), set()) for w, c in names]
    given: set[str] = set()
    surnames: set[str] = set()
    for (words, _comma), found in zip(names, roles, strict=True):
        for word, role in zip(words, found or (), strict=False):
            if role == GIVEN:
                given.add(name_key(word))
            elif role == SURNAME:
                surnames.add(name_key(word))
    parts = []
    for (words, comma), found in zip(names, roles, strict=True):
        role_of = found or _roles(words, comma, given, surnames) or _default_roles(words)
        by_role: dict[str, list[str]] = defaultdict(list)
        written: dict[str, list[str]] = defaultdict(list)
        for word, role in zip(words, role_of, strict=True):
            by_role[role].append(word_key(word))
            written[role].append(word)
        ordered = " ".join(written[GIVEN] + written[MIDDLE] + written[SURNAME])
        parts.append(
            NameParts(tuple(by_role[GIVEN]), tuple(by_role[MIDDLE]), tuple(by_role[SURNAME]), ordered)
        )
    return tuple(parts)


def given_first_names(person: WatchlistPerson) -> list[str]:
    """The person's listed names and aliases, each written given name first, middle names, then
    surname, so that the last word is the surname ("Zakharov Nikita Aleksandrovich" -> "Nikita
    Aleksandrovich Zakharov")."""
    return list(dict.fromkeys(p.written for p in listed_parts(person)))


class ListedNames:
    """A watchlist person's full names, given name first, to compare names found elsewhere with:
    spelling and script variants match (``same_person_name``), but a name with a middle name or
    patronymic only when the list gives the same one, or none at all."""

    def __init__(self, person: WatchlistPerson) -> None:
        self.person_id = person.id
        forms = [NameForm.of(name) for name in given_first_names(person)]
        self.fulls = [f for f in forms if f.is_full]
        self._middled = [f for f in self.fulls if len(f.core()) > 2]
        self.surnames = {f.surname for f in forms if f.tokens}
        parts = listed_parts(person)
        self._given_initials = {k[0] for p in parts for k in p.given[:1]}
        self._middle_initials = {k[0] for p in parts for k in p.middles[:1]}

    @staticmethod
    @lru_cache(maxsize=100_000)
    def of(person: WatchlistPerson) -> ListedNames:
        """The person's ``ListedNames``, built once per process."""
        return ListedNames(person)

    def matches(self, form: NameForm) -> bool:
        """Whether a full name is one of this person's (never on a lone surname)."""
        form = _nominative_patronymics(form)
        if not any(same_person_name(form, f) for f in self.fulls):
            return False
        if len(form.core()) > 2 and self._middled:
            return any(same_person_name(form, f) for f in self._middled)
        return True

    def contradicts(self, form: NameForm) -> bool:
        """Whether a name carries one of this person's surnames with another given name, middle
        name or patronymic, or initials that disagree ("Nikita Borisovich Zakharov", "Pavel
        Zakharov", "ZAKHAROV Pavel", "N. B. Zakharov" for Nikita Aleksandrovich Zakharov): someone
        else with the surname. A lone surname contradicts nothing."""
        form = _nominative_patronymics(form)
        readings = [form]
        if len(form.tokens) >= 2:  # "ZAKHAROV Pavel": the surname written first
            readings.append(NameForm.of(" ".join(form.display.split()[1:] + form.display.split()[:1])))
        for reading in readings:
            if not reading.tokens or not any(same_token(reading.surname, s) for s in self.surnames):
                continue
            if reading.is_full:
                if not self.matches(reading):
                    return True
                continue
            initials = reading.tokens[:-1]
            if not initials or any(len(t) != 1 for t in initials):
                continue
            if initials[0] not in self._given_initials:
                return True
            if len(initials) > 1 and self._middle_initials and initials[1] not in self._middle_initials:
                return True
        return False


# Russian case endings of patronymics, which natasha's lemmas sometimes keep ("Александр
# Вячеславовича Захаров" for "Александра Вячеславовича Захарова").
_PATRONYMIC_CASES = re.compile(r"(?<=[оеё]вич)(?:а|у|ем|е)$|(?<=[оеё]вн)(?:ы|е|у|ой)$|(?<=ичн)(?:ы|е|у|ой)$")
_PATRONYMIC_NOMINATIVE = {"ы": "а", "е": "а", "у": "а", "ой": "а"}


def nominative_patronymics(name: str) -> str:
    """The name with its Cyrillic patronymics in the nominative ("Кирилл Матвеевича Лысенков" ->
    "Кирилл Матвеевич Лысенков")."""
    return _nominative_patronymics(NameForm.of(name)).display


def _nominative_patronymics(form: NameForm) -> NameForm:
    words = form.display.split()
    fixed = []
    for word in words:
        match = _PATRONYMIC_CASES.search(word.lower()) if len(word) > 6 else None
        if match is None:
            fixed.append(word)
            continue
        stem = word[: match.start()]
        ending = "" if stem.lower().endswith("вич") else _PATRONYMIC_NOMINATIVE[match.group(0)]
        fixed.append(stem + (ending.upper() if word.isupper() else ending))
    return form if fixed == words else NameForm.of(" ".join(fixed))


# --- variants --------------------------------------------------------------------------------------------

# An element of a spelling: (kind, key, role); kind WORD compares keys, INITIAL a single capital
# letter starting the key, ANY (a middle name where the list gives none) any capitalised word.
WORD, INITIAL, ANY = "w", "i", "*"
Element = tuple[str, str, str]
# The gap before an element: NAME (spaces, or the dot after an initial) or COMMA ("Zakharov, Nikita").
NAME_GAP, COMMA_GAP = "n", ","


@dataclass(slots=True)
class _Variant:
    elements: tuple[Element, ...]
    gaps: tuple[str, ...]  # one per element after the first
    owners: set[str] = field(default_factory=set)

    @property
    def surname_only(self) -> bool:
        return all(role == SURNAME for _kind, _key, role in self.elements)

    @property
    def given_last(self) -> bool:
        """Surname first, ending on the given name: a patronymic or initial may follow."""
        return self.elements[0][2] == SURNAME and self.elements[-1][2] == GIVEN

    @property
    def wildcard(self) -> bool:
        return any(kind == ANY for kind, _key, _role in self.elements)


def _words(keys: tuple[str, ...], role: str) -> list[Element]:
    return [(INITIAL if len(k) == 1 else WORD, k, role) for k in keys]


def _initials(keys: tuple[str, ...], role: str) -> list[Element]:
    return [(INITIAL, k[0], role) for k in keys]


def _spellings(person: WatchlistPerson) -> Iterator[tuple[list[Element], list[str]]]:
    """(elements, gaps) of every spelling the list implies for ``person``: each listed name as
    written; each given name with each surname, given name first or surname first (also with a
    comma), with each listed middle part in full, as initials or left out (any one capitalised
    word when the list gives none); initials of the given and middle names with each surname;
    and each surname alone."""
    parts = listed_parts(person)
    givens = {p.given[:1] for p in parts if p.given}
    middles = {p.middles for p in parts if p.middles}
    surnames = {p.surname for p in parts if p.surname}
    for p in parts:
        ordered = _words(p.given, GIVEN) + _words(p.middles, MIDDLE) + _words(p.surname, SURNAME)
        yield ordered, [NAME_GAP] * (len(ordered) - 1)
    for surname in surnames:
        yield _words(surname, SURNAME), [NAME_GAP] * (len(surname) - 1)
        last = surname[-1]
        if len(surname) > 1 and len(last) > 2 and last not in _SUFFIXES:
            yield [(WORD, last, SURNAME)], []  # "Gaulle" of "de Gaulle"
    in_full: list[list[Element]] = [[]]
    as_initials: list[list[Element]] = [[]]
    for m in middles:
        in_full += [_words(m, MIDDLE), _initials(m, MIDDLE)]
        as_initials.append(_initials(m, MIDDLE))
    if not middles:
        in_full.append([(ANY, "", MIDDLE)])
    for given, surname in product(givens, surnames):
        s = _words(surname, SURNAME)
        spelled = in_full if len(given[0]) > 1 else as_initials  # "J. Smith" listed: never "J. Any Smith"
        for first, options in ((_words(given, GIVEN), spelled), (_initials(given, GIVEN), as_initials)):
            for middle in options:
                head = first + middle
                yield head + s, [NAME_GAP] * (len(head) + len(s) - 1)
                if middle and middle[0][0] == ANY:
                    continue  # a surname, a given name and any word reads into the next name
                inner = [NAME_GAP] * (len(s) - 1)
                yield s + head, inner + [NAME_GAP] * len(head)
                yield s + head, inner + [COMMA_GAP] + [NAME_GAP] * (len(head) - 1)


class WatchlistMatcher:
    """Every spelling of every watchlist person, indexed by the key of its first word."""

    def __init__(self, people: Sequence[WatchlistPerson]) -> None:
        variants: dict[tuple[tuple[Element, ...], tuple[str, ...]], _Variant] = {}
        self._middles: dict[str, set[str]] = {}
        self._given: dict[str, set[str]] = {}
        for person in people:
            for elements, gaps in _spellings(person):
                if not elements:
                    continue
                spelling = (tuple(elements), tuple(gaps))
                variants.setdefault(spelling, _Variant(*spelling)).owners.add(person.id)
            parts = listed_parts(person)
            self._middles[person.id] = {k for p in parts for k in p.middles}
            self._given[person.id] = {k for p in parts for k in p.given}
        self._by_first: dict[str, list[_Variant]] = defaultdict(list)
        for variant in variants.values():
            kind, first, _role = variant.elements[0]
            self._by_first[first if kind == WORD else "\0" + first].append(variant)

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def find(self, text: str) -> Iterator[WatchlistHit]:
        """Hits in ``text``, left to right, none overlapping another."""
        if not self._by_first:
            return
        words = _RUN.findall(text)
        # Most texts name no one listed: each distinct word is keyed once, and only the places
        # where a listed spelling may start are looked at.
        openers = {w for w in set(words) if self._may_open(w)}
        if not openers:
            return
        runs = _Runs(text)
        resume = 0
        for i in [n for n, w in enumerate(words) if w in openers]:
            if i < resume:
                continue
            found = self._match_at(runs, i)
            if found is not None:
                hit, resume = found
                if hit is not None:
                    yield hit

    def _may_open(self, word: str) -> bool:
        key = word_key(word)
        return key in self._by_first or (
            len(word) == 1 and word.isupper() and "\0" + key[:1] in self._by_first
        )

    def _match_at(self, runs: _Runs, i: int) -> tuple[WatchlistHit | None, int] | None:
        """The hit starting at run ``i`` and the run to go on from. The hit is None when the
        longest spelling found here names several listed people, or reads as part of another
        person's name; the answer is None when no listed spelling starts here."""
        word = runs.text_of(i)
        key = runs.key(i)
        candidates = list(self._by_first.get(key, ()))
        if len(word) == 1 and word.isupper():
            candidates += self._by_first.get("\0" + key[:1], ())
        if not candidates or not _BEFORE_OK.match(runs.text, runs.start(i)):
            return None
        best: list[tuple[_Variant, list[int]]] = []
        best_end = -1
        for variant in candidates:
            matched = self._match(runs, i, variant)
            if matched is None:
                continue
            end = runs.end_after(matched[-1], variant.elements[-1][0] == INITIAL)
            if not _AFTER_OK.match(runs.text, end):
                continue
            if end > best_end:
                best, best_end = [(variant, matched)], end
            elif end == best_end:
                best.append((variant, matched))
        if not best:
            return None
        exact = [(v, m) for v, m in best if not v.wildcard] or best
        owners = set().union(*(v.owners for v, _m in exact))
        variant, matched = exact[0]
        after = matched[-1] + 1
        if len(owners) != 1:
            return None, after  # a spelling two listed people share names neither
        (person_id,) = owners
        surface = runs.text[runs.start(i) : best_end]
        if variant.surname_only:
            if surface.islower():
                return None  # "prices rose": a common word spelled like a listed surname
            if self._other_name_before(runs, i, person_id, surface) or self._other_name_after(
                runs, matched[-1], person_id, surface
            ):
                return None, after
        elif variant.given_last and self._other_name_after(runs, matched[-1], person_id, None):
            return None, after
        name = _given_first(runs, variant, matched)
        return WatchlistHit(runs.start(i), best_end, person_id, variant.surname_only, name), after

    def _match(self, runs: _Runs, i: int, variant: _Variant) -> list[int] | None:
        """Run indices matching each element of ``variant`` from run ``i``, or None."""
        elements = variant.elements
        if i + len(elements) > len(runs):
            return None
        matched = []
        for n, (kind, key, _role) in enumerate(elements):
            j = i + n
            if n:
                before = elements[n - 1][0]
                initial = before == INITIAL or (before == ANY and len(runs.text_of(j - 1)) == 1)
                if not runs.gap_ok(j - 1, j, variant.gaps[n - 1], initial):
                    return None
            word = runs.text_of(j)
            if kind == WORD:
                if runs.key(j) != key:
                    return None
            elif kind == INITIAL:
                if not (len(word) == 1 and word.isupper() and key.startswith(runs.key(j)[:1])):
                    return None
            elif not word[:1].isupper():
                return None
            matched.append(j)
        # A lone initial needs its dot ("A. Zakharov"): "A Zakharov" is an article and a surname.
        for n, (kind, _key, _role) in enumerate(elements):
            if kind != INITIAL or runs.dot_after(matched[n]):
                continue
            if not any(elements[k][0] == INITIAL for k in (n - 1, n + 1) if 0 <= k < len(elements)):
                return None
        return matched

    def _other_name_before(self, runs: _Runs, i: int, person_id: str, surface: str) -> bool:
        """Whether the word before a lone surname reads as another person's given name, patronymic
        or initial ("Pavel Zakharov", "Borisovich Zakharov", "P. Zakharov")."""
        if i == 0 or role_before(runs.text, runs.start(i)):
            return False
        sep = runs.text[runs.end(i - 1) : runs.start(i)]
        word = runs.text_of(i - 1)
        initial = len(word) == 1 and word.isupper()
        if initial and sep[:1] == "." and _inline_space(sep[1:]):
            return True  # an initial that does not agree (one that does was matched with it)
        if not _inline_space(sep) or word.lower() in _FUNCTION_WORDS:
            return False
        if initial:
            return True
        if is_patronymic(word, loose=True):
            return word_key(word) not in self._middles[person_id]
        # A capitalised word right before a surname is, far more often than not, a given name;
        # missing "Yesterday Zakharov" costs less than giving Pavel Zakharov's mention to Nikita.
        return word[:1].isupper()

    def _other_name_after(self, runs: _Runs, last: int, person_id: str, surface: str | None) -> bool:
        """Whether the words after a surname (alone, or first in a name that ends on the given
        name) continue it as another person's name: an initial or patronymic not listed for
        this person ("ZAKHAROV Nikita Borisovich", "Zakharov P. B."), or, after a lone surname, a
        given name ("ZAKHAROV Pavel", "Zakharov, Pavel Borisovich")."""
        k = last + 1
        if k >= len(runs):
            return False
        sep = runs.text[runs.end(last) : runs.start(k)]
        if len(runs.text_of(last)) == 1 and sep[:1] == ".":
            sep = sep[1:]  # after an initial's dot
        comma = surface is not None and sep.strip(" \t\u00a0") == ","
        if not (_inline_space(sep) or comma):
            return False
        word = runs.text_of(k)
        if len(word) == 1 and word.isupper() and (runs.dot_after(k) or _single_capital(runs, k + 1)):
            return True  # an initial that does not agree (one that does was matched with it)
        if is_patronymic(word, loose=True):
            return word_key(word) not in self._middles[person_id]
        if surface is None or not word[:1].isupper() or word.lower() in _FUNCTION_WORDS:
            return False
        if word_key(word) in self._given[person_id]:
            return False
        if not comma and _is_caps(surface) and not _is_caps(word):
            return True  # "ZAKHAROV Pavel": a register's surname first
        following = runs.text_of(k + 1) if k + 1 < len(runs) else ""
        return is_known_given_name(word_key(word)) or is_patronymic(following)


def _inline_space(sep: str) -> bool:
    return bool(sep) and sep.strip(" \t\u00a0") == ""


def _single_capital(runs: _Runs, k: int) -> bool:
    return k < len(runs) and len(runs.text_of(k)) == 1 and runs.text_of(k).isupper()


def _given_first(runs: _Runs, variant: _Variant, matched: list[int]) -> str:
    """The matched words as written, given name first, then middle names, then the surname."""
    order = {GIVEN: 0, MIDDLE: 1, SURNAME: 2}
    ranked = sorted(zip(variant.elements, matched, strict=True), key=lambda em: order[em[0][2]])
    words = [runs.text[runs.start(j) : runs.end_after(j, len(runs.text_of(j)) == 1)] for _e, j in ranked]
    return " ".join(words)


class _Runs:
    """The words of a text, each keyed once per distinct spelling."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._spans = [(m.start(), m.end()) for m in _RUN.finditer(text)]
        self._keys: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._spans)

    def start(self, i: int) -> int:
        return self._spans[i][0]

    def end(self, i: int) -> int:
        return self._spans[i][1]

    def text_of(self, i: int) -> str:
        start, end = self._spans[i]
        return self.text[start:end]

    def key(self, i: int) -> str:
        word = self.text_of(i)
        found = self._keys.get(word)
        if found is None:
            found = self._keys[word] = word_key(word)
        return found

    def dot_after(self, i: int) -> bool:
        return self.text.startswith(".", self.end(i))

    def end_after(self, i: int, initial: bool) -> int:
        """The end of run ``i``, past the dot of an initial."""
        end = self.end(i)
        return end + 1 if initial and self.text.startswith(".", end) else end

    def gap_ok(self, a: int, b: int, gap: str, after_initial: bool) -> bool:
        """Whether the text between runs ``a`` and ``b`` may separate two words of one name:
        spaces with at most one line break, a dot after an initial ("N.A."), or a comma."""
        sep = self.text[self.end(a) : self.start(b)]
        if after_initial and sep.startswith("."):
            sep = sep[1:]
            if not sep and gap == NAME_GAP:
                return True
        if sep.count("\n") > 1:
            return False
        if gap == COMMA_GAP:
            return sep.strip() == ","
        return bool(sep) and not sep.strip()
