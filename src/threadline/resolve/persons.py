"""Person mentions -> person entities, cautiously, with a reason for every merge.

Each mention belongs to a node: its full name ("person:karim massimov"), its short form
("person:massimov"), or, for an email display name that is not a full name ("J", "jeffrey E."),
the address it came with ("email:jd@example.org"). Nodes are joined, in this order:

1. watchlist names and aliases of one person;
2. full names that ``same_person_name`` says are one person's (spelling, script, nickname);
3. display names sent from one address, when the address's full display names agree;
4. people's positive judgements (negative ones forbid a join from the start);
5. short forms ("Trump", "Jeffrey", "Jeffrey E."), mention by mention, to the person their own
   document points at: named there some other way, or named elsewhere beside the people this
   document names; in a document that names nobody specific, to a person the corpus names in full
   overwhelmingly more often than any other bearer. All marked probable; what no document decides
   stays apart, and its candidates become suggestions (``short_forms.py``).

A short form that follows a full name in its own document was settled at extraction
(``Mention.full_name``) and belongs to that full name's node.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from rigour.text.phonetics import metaphone

from threadline.extract.watchlist import given_first_names
from threadline.model import EntityType, MentionKind, WatchlistPerson
from threadline.names.compare import (
    NameForm,
    NameMatch,
    middle_names_agree,
    same_person_name,
)
from threadline.names.crossscript import coarse_keys, is_cyrillic
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
from threadline.resolve.person_nodes import Node, Placed, display_of, pick_display
from threadline.resolve.short_forms import Assignment, place_short_forms
from threadline.resolve.votes import given_name_tokens

# The share of an address's full-name header mentions its owner must have before the address's
# other display names ("J", "jeffrey E.") are given to that owner.
ADDRESS_OWNER_SHARE = 2 / 3


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
    nodes: dict[str, Node] = defaultdict(Node)
    wl_names = {p.id: p for p in watchlist}
    wl_node: dict[str, str] = {}
    for person in watchlist:
        for name in given_first_names(person):  # "ZAKHAROV Nikita" as "Nikita ZAKHAROV"
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
    assigned, short_reasons, suggestions = place_short_forms(clusters, nodes, placed)
    entities = _entities(clusters, nodes, placed, wl_names, wl_node, assigned, short_reasons, prefer)
    return entities, suggestions


def _place(mentions: Sequence[MentionRef], given_like: set[str]) -> list[Placed]:
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
            placed.append(Placed(m, address_node(m.address), form, "address"))
        elif form.tokens:
            role = "full" if form.is_full else "short"
            placed.append(Placed(m, person_node(form.tokens, form.suffix), form, role))
    return placed


def _remember(node: Node, form: NameForm, display: str, count: int) -> None:
    node.full = True
    node.forms.setdefault(any(is_cyrillic(t) for t in form.raw), form)
    node.displays[display] += count


def _match(a: Node, b: Node) -> NameMatch | None:
    """Compare two nodes' names, a Latin spelling with a Cyrillic one where both exist."""
    for fa in a.forms.values():
        for fb in b.forms.values():
            found = same_person_name(fa, fb)
            if found:
                return found
    return None


