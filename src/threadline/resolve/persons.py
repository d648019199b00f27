"""Person mentions -> person entities, cautiously, with a reason for every merge.

Each mention belongs to a node: its full name ("person:karim massimov"), its short form
("person:massimov"), or, for an email display name that is not a full name ("J", "jeffrey E."),
the address it came with ("email:jd@example.org"). Nodes are joined, in this order:

1. watchlist names and aliases of one person;
2. full names that ``same_person_name`` says are one person's (spelling, script, nickname);
3. display names sent from one address, when the address's full display names agree;
4. people's positive judgements (negative ones forbid a join from the start);
5. short forms, each to the one known person with its surname, or to the person who bears it far
   more often than anyone else in the corpus (both marked probable); otherwise it stays apart and
   the candidates become suggestions.

A short form that follows a full name in its own document was settled at extraction
(``Mention.full_name``) and belongs to that full name's node.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rigour.names import pick_case
from rigour.text.phonetics import metaphone

from threadline.model import EntityType, MentionKind, WatchlistPerson
from threadline.names.compare import NameForm, NameMatch, same_part, same_person_name, same_surname
from threadline.names.crossscript import coarse_keys, is_cyrillic
from threadline.names.keys import name_key
from threadline.names.parts import is_known_given_name, name_symbols, nicknames_of
from threadline.names.translit import skeleton
from threadline.resolve.clusters import Clusters
from threadline.resolve.entities import (
    NEGATIVE,
    POSITIVE,
    Judgement,
    MentionRef,
    ResolvedEntity,
    Suggestion,
    address_node,
    person_node,
)
from threadline.resolve.votes import given_name_tokens

# A lone surname across documents goes to the person who bears it far more often than all others
# with it together: this share of their full-name mentions, and at least this many.
DOMINANT_SHARE = 0.9
DOMINANT_MENTIONS = 5
# ...or to the only person who bears it, when named in full at least this often: a person named
# once or twice is no evidence that a surname alone elsewhere is theirs (Peter Jensen named once,
# "Jensen's alpha" a hundred pages later).
ONLY_PERSON_MENTIONS = 3
# The share of an address's full-name header mentions its owner must have before the address's
# other display names ("J", "jeffrey E.") are given to that owner.
ADDRESS_OWNER_SHARE = 2 / 3


@dataclass(slots=True)
class _Node:
    """What resolution knows about one node: how its names are written, and how often."""

    forms: dict[bool, NameForm] = field(default_factory=dict)  # by "is Cyrillic"
    displays: Counter[str] = field(default_factory=Counter)
    full: bool = False
    named_in_full: int = 0  # mentions that write the full name (not short forms a document tied to it)


@dataclass(slots=True)
class _Placed:
    mention: MentionRef
    node: str
    form: NameForm
    role: str  # full | short | address


def resolve_persons(
    mentions: Sequence[MentionRef],
    watchlist: Sequence[WatchlistPerson],
    prefer: str,
    judgements: Sequence[Judgement] = (),
) -> tuple[list[ResolvedEntity], list[Suggestion]]:
    clusters = Clusters()
    for j in judgements:
        if j.judgement == NEGATIVE and j.about_type is None:
            clusters.keep_apart(j.target, j.source)
    nodes: dict[str, _Node] = defaultdict(_Node)
    wl_names = {p.id: p for p in watchlist}
    wl_node: dict[str, str] = {}
    for person in watchlist:
        for name in person.all_names:
            form = NameForm.of(name)
            if form.is_full:
                node = person_node(form.tokens, form.suffix)
                clusters.add(node, person.id)
                _remember(nodes[node], form, name, 0)
                first = wl_node.setdefault(person.id, node)
                # The list itself says these names are one person, variant spellings or not.
                clusters.union(first, node, f"watchlist name or alias of {person.name!r}")

    given_like = given_name_tokens(mentions)
    placed = _place(mentions, given_like)
    for p in placed:
        clusters.add(p.node, p.mention.watchlist_id if p.role == "full" and not p.mention.full_name else None)
        if p.role == "full":
            _remember(nodes[p.node], p.form, p.mention.full_name or p.mention.name, 1)
            nodes[p.node].named_in_full += not p.mention.full_name
        else:
            nodes[p.node].displays[p.mention.alias or p.mention.name] += 1

    _merge_variants(clusters, nodes)
    _merge_addresses(clusters, nodes, placed)
    for j in judgements:
        known = j.target in clusters.parent and j.source in clusters.parent
        if j.judgement == POSITIVE and j.about_type is None and known:
            clusters.union(j.source, j.target, j.describe(), joining=True, both=True)
    short_reasons, suggestions = _place_short_forms(clusters, nodes, placed, given_like)
    entities = _entities(clusters, nodes, placed, wl_names, wl_node, short_reasons, prefer)
    return entities, suggestions


def _place(mentions: Sequence[MentionRef], given_like: set[str]) -> list[_Placed]:
    placed = []
    for m in mentions:
        form = NameForm.of(m.name)
        if m.full_name:
            full = NameForm.of(m.full_name)
            # "Giving Jeffrey", "TRUMP DONALD": the "surname" the document propagated is, across the
            # corpus, a given name; its short mentions are not this full name's.
            if not (full.tokens and skeleton(full.tokens[-1]) in given_like):
                form = full
        if m.kind is MentionKind.HEADER and m.address and not form.is_full:
            placed.append(_Placed(m, address_node(m.address), form, "address"))
        elif form.tokens:
            role = "full" if form.is_full else "short"
            placed.append(_Placed(m, person_node(form.tokens, form.suffix), form, role))
    return placed


def _remember(node: _Node, form: NameForm, display: str, count: int) -> None:
    node.full = True
    node.forms.setdefault(any(is_cyrillic(t) for t in form.raw), form)
    node.displays[display] += count


def _match(a: _Node, b: _Node) -> NameMatch | None:
    """Compare two nodes' names, a Latin spelling with a Cyrillic one where both exist."""
    for fa in a.forms.values():
        for fb in b.forms.values():
            found = same_person_name(fa, fb)
            if found:
                return found
    return None


