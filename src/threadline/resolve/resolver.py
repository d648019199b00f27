"""Mentions -> entities, cautiously, with a reason for every merge.

Rules (see docs/architecture.md):
- full names (given name + surname) merge across documents when ``same_person_name`` says so;
- a short form (lone surname, initials + surname) belongs to the full name it follows in its own
  document (decided at extraction, ``Mention.full_name``); across documents only to the one known
  person with that surname, if exactly one exists;
- two watchlist people are never merged with each other;
- organisations and places merge on their normalised name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from rigour.names import pick_case, replace_org_types_compare
from rigour.text.phonetics import metaphone

from threadline.extract.surface import LEADING_ARTICLE
from threadline.model import EntityType, MentionKind, WatchlistPerson
from threadline.names.compare import NameForm, same_person_name, same_surname, skeleton
from threadline.names.keys import name_key


@dataclass(frozen=True, slots=True)
class MentionRef:
    """What resolution needs to know about a stored mention."""

    id: int
    document_id: int
    name: str
    type: EntityType
    full_name: str | None = None
    watchlist_id: str | None = None
    kind: MentionKind = MentionKind.NER


@dataclass(slots=True)
class Alias:
    mentions: int
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def reason(self) -> str:
        """Every reason this surface form was merged, most frequent first, with counts when several."""
        if len(self.reasons) == 1:
            return next(iter(self.reasons))
        return "; ".join(f"{r} ({n}×)" for r, n in self.reasons.most_common())


@dataclass(slots=True)
class ResolvedEntity:
    name: str
    type: EntityType
    mention_ids: list[int] = field(default_factory=list)
    aliases: dict[str, Alias] = field(default_factory=dict)
    watchlist_id: str | None = None

    def add(self, mention: MentionRef, reason: str) -> None:
        self.mention_ids.append(mention.id)
        alias = self.aliases.get(mention.name)
        if alias is None:
            alias = self.aliases[mention.name] = Alias(0)
        alias.mentions += 1
        alias.reasons[reason] += 1


class _Clusters:
    """Union-find over full-name keys that refuses to join two different watchlist people."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.watch: dict[tuple[str, ...], set[str]] = {}
        self.reason: dict[tuple[str, ...], str] = {}

    def add(self, key: tuple[str, ...], watchlist_id: str | None = None) -> None:
        if key not in self.parent:
            self.parent[key] = key
            self.watch[key] = set()
        if watchlist_id:
            self.watch[self.find(key)].add(watchlist_id)

    def find(self, key: tuple[str, ...]) -> tuple[str, ...]:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:  # path compression
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: tuple[str, ...], b: tuple[str, ...], reason: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        wa, wb = self.watch[ra], self.watch[rb]
        if wa and wb and wa != wb:
            return False
        if ra > rb:  # deterministic roots
            ra, rb, a, b = rb, ra, b, a
        self.parent[rb] = ra
        self.watch[ra] = wa | wb
        self.reason.setdefault(b, f"{reason}, as {' '.join(a)!r}")
        self.reason.setdefault(a, f"{reason}, as {' '.join(b)!r}")
        return True


def resolve(
    mentions: Iterable[MentionRef], watchlist: Sequence[WatchlistPerson] = (), *, prefer: str = "latin"
) -> list[ResolvedEntity]:
    """Group mentions into entities; deterministic for the same input.

    ``prefer`` is the script of display names when an entity has spellings in several: "latin"
    (what most users search for), "cyrillic", or "any" (the most used spelling)."""
    persons: list[MentionRef] = []
    others: list[MentionRef] = []
    retyped: dict[int, str] = {}
    mentions = list(mentions)
    decided = _vote_types(mentions)
    places = _rarely_people(mentions)
    for m in mentions:
        key = name_key(m.full_name or m.name)
        etype, votes = decided.get(key, (m.type, 0))
        if m.kind is MentionKind.PROPAGATED and m.type is EntityType.PERSON:
            # "China" re-found after "Western China": the word itself is overwhelmingly a place.
            own, own_votes = places.get(name_key(m.name), (m.type, 0))
            if own is not EntityType.PERSON:
                etype, votes = own, own_votes
        if etype is not m.type:
            retyped[m.id] = f"tagged {m.type.value} here, {etype.value} in most of its {votes} other mentions"
            m = replace(m, type=etype)
        (persons if m.type is EntityType.PERSON else others).append(m)
    entities = _resolve_persons(persons, watchlist, prefer) + _resolve_others(others, prefer)
    if retyped:
        entity_notes(entities, retyped, {m.id: m.name for m in mentions if m.id in retyped})
    return entities


def _given_name_tokens(mentions: list[MentionRef]) -> set[str]:
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


def _rarely_people(mentions: list[MentionRef]) -> dict[str, tuple[EntityType, int]]:
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