def _merge_variants(clusters: Clusters, nodes: dict[str, Node]) -> None:
    """Compare full names that share a surname skeleton, sound or (across scripts) consonant frame."""
    blocks: dict[str, list[str]] = defaultdict(list)
    # "MASSIMOV Karim" (surname written first) is compared with the names whose surname is its
    # first word, not with every name sharing its first word (that block is everyone called Elena,
    # and grew with the square of the corpus); only across scripts does one first word suffice.
    firsts: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    cross: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    order: dict[str, None] = {}  # blocks in the order first met: the order pairs are tried in
    for key in sorted(k for k, n in nodes.items() if n.full):
        for cyrillic, form in nodes[key].forms.items():
            core = [t for t in form.tokens if len(t) > 1]
            if not core:
                continue
            surname = form.tokens[-1]
            for block in [*("s:" + k for k in _surname_keys(surname)), "p:" + metaphone(surname)]:
                blocks[block].append(key)
                order.setdefault(block)
            if len(form.tokens) == 2:
                firsts["s:" + skeleton(form.tokens[0])][cyrillic].append(key)
                order.setdefault("s:" + skeleton(form.tokens[0]))
            for sound in coarse_keys(form.raw[-1] if form.raw else surname):
                cross["c:" + sound][cyrillic].append(key)
    pairs: list[tuple[str, str]] = []
    for block in order:
        pairs += _block_pairs(blocks.get(block, []), *firsts.get(block, ([], [])))
    for latin_keys, cyrillic_keys in cross.values():
        pairs += [(a, b) for a in cyrillic_keys for b in latin_keys if a != b]
    # names with a middle name or patronymic in each cluster: a chain through a name without one
    # ("Kirill Lysenkov") must not join Kirill Matveyevich and Kirill Borisovich
    middled: dict[str, list[NameForm]] = defaultdict(list)  # cluster root -> its names with a middle
    for k, node in nodes.items():
        if node.full and k in clusters.parent:
            middled[clusters.find(k)] += [f for f in node.forms.values() if len(f.core()) > 2]
    for a, b in pairs:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue
        found = _match(nodes[a], nodes[b])
        if not found:
            continue
        left, right = middled.get(ra, []), middled.get(rb, [])
        if any(not middle_names_agree(x, y) for x in left for y in right):
            continue
        if clusters.union(a, b, found.reason, probable=found.probable):
            middled[clusters.find(a)] = left + right


def _block_pairs(
    keys: list[str], latin_firsts: list[str], cyrillic_firsts: list[str]
) -> list[tuple[str, str]]:
    """Pairs of one block, in sorted order: every two of ``keys`` (names with this surname); each
    two-word name that opens with this word (``*_firsts``: "MASSIMOV Karim") with each of ``keys``;
    and, among those, each Latin with each Cyrillic one: one given name in two scripts, where the
    surnames' transcription may escape their sound keys (Featherstone, Фезерстоун)."""
    members = sorted(set(keys))
    own = set(members)
    extra = {(a, b) for a in set(latin_firsts + cyrillic_firsts) - own for b in members}
    extra |= {(a, b) for a in cyrillic_firsts for b in latin_firsts if a != b}
    pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    return sorted(set(pairs) | {(min(a, b), max(a, b)) for a, b in extra})


def _surname_keys(surname: str) -> list[str]:
    """Block keys of a surname: its skeleton, and with an inner "ch" read as German or Polish х
    ("Michalow" for "Mikhalov", which ``same_token`` accepts)."""
    keys = [skeleton(surname)]
    if "ch" in surname[1:]:
        keys.append(skeleton(surname[0] + surname[1:].replace("ch", "kh")))
    return keys


def _merge_addresses(clusters: Clusters, nodes: dict[str, Node], placed: list[Placed]) -> None:
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


def _entities(
    clusters: Clusters,
    nodes: dict[str, Node],
    placed: list[Placed],
    wl_names: dict[str, WatchlistPerson],
    wl_node: dict[str, str],
    assigned: dict[int, Assignment],
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
                name = display_of(nodes, full, prefer)
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
        if m.id in assigned:
            to = assigned[m.id]
            entity_of(to.root).add(m, to.reason, node=p.node, probable=True)
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


def _explain(form: NameForm, display: str, clusters: Clusters, node: str) -> tuple[str, bool]:
    """Why this full name belongs to the entity shown as ``display``, and whether that is probable."""
    target = NameForm.of(display)
    if form.tokens == target.tokens and form.suffix == target.suffix:
        return "same name", False
    direct = same_person_name(form, target)
    if direct:
        return f"{direct}, as {display!r}", direct.probable
    return clusters.reason.get(node, "same name"), node in clusters.probable
