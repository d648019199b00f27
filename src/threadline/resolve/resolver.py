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
    "mention_node",
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
        node = mention_node(m)
        if (node, m.type.value) in retyped_by:
            judgement = retyped_by[(node, m.type.value)]
            notes[m.id] = f"tagged {m.type.value}, {judgement.describe()}"
            m = replace(m, type=EntityType(judgement.about_type or m.type.value))
        elif (node, m.type.value) in rejected:
            continue  # a person said this is no such entity: it counts nowhere
        (persons if m.type is EntityType.PERSON else others).append(m)
    people, suggestions = resolve_persons(persons, watchlist, prefer, judgements)
    entities = people + resolve_others(others, prefer, judgements)
    if notes:
        _note(entities, notes, {m.id: m.alias or m.name for m in mentions if m.id in notes})
    return Resolution(entities, suggestions)


def mention_node(m: MentionRef) -> str:
    """The node a mention's own name stands for (before its document's full name is considered)."""
    if m.type is EntityType.PERSON:
        form = NameForm.of(m.full_name or m.name)
        return person_node(form.tokens, form.suffix)
    return name_node(org_key(m.name))


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