def _merge_variants(clusters: Clusters, nodes: dict[str, _Node]) -> None:
    """Compare full names that share a surname skeleton, sound or (across scripts) consonant frame."""
    blocks: dict[str, list[str]] = defaultdict(list)
    cross: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for key in sorted(k for k, n in nodes.items() if n.full):
        for cyrillic, form in nodes[key].forms.items():
            core = [t for t in form.tokens if len(t) > 1]
            if not core:
                continue
            surname = form.tokens[-1]
            blocks["s:" + skeleton(surname)].append(key)
            blocks["p:" + metaphone(surname)].append(key)
            if len(form.tokens) == 2:  # "MASSIMOV Karim": surname written first
                blocks["s:" + skeleton(form.tokens[0])].append(key)
            for sound in coarse_keys(form.raw[-1] if form.raw else surname):
                cross["c:" + sound][cyrillic].append(key)
    pairs: list[tuple[str, str]] = []
    for keys in blocks.values():
        keys = list(dict.fromkeys(keys))
        pairs += [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
    for latin_keys, cyrillic_keys in cross.values():
        pairs += [(a, b) for a in cyrillic_keys for b in latin_keys if a != b]
    for a, b in pairs:
        if clusters.find(a) == clusters.find(b):
            continue
        found = _match(nodes[a], nodes[b])
        if found:
            clusters.union(a, b, found.reason, probable=found.probable)


def _merge_addresses(clusters: Clusters, nodes: dict[str, _Node], placed: list[_Placed]) -> None:
    """An address is one person: its display names join the person its full display names name,
    when they (nearly) all name one person."""
    full_by_address: dict[str, Counter[str]] = defaultdict(Counter)
    address_nodes: set[str] = set()
    for p in placed:
        if p.mention.kind is not MentionKind.HEADER or not p.mention.address:
            continue
        address = p.mention.address.lower()
        if p.role == "address":
            address_nodes.add(p.node)
        elif p.role == "full":
            full_by_address[address][p.node] += 1
    for address in sorted(set(full_by_address) | {n.split(":", 1)[1] for n in address_nodes}):
        by_root: Counter[str] = Counter()
        for node, n in full_by_address.get(address, Counter()).items():
            by_root[clusters.find(node)] += n
        node = address_node(address)
        if not by_root:
            continue
        (owner, n), total = by_root.most_common(1)[0], sum(by_root.values())
        if n < ADDRESS_OWNER_SHARE * total:
            continue  # a shared mailbox: its display names name several people
        shown = max(
            (k for k in full_by_address[address] if clusters.find(k) == owner),
            key=lambda k: (full_by_address[address][k], k),
        )
        display = nodes[shown].displays.most_common(1)[0][0]
        if node in clusters.parent:
            clusters.union(node, owner, f"same address ({address}) as {display!r}", joining=True)


def _place_short_forms(
    clusters: Clusters, nodes: dict[str, _Node], placed: list[_Placed], given_like: set[str]
) -> tuple[dict[str, str], list[Suggestion]]:
    """Join each short form to the person it most likely stands for, or say why it stays apart.

    A lone word the corpus uses as a given name ("Jeffrey", "Hillary": it opens full names far more
    often than it ends one) is looked up among given names, nicknames included; any other short
    form among surnames."""
    index = _FullNameIndex(clusters, nodes)
    short_counts: Counter[str] = Counter()
    short_forms: dict[str, NameForm] = {}
    for p in placed:
        if p.role == "short" and not p.mention.watchlist_id:
            short_counts[p.node] += 1
            short_forms.setdefault(p.node, p.form)
    reasons: dict[str, str] = {}
    suggestions: list[Suggestion] = []
    for short in sorted(short_forms):
        if index.roots.get(clusters.find(short)):
            continue  # a person joined it already (a judgement)
        form = short_forms[short]
        given = len(form.tokens) == 1 and skeleton(form.tokens[0]) in given_like
        # "Jeffrey E.": a given name and the initial of a surname
        initialled = len(form.tokens) == 2 and len(form.tokens[1]) == 1 and len(form.tokens[0]) > 1
        if initialled:
            given = True
            weights = index.by_given_name(form, surname_initial=form.tokens[1])
        else:
            weights = index.by_given_name(form) if given else index.by_surname(form)
        weights = Counter({r: w for r, w in weights.items() if clusters.allowed(short, r)})
        ranked = weights.most_common()
        what = "given name and initial" if initialled else "given name" if given else "surname"
        shown = repr(form.display)
        # "Hillary": Edmund Hillary's surname, but a listed given name that others bear in full
        bearers = index.by_given_name(form) if not given and _given_name_word(form) else Counter()
        bearers = Counter({r: w for r, w in bearers.items() if r not in weights})
        if ranked and bearers:
            other = index.display(bearers.most_common(1)[0][0])
            why = (
                f"surname of {index.display(ranked[0][0])!r} but also the given name of {other!r}: kept apart"
            )
            reasons[short] = why
            continue
        if len(ranked) == 1 and (initialled or not given) and ranked[0][1] >= ONLY_PERSON_MENTIONS:
            why = f"only known person {'named' if initialled else 'with the surname'} {shown}"
            clusters.union(short, ranked[0][0], why, probable=True, joining=True)
            continue
        if ranked:
            (top, n), rest = ranked[0], ranked[1:]
            others = sum(w for _, w in rest)
            if n >= DOMINANT_MENTIONS and n >= DOMINANT_SHARE * (n + others):
                why = f"lone {what} {shown}: {index.display(top)!r} is named in full {n} times"
                if rest:
                    names = ", ".join(f"{index.display(r)} {w}" for r, w in rest[:3])
                    people = "person" if len(rest) == 1 else "people"
                    why += f", the {len(rest)} other {people} with it {others} ({names})"
                clusters.union(short, top, why, probable=True, joining=True)
                continue
        if ranked:
            names = ", ".join(repr(index.display(r)) for r, _ in ranked[:5])
            count = f"{len(ranked)} known {'person' if len(ranked) == 1 else 'people'}"
            why = f"lone {what} of {count} ({names}), none named far more often: kept apart"
        else:
            why = "lone name with no known full name"
        reasons[short] = why
        for root, _weight in ranked[:5]:
            suggestions.append(Suggestion(short, index.best_node(root), why, short_counts[short]))
    return reasons, suggestions


def _opens_with_a_name(form: NameForm) -> bool:
    key, written = form.part(0)
    return is_known_given_name(key) or bool(name_symbols(written))


def _given_name_word(form: NameForm) -> bool:
    return len(form.tokens) == 1 and is_known_given_name(form.tokens[0])


class _FullNameIndex:
    """Full-name clusters by surname (spelling skeleton, and consonant skeleton across scripts) and
    by given name, each weighted by the mentions of its full names that fit a short form."""

    def __init__(self, clusters: Clusters, nodes: dict[str, _Node]) -> None:
        self.nodes = nodes
        self.roots: dict[str, list[str]] = defaultdict(list)
        for key, node in nodes.items():
            if node.full and key in clusters.parent:
                self.roots[clusters.find(key)].append(key)
        self.surnames: dict[str, set[str]] = defaultdict(set)
        self.givens: dict[str, set[str]] = defaultdict(set)
        # (is Cyrillic, consonant skeleton) -> roots: a short form in one script looks among full
        # names written in the other (a lone "Трамп" for Donald Trump)
        self.sounds: dict[tuple[bool, str], set[str]] = defaultdict(set)
        for root, keys in self.roots.items():
            for key in keys:
                for form in nodes[key].forms.values():
                    self.surnames[skeleton(form.tokens[-1])].add(root)
                    self.givens[form.tokens[0]].add(root)
                    written = form.raw[-1] if form.raw else form.tokens[-1]
                    for sound in coarse_keys(written):
                        self.sounds[(is_cyrillic(written), sound)].add(root)

    def by_surname(self, form: NameForm) -> Counter[str]:
        key = form.tokens[-1]
        roots = set(self.surnames.get(skeleton(key), ()))
        written = form.raw[-1] if form.raw else key
        for sound in coarse_keys(written):
            roots |= self.sounds.get((not is_cyrillic(written), sound), set())
        return self._weigh(roots, lambda f: bool(same_surname(form, f)))

    def by_given_name(self, form: NameForm, surname_initial: str | None = None) -> Counter[str]:
        key = form.tokens[0]
        names = {key} | nicknames_of(key)
        roots = set().union(*(self.givens.get(n, set()) for n in names))
        part = form.part(0)

        def fits(full: NameForm) -> bool:
            if surname_initial and not full.tokens[-1].startswith(surname_initial):
                return False
            return bool(same_part(part, full.part(0))) or full.tokens[0] in names

        return self._weigh(roots, fits)

    def _weigh(self, roots: set[str], fits: Callable[[NameForm], bool]) -> Counter[str]:
        """Per root, the mentions of its full names that fit; only full names that open with a known
        name part count ("Numerical Algorithms", "Courtesy Ena": NER's readings, nobody's name)."""
        weights: Counter[str] = Counter()
        for root in sorted(roots):
            matching = [
                k
                for k in self.roots[root]
                if any(fits(f) and _opens_with_a_name(f) for f in self.nodes[k].forms.values())
            ]
            if matching and any(self.nodes[k].named_in_full for k in matching):
                weights[root] = sum(self.nodes[k].named_in_full for k in matching)
        return weights

    def display(self, root: str) -> str:
        return _display(self.nodes, self.roots[root])

    def best_node(self, root: str) -> str:
        return max(self.roots[root], key=lambda k: (self.nodes[k].displays.total(), k))


def _display(nodes: dict[str, _Node], keys: list[str]) -> str:
    counts: Counter[str] = Counter()
    for key in keys:
        counts.update(nodes[key].displays)
    return pick_display(list(counts), counts, "latin")


def _entities(
    clusters: Clusters,
    nodes: dict[str, _Node],
    placed: list[_Placed],
    wl_names: dict[str, WatchlistPerson],
    wl_node: dict[str, str],
    short_reasons: dict[str, str],
    prefer: str,
) -> list[ResolvedEntity]:
    entities: dict[str, ResolvedEntity] = {}

    def entity_of(root: str) -> ResolvedEntity:
        found = entities.get(root)
        if found is None:
            members = clusters.members[root]
            watch = clusters.watch[root]
            wl_id = next(iter(watch)) if len(watch) == 1 else None
            full = [k for k in members if nodes[k].full] if members else []
            person = wl_names.get(wl_id or "")
            if person is not None:
                name = person.name
            elif full:
                name = _display_in(nodes, full, prefer)
            else:
                counts: Counter[str] = Counter()
                for k in members:
                    counts.update(nodes[k].displays)
                name = pick_display(list(counts), counts, prefer)
            found = entities[root] = ResolvedEntity(name, EntityType.PERSON, watchlist_id=wl_id)
        return found

    for p in placed:
        m = p.mention
        if p.role != "full" and m.watchlist_id and m.watchlist_id in wl_node:
            root = clusters.find(wl_node[m.watchlist_id])
            entity_of(root).add(
                m, f"watchlist name or alias of {wl_names[m.watchlist_id].name!r}", node=p.node
            )
            continue
        root = clusters.find(p.node)
        entity = entity_of(root)
        probable = p.node in clusters.probable
        if p.role == "full":
            if m.full_name:
                reason = f"surname after {m.full_name!r} in the same document"
                probable = False
            else:
                reason, probable = _explain(p.form, entity.name, clusters, p.node)
        elif p.node in clusters.reason:
            reason = clusters.reason[p.node]
        elif p.role == "address":
            reason = f"display name of {p.node.split(':', 1)[1]}"
        else:
            reason = short_reasons.get(p.node, "lone name with no known full name")
        entity.add(m, reason, node=p.node, probable=probable)
    return [e for e in entities.values() if e.mention_ids]


def _display_in(nodes: dict[str, _Node], keys: list[str], prefer: str) -> str:
    counts: Counter[str] = Counter()
    for key in keys:
        counts.update(nodes[key].displays)
    return pick_display(list(counts), counts, prefer)


def _explain(form: NameForm, display: str, clusters: Clusters, node: str) -> tuple[str, bool]:
    """Why this full name belongs to the entity shown as ``display``, and whether that is probable."""
    target = NameForm.of(display)
    if form.tokens == target.tokens and form.suffix == target.suffix:
        return "same name", False
    direct = same_person_name(form, target)
    if direct:
        return f"{direct}, as {display!r}", direct.probable
    return clusters.reason.get(node, "same name"), node in clusters.probable


def pick_display(names: list[str], counts: dict[str, int] | Counter[str], prefer: str) -> str:
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