def _vote_types(mentions: list[MentionRef]) -> dict[str, tuple[EntityType, int]]:
    """Each name's type across the corpus: what NER called it most often.

    The small English model types one name differently from sentence to sentence: unfamiliar
    (e.g. Kazakh) full names as organisations, places such as "Palm Beach" as people. The
    majority over the whole corpus is the better guess, and ties go to person. A watchlist match
    settles it; a surname re-found by propagation has no vote of its own (it follows its full name).
    """
    votes: dict[str, Counter[EntityType]] = defaultdict(Counter)
    for m in mentions:
        if m.kind is MentionKind.PROPAGATED:
            continue
        weight = 1_000_000 if m.watchlist_id and m.type is EntityType.PERSON else 1
        votes[name_key(m.name)][m.type] += weight
    decided = {}
    for key, counter in votes.items():
        if len(counter) < 2:
            continue
        total = sum(counter.values())
        best = max(counter, key=lambda t: (counter[t], t is EntityType.PERSON, t.value))
        # NER sometimes calls a place a person ("Hong Kong", "Las Vegas" in OCR'd lists), but rarely
        # calls a person a place: a name tagged a place in a quarter of its mentions is a place.
        places = counter[EntityType.LOCATION]
        if best is EntityType.PERSON and places >= 5 and places * 4 >= total:
            best = EntityType.LOCATION
        decided[key] = (best, min(total, 999_999))
    return decided


def entity_notes(entities: list[ResolvedEntity], retyped: dict[int, str], names: dict[int, str]) -> None:
    """Say on the alias why some of its mentions changed type."""
    for entity in entities:
        for mid in entity.mention_ids:
            if mid in retyped:
                alias = entity.aliases.get(names[mid])
                if alias is not None:
                    alias.reasons[retyped[mid]] += 1


def _resolve_persons(
    mentions: list[MentionRef], watchlist: Sequence[WatchlistPerson], prefer: str
) -> list[ResolvedEntity]:
    clusters = _Clusters()
    displays: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    wl_names = {p.id: p for p in watchlist}
    wl_keys: dict[str, tuple[str, ...]] = {}

    for person in watchlist:
        for name in person.all_names:
            form = NameForm.of(name)
            if form.is_full:
                clusters.add(form.tokens, person.id)
                displays[form.tokens][name] += 0
                first = wl_keys.setdefault(person.id, form.tokens)
                # The list itself says these names are one person, variant spellings or not.
                clusters.union(first, form.tokens, f"watchlist name or alias of {person.name!r}")

    given_like = _given_name_tokens(mentions)

    def effective(m: MentionRef) -> NameForm:
        if m.full_name:
            full = NameForm.of(m.full_name)
            # "Giving Jeffrey", "TRUMP DONALD": the "surname" the document propagated is, across the
            # corpus, a given name; its short mentions are not this full name's.
            if full.tokens and skeleton(full.tokens[-1]) in given_like:
                return NameForm.of(m.name)
            return full
        return NameForm.of(m.name)

    for m in mentions:
        form = effective(m)
        if form.is_full:
            clusters.add(form.tokens, m.watchlist_id if m.full_name is None else None)
            displays[form.tokens][m.full_name or m.name] += 1

    _merge_variants(clusters)

    entities: dict[tuple[str, ...], ResolvedEntity] = {}
    members: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for key in clusters.parent:
        members[clusters.find(key)].append(key)
    for root, keys in members.items():
        watch = clusters.watch[root]
        wl_id = next(iter(watch)) if len(watch) == 1 else None
        entities[root] = ResolvedEntity(
            _display_name(keys, displays, wl_names.get(wl_id or ""), prefer), EntityType.PERSON
        )
        entities[root].watchlist_id = wl_id

    surname_index = _surname_index(members)
    given_index = _surname_index(members, position=0)
    short_entities: dict[tuple[str, ...], ResolvedEntity] = {}
    for m in mentions:
        form = effective(m)
        if form.is_full:
            root = clusters.find(form.tokens)
            if m.full_name:
                reason = f"surname after {m.full_name!r} in the same document"
            else:
                reason = _explain(form, entities[root].name, clusters)
            entities[root].add(m, reason)
            continue
        if not form.tokens:
            continue
        if m.watchlist_id and m.watchlist_id in wl_keys:
            root = clusters.find(wl_keys[m.watchlist_id])
            entities[root].add(m, f"watchlist name or alias of {wl_names[m.watchlist_id].name!r}")
            continue
        candidates = sorted(
            {
                root
                for root in surname_index.get(skeleton(form.surname), ())
                if any(same_surname(form, NameForm(" ".join(k), k)) for k in members[root])
            }
        )
        given_by = (
            given_index.get(skeleton(form.surname), set()) - set(candidates)
            if len(form.tokens) == 1
            else set()
        )
        if len(candidates) == 1 and not given_by:
            entities[candidates[0]].add(m, f"only known person with the surname {m.name!r}")
            continue
        entity = short_entities.get(form.tokens)
        if entity is None:
            entity = short_entities[form.tokens] = ResolvedEntity(m.name, EntityType.PERSON)
        if len(candidates) == 1:
            # "Hillary": Edmund Hillary's surname, but far more often Hillary Clinton's given name.
            other = entities[min(given_by)].name
            why = f"surname of {entities[candidates[0]].name!r} but also the given name of {other!r}: kept apart"
        elif candidates:
            names = ", ".join(repr(entities[c].name) for c in candidates[:5])
            why = f"lone surname shared by {len(candidates)} known people ({names}): kept apart"
        else:
            why = "lone name with no known full name"
        entity.add(m, why)

    for form_key, entity in short_entities.items():
        entity.name = _pick_display(
            list(entity.aliases), {a: e.mentions for a, e in entity.aliases.items()}, prefer
        )
        del form_key
    found = [e for e in entities.values() if e.mention_ids]
    return found + list(short_entities.values())


