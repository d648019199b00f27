"""Mentions -> entities, cautiously, with a reason for every merge.

``resolve_corpus`` runs the steps in order:

1. ``votes.unglue``: OCR-glued names ("Epsteinand") split where the prefix is a known name;
2. ``votes.vote_types``: each name's type from the whole corpus, and people's type judgements
   ("not a person", "an organisation");
3. ``persons.resolve_persons`` and ``others.resolve_others``: mentions joined into entities, each
   merge with its reason; people's merge and not-same judgements override the rules.

It is deterministic for the same input. See docs/architecture.md, "Resolution".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from threadline.model import EntityType, MentionKind, WatchlistPerson
from threadline.names.compare import NameForm
from threadline.names.keys import name_key
from threadline.resolve.entities import (
    NEGATIVE,
    POSITIVE,
    Alias,
    Judgement,
    MentionRef,
    Resolution,
    ResolvedEntity,
    Suggestion,
    address_node,
    name_node,
    person_node,
)
from threadline.resolve.others import org_key, resolve_others
from threadline.resolve.persons import resolve_persons
from threadline.resolve.votes import rarely_people, unglue, vote_types

__all__ = [
    "Alias",
    "Judgement",
    "MentionRef",
    "Resolution",
    "ResolvedEntity",
    "Suggestion",
    "mention_nodes",
    "resolve",
    "resolve_corpus",
]


def resolve(
    mentions: Iterable[MentionRef],
    watchlist: Sequence[WatchlistPerson] = (),
    *,
    prefer: str = "latin",
    judgements: Sequence[Judgement] = (),
) -> list[ResolvedEntity]:
    """The entities of ``resolve_corpus``."""
    return resolve_corpus(mentions, watchlist, prefer=prefer, judgements=judgements).entities


def resolve_corpus(
    mentions: Iterable[MentionRef],
    watchlist: Sequence[WatchlistPerson] = (),
    *,
    prefer: str = "latin",
    judgements: Sequence[Judgement] = (),
) -> Resolution:
    """Group mentions into entities, and list the merges left to a person's judgement.

    ``prefer`` is the script of display names when an entity has spellings in several: "latin"
    (what most users search for), "cyrillic", or "any" (the most used spelling)."""
    mentions, notes = unglue(list(mentions))
    decided = vote_types(mentions)
    places = rarely_people(mentions)
    rejected, retyped_by = _type_judgements(judgements)
    persons: list[MentionRef] = []
    others: list[MentionRef] = []
    for m in mentions:
        key = name_key(m.full_name or m.name)
        etype, why = decided.get(key, (m.type, ""))
        if m.kind is MentionKind.PROPAGATED and m.type is EntityType.PERSON:
            # "China" re-found after "Western China": the word itself is overwhelmingly a place.
            own, own_votes = places.get(name_key(m.name), (m.type, 0))
            if own is not EntityType.PERSON:
                etype, why = own, f"{own.value} in most of its {own_votes} other mentions"
        if etype is not m.type:
            notes[m.id] = f"tagged {m.type.value} here, {why}"
            m = replace(m, type=etype)
        nodes = mention_nodes(m)
        retype = next((retyped_by[(n, m.type.value)] for n in nodes if (n, m.type.value) in retyped_by), None)
        if retype is not None:
            notes[m.id] = f"tagged {m.type.value} here, {retype.describe()}"
            m = replace(m, type=EntityType(retype.about_type or m.type.value))
        elif any((n, m.type.value) in rejected for n in nodes):
            continue  # a person said this is no such entity: it counts nowhere
        (persons if m.type is EntityType.PERSON else others).append(m)
    people, suggestions = resolve_persons(persons, watchlist, prefer, judgements)
    entities = people + resolve_others(others, prefer, judgements)
    if notes:
        _note(entities, notes, {m.id: m.alias or m.name for m in mentions if m.id in notes})
    return Resolution(entities, suggestions)


def mention_nodes(m: MentionRef) -> list[str]:
    """The nodes a mention may be placed on: its name's, its document's full name's, its address's."""
    if m.type is not EntityType.PERSON:
        return [name_node(org_key(m.name))]
    found = []
    for name in (m.name, m.full_name):
        if name:
            form = NameForm.of(name)
            found.append(person_node(form.tokens, form.suffix))
    if m.address:
        found.append(address_node(m.address))
    return found


def _type_judgements(
    judgements: Sequence[Judgement],
) -> tuple[set[tuple[str, str]], dict[tuple[str, str], Judgement]]:
    """(node, type) pairs a person rejected, and those a person gave another type."""
    rejected: set[tuple[str, str]] = set()
    retyped: dict[tuple[str, str], Judgement] = {}
    for j in judgements:
        wanted = j.about_type
        if wanted is None:
            continue
        if j.judgement == NEGATIVE:
            rejected.add((j.target, wanted))
        elif j.judgement == POSITIVE:
            current = j.target.split(":", 1)[0]
            retyped[(j.target, "person" if current == "person" else "organization")] = j
            if current == "name":
                retyped[(j.target, "location")] = j
    return rejected, retyped


def _note(entities: list[ResolvedEntity], notes: dict[int, str], names: dict[int, str]) -> None:
    """Say on the alias why some of its mentions changed type or spelling."""
    for entity in entities:
        for mid in entity.mention_ids:
            if mid in notes:
                alias = entity.aliases.get(names[mid])
                if alias is not None:
                    alias.reasons[notes[mid]] += 1
