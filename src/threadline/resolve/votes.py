"""Corpus-wide corrections before clustering: each name's type, and OCR-glued names.

The small English model types one name differently from sentence to sentence, and OCR glues a
name to the next word ("Epsteinand"). Both are mended from what the whole corpus says, and every
mended mention says so on its alias.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace

from threadline.extract.surface import ORG_WORDS, looks_like_person
from threadline.model import EntityType, MentionKind
from threadline.names.compare import NameForm, skeleton
from threadline.names.crossscript import coarse_keys, is_cyrillic
from threadline.names.keys import name_key, name_tokens
from threadline.names.parts import is_known_given_name
from threadline.resolve.entities import MentionRef

# Lower-case words OCR glues onto the name before them ("Epsteinand", "Massimovsaid"). Never
# two-letter words: they end real surnames ("Robertson" is no "Roberts" + "on", "Jackson" no "Jacks").
_GLUE_WORDS = (
    "and", "said", "says", "was", "were", "has", "had", "have", "who", "with", "for", "from", "that",
    "the", "his", "her", "told", "wrote", "also",
)  # fmt: skip
_GLUED = re.compile(
    r"^([A-ZА-ЯЁ][a-zа-яё]{2,}?)(" + "|".join(sorted(_GLUE_WORDS, key=len, reverse=True)) + r")$"
)
KNOWN_TOKEN_MENTIONS = 3  # a prefix named this often on its own is a name of the corpus
# An organisation named more often than this is not turned into a person by the given-name rule:
# NER is consistent about real firms ("Morgan Stanley"), unsure about rare foreign names.
RARE_ORG_MENTIONS = 5


def unglue(mentions: Sequence[MentionRef]) -> tuple[list[MentionRef], dict[int, str]]:
    """Person names with an OCR-glued word split off, when the prefix is a known name of the corpus.

    Returns the mentions (glued ones with the mended name, their alias kept as written) and, per
    mended mention id, a note saying what was read."""
    known: Counter[str] = Counter()
    for m in mentions:
        if m.type is EntityType.PERSON and m.kind is not MentionKind.PROPAGATED:
            known.update(t for t in name_tokens(m.name) if t.isalpha())
    out: list[MentionRef] = []
    notes: dict[int, str] = {}
    mended: dict[str, tuple[str, str] | None] = {}
    for m in mentions:
        if m.type is not EntityType.PERSON:
            out.append(m)
            continue
        tokens = name_tokens(m.name)
        fixed = []
        note = None
        for token in tokens:
            if token not in mended:
                mended[token] = _split_glued(token, known)
            split = mended[token]
            if split is None:
                fixed.append(token)
            else:
                fixed.append(split[0])
                note = f"OCR-glued {token!r} read as {split[0]!r} + {split[1]!r}"
        if note is None:
            out.append(m)
            continue
        full = m.full_name
        if full:
            full = " ".join(_mended(mended.get(t), t) for t in name_tokens(full))
        out.append(replace(m, name=" ".join(fixed), full_name=full, alias=m.alias or m.name))
        notes[m.id] = note
    return out, notes


def _mended(split: tuple[str, str] | None, token: str) -> str:
    return split[0] if split else token


def _split_glued(token: str, known: Counter[str]) -> tuple[str, str] | None:
    m = _GLUED.match(token)
    if m is None:
        return None
    prefix, word = m.group(1), m.group(2)
    if known[prefix] < KNOWN_TOKEN_MENTIONS or known[token] * 5 > known[prefix]:
        return None
    return prefix, word


def given_name_tokens(mentions: Sequence[MentionRef]) -> set[str]:
    """Tokens that open full names at least 10 times and 5 times as often as they close one."""
    first: Counter[str] = Counter()
    last: Counter[str] = Counter()
    for m in mentions:
        if m.full_name is None and m.type is EntityType.PERSON:
            form = NameForm.of(m.name)
            if form.is_full:
                first[skeleton(form.tokens[0])] += 1
                last[skeleton(form.tokens[-1])] += 1
    return {t for t, n in first.items() if n >= 10 and n >= 5 * last[t]}


def rarely_people(mentions: Sequence[MentionRef]) -> dict[str, tuple[EntityType, int]]:
    """Words NER tags as something other than a person at least 10 times and 10 times as often."""
    votes: dict[str, Counter[EntityType]] = defaultdict(Counter)
    for m in mentions:
        if m.kind is not MentionKind.PROPAGATED:
            votes[name_key(m.name)][m.type] += 1
    found = {}
    for key, counter in votes.items():
        person = counter[EntityType.PERSON]
        other_type, other = max(
            ((t, n) for t, n in counter.items() if t is not EntityType.PERSON),
            key=lambda tn: (tn[1], tn[0].value),
            default=(EntityType.PERSON, 0),
        )
        if other >= 10 and other >= 10 * person:
            found[key] = (other_type, other + person)
    return found


def vote_types(mentions: Sequence[MentionRef]) -> dict[str, tuple[EntityType, str]]:
    """Each name's type across the corpus, with the reason a mention of another type is retyped.

    The small English model types one name differently from sentence to sentence: unfamiliar
    (e.g. Kazakh) full names as organisations, places such as "Palm Beach" as people. The
    majority over the whole corpus is the better guess, and ties go to person. A watchlist match
    settles it; a surname re-found by propagation has no vote of its own (it follows its full name).
    A name-shaped organisation that opens with a given name (a listed one, or one that opens two
    people's full names here) is a person when NER calls its surname a person anywhere ("Kairat
    Kelimbetov", typed an organisation in both its sentences).
    """
    votes: dict[str, Counter[EntityType]] = defaultdict(Counter)
    spelled: dict[str, str] = {}
    person_surnames: set[str] = set()
    person_sounds: set[tuple[bool, str]] = set()  # (written in Cyrillic, consonant skeleton)
    opened: dict[str, set[str]] = defaultdict(set)  # first word -> the person full names it opens
    counted: Counter[str] = Counter()  # mentions, unweighted: what a reason may quote
    for m in mentions:
        if m.kind is MentionKind.PROPAGATED:
            continue
        key = name_key(m.name)
        weight = 1_000_000 if m.watchlist_id and m.type is EntityType.PERSON else 1
        votes[key][m.type] += weight
        counted[key] += 1
        spelled.setdefault(key, m.name)
        if m.type is EntityType.PERSON and key:
            person_surnames.add(skeleton(key.split()[-1]))
            written = name_tokens(m.name)[-1]
            person_sounds.update((is_cyrillic(written), s) for s in coarse_keys(written))
            if len(key.split()) >= 2:
                opened[key.split()[0]].add(key)
    given_names = Counter({word: len(keys) for word, keys in opened.items()})
    decided: dict[str, tuple[EntityType, str]] = {}
    for key, counter in votes.items():
        total = sum(counter.values())
        if len(counter) >= 2:
            best = max(counter, key=lambda t: (counter[t], t is EntityType.PERSON, t.value))
            # NER sometimes calls a place a person ("Hong Kong", "Las Vegas" in OCR'd lists), but rarely
            # calls a person a place: a name tagged a place in a quarter of its mentions is a place.
            places = counter[EntityType.LOCATION]
            if best is EntityType.PERSON and places >= 5 and places * 4 >= total:
                best = EntityType.LOCATION
            decided[key] = (best, f"{best.value} in most of its {counted[key]} other mentions")
        typed = decided.get(key, (next(iter(counter)), ""))[0]
        if typed is EntityType.ORGANIZATION and counted[key] <= RARE_ORG_MENTIONS:
            why = _given_name_org(spelled[key], key, person_surnames, person_sounds, given_names)
            if why:
                decided[key] = (EntityType.PERSON, why)
    return decided


def _given_name_org(
    name: str,
    key: str,
    person_surnames: set[str],
    person_sounds: set[tuple[bool, str]],
    given_names: Counter[str],
) -> str | None:
    tokens = key.split()
    if not 2 <= len(tokens) <= 3 or ORG_WORDS.search(name) or not looks_like_person(name):
        return None
    first, surname = tokens[0], tokens[-1]
    written = name_tokens(name)[-1]
    # the surname is a person's elsewhere, in this spelling or in the other script ("Шольц")
    other_script = {(not is_cyrillic(written), s) for s in coarse_keys(written)}
    if skeleton(surname) not in person_surnames and not other_script & person_sounds:
        return None
    if not (is_known_given_name(first) or given_names[first] >= 2):
        return None
    return f"a person: {name_tokens(name)[0]!r} is a given name and NER calls {name_tokens(name)[-1]!r} a person elsewhere"