def _explain(form: NameForm, display: str, clusters: _Clusters) -> str:
    """Why this full name belongs to the entity shown as ``display``."""
    target = NameForm.of(display)
    if form.tokens == target.tokens:
        return "same name"
    direct = same_person_name(form, target)
    if direct:
        return f"{direct}, as {display!r}"
    return clusters.reason.get(form.tokens, "same name")


def _merge_variants(clusters: _Clusters) -> None:
    """Compare full names that share a surname skeleton or sound; union the ones that match."""
    blocks: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for key in sorted(clusters.parent):
        core = [t for t in key if len(t) > 1]
        if not core:
            continue
        blocks["s:" + skeleton(key[-1])].append(key)
        blocks["p:" + metaphone(key[-1])].append(key)
        if len(key) == 2:  # "MASSIMOV Karim": surname written first
            blocks["s:" + skeleton(key[0])].append(key)
    forms: dict[tuple[str, ...], NameForm] = {}
    for keys in blocks.values():
        if len(keys) < 2:
            continue
        for i, a in enumerate(keys):
            fa = forms.setdefault(a, NameForm(" ".join(a), a))
            for b in keys[i + 1 :]:
                if clusters.find(a) == clusters.find(b):
                    continue
                fb = forms.setdefault(b, NameForm(" ".join(b), b))
                reason = same_person_name(fa, fb)
                if reason:
                    clusters.union(a, b, reason)


def _surname_index(
    members: dict[tuple[str, ...], list[tuple[str, ...]]], position: int = -1
) -> dict[str, set[tuple[str, ...]]]:
    """Skeleton of each full name's surname (or, with ``position=0``, given name) -> clusters."""
    index: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for root, keys in members.items():
        for key in keys:
            index[skeleton(key[position])].add(root)
    return index


def _display_name(
    keys: list[tuple[str, ...]],
    displays: dict[tuple[str, ...], Counter[str]],
    person: WatchlistPerson | None,
    prefer: str,
) -> str:
    if person is not None:
        return person.name
    counts: Counter[str] = Counter()
    for key in keys:
        counts.update(displays[key])
    return _pick_display(list(counts), counts, prefer)


def _pick_display(names: list[str], counts: dict[str, int] | Counter[str], prefer: str) -> str:
    """Most used full spelling in the preferred script, in its best letter case ("Karim Massimov",
    not "KARIM MASSIMOV"; "Karim Masimov" over a more frequent "Карим Масимов" by default)."""
    by_key: dict[str, list[str]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for name in names:
        key = name_key(name)
        by_key[key].append(name)
        totals[key] += counts.get(name, 0) + 1
    in_script = {k: [n for n in group if _in_script(n, prefer)] for k, group in by_key.items()}
    best = max(totals, key=lambda k: (len(k.split()) >= 2, bool(in_script[k]), totals[k], -len(k), k))
    return str(pick_case(in_script[best] or by_key[best]))


def _in_script(name: str, prefer: str) -> bool:
    cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in name)
    return prefer == "any" or cyrillic == (prefer == "cyrillic")


def _org_key(name: str) -> str:
    return name_key(replace_org_types_compare(LEADING_ARTICLE.sub("", name)))


def _resolve_others(mentions: list[MentionRef], prefer: str) -> list[ResolvedEntity]:
    groups: dict[str, list[MentionRef]] = defaultdict(list)
    for m in mentions:
        key = _org_key(m.name)
        if key:
            groups[key].append(m)
    entities = []
    for group in groups.values():
        types = Counter(m.type for m in group)
        etype = max(types, key=lambda t: (types[t], t.value))
        names = Counter(m.name for m in group)
        entity = ResolvedEntity(_pick_display(list(names), names, prefer), etype)
        for m in group:
            entity.add(m, "same name" if m.type is etype else f"same name (also tagged {m.type.value})")
        entities.append(entity)
    return entities
