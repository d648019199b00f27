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
   stays apart, and its candidates become suggestions.

A short form that follows a full name in its own document was settled at extraction
(``Mention.full_name``) and belongs to that full name's node.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rigour.names import pick_case
from rigour.text.phonetics import metaphone

from threadline.extract.watchlist import given_first_names
from threadline.model import EntityType, MentionKind, WatchlistPerson
from threadline.names.compare import (
    NameForm,
    NameMatch,
    middle_names_agree,
    same_part,
    same_person_name,
    same_surname,
)
from threadline.names.crossscript import coarse_keys, is_cyrillic
from threadline.names.keys import name_key
from threadline.names.parts import is_known_given_name
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

# A short form in a document that names nobody specific goes to the candidate the corpus names in
# full at least this often, with this share of all candidates' full-name mentions and this many
# times the runner-up's: "Trump" alone in a one-line email is Donald when he is named in full 936
# times and Ivanka 16; "Edwards" is not Brad when John and a judge are named too.
OVERWHELMING_MENTIONS = 20
OVERWHELMING_SHARE = 0.8
OVERWHELMING_RATIO = 20
# A lone word is a surname here when surname bearers are named in full this many times as often as
# bearers of it as a given name (and the other way round).
ROLE_RATIO = 3
# A word that opens this many distinct full names in the corpus is a given name here.
OPENER_NAMES = 3
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
    assigned, short_reasons, suggestions = _place_short_forms(clusters, nodes, placed)
    entities = _entities(clusters, nodes, placed, wl_names, wl_node, assigned, short_reasons, prefer)
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


@dataclass(slots=True)
class _Assignment:
    """Where a short-form mention goes, and why."""

    root: str
    reason: str


def _place_short_forms(
    clusters: Clusters, nodes: dict[str, _Node], placed: list[_Placed]
) -> tuple[dict[int, _Assignment], dict[str, str], list[Suggestion]]:
    """Give each short-form mention (a lone surname, a lone given name, a given name and an
    initial) to the person it stands for where its document makes that clear; else leave it apart.

    The candidates are the people whose full names fit the short form, each weighed by how often
    it is named in full. In each document the short form appears in, it goes to:

    1. the one candidate the document names some other way (another spelling, an address; for a
       lone given name only the people of the document's email header count);
    2. else the candidate the whole corpus names far more often than any other (OVERWHELMING_*).

    Every such merge is probable and says which rule made it. Returns the assignments by mention
    id, the reason each short node stayed apart, and the suggestions."""
    index = _FullNameIndex(clusters, nodes)
    context = _DocumentContext(clusters, placed)
    by_node: dict[str, list[_Placed]] = defaultdict(list)
    for p in placed:
        if p.role == "short" and not p.mention.watchlist_id:
            by_node[p.node].append(p)
    assigned: dict[int, _Assignment] = {}
    reasons: dict[str, str] = {}
    suggestions: list[Suggestion] = []
    for short in sorted(by_node):
        if index.roots.get(clusters.find(short)):
            continue  # a person joined it already (a judgement)
        group = by_node[short]
        form = group[0].form
        candidates, given_name = index.candidates(form)
        weights = Counter({r: w for r, w in candidates.items() if clusters.allowed(short, r)})
        # a document that names a person in full settles that person's surname there, however odd
        # the name (what extraction does within a document, across spellings and headers)
        named = set(weights)
        if not given_name:
            named |= {r for r in index.by_surname(form, credible=False) if clusters.allowed(short, r)}
        ranked = weights.most_common()
        shown = repr(form.display)
        if not named:
            reasons[short] = "lone name with no known full name"
            continue
        overwhelming = _overwhelming(ranked) if ranked else None
        left = 0
        for p in group:
            found = context.decide(p.mention.document_id, sorted(named), overwhelming, given_name)
            if found is None:
                left += 1
                continue
            root, how = found
            if how == "named":
                where = "whose header names" if given_name else "that names"
                why = f"{shown} in a document {where} {index.display(root)!r} too"
            else:
                (_, n), rest = ranked[0], ranked[1:]
                others = f", anyone else with it {sum(w for _, w in rest)} times" if rest else ""
                why = f"{shown}: {index.display(root)!r} is named in full {n} times{others}"
            assigned[p.mention.id] = _Assignment(root, why)
        if left:
            ranked = ranked or [(r, 0) for r in sorted(named)]
            names = ", ".join(repr(index.display(r)) for r, _ in ranked[:5])
            count = f"{len(ranked)} known {'person' if len(ranked) == 1 else 'people'}"
            why = f"fits {count} ({names}); its documents do not say which: kept apart"
            reasons[short] = why
            for root, _weight in ranked[:5]:
                suggestions.append(Suggestion(short, index.best_node(root), why, left))
    return assigned, reasons, suggestions


def _overwhelming(ranked: list[tuple[str, int]]) -> str | None:
    """The candidate the corpus names in full so much more often than any other that a short form
    with no other evidence is theirs ("Trump" in a house-oversight email: Donald, 936 full
    mentions; Ivanka 16)."""
    (top, n), rest = ranked[0], ranked[1:]
    others = sum(w for _, w in rest)
    runner_up = rest[0][1] if rest else 0
    if (
        n >= OVERWHELMING_MENTIONS
        and n >= OVERWHELMING_SHARE * (n + others)
        and n >= OVERWHELMING_RATIO * runner_up
    ):
        return top
    return None


class _DocumentContext:
    """Which people each document names: by full name or address (``named``), and in its email
    header (``headed``). That is what decides a short form in a document of its own."""

    def __init__(self, clusters: Clusters, placed: list[_Placed]) -> None:
        self.named: dict[int, set[str]] = defaultdict(set)  # document -> roots
        self.headed: dict[int, set[str]] = defaultdict(set)
        for p in placed:
            if p.role in ("full", "address"):
                root = clusters.find(p.node)
                self.named[p.mention.document_id].add(root)
                if p.mention.kind is MentionKind.HEADER:
                    self.headed[p.mention.document_id].add(root)

    def decide(
        self, document: int, named: list[str], overwhelming: str | None, given_name: bool
    ) -> tuple[str, str] | None:
        """The person a short form stands for in ``document``, and by which rule, or None.

        A surname goes to the one candidate the document names in full. A given name is too common
        for that ("the apostles Peter, James, John, Andrew" in a book naming Andrew Carnegie): only
        the people of an email's header count ("Dear Jeffrey" to jeevacation@...). Failing that,
        the overwhelming candidate, if any."""
        here = (self.headed if given_name else self.named).get(document, set())
        present = [r for r in named if r in here]
        if len(present) == 1:
            return present[0], "named"
        if not present and overwhelming is not None:
            return overwhelming, "corpus"
        return None


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
        self.openers: Counter[str] = Counter()  # first token -> distinct full names it opens
        self.closers: Counter[str] = Counter()  # last token -> distinct full names it ends
        for root, keys in self.roots.items():
            for key in keys:
                for form in nodes[key].forms.values():
                    self.surnames[skeleton(form.tokens[-1])].add(root)
                    self.givens[form.tokens[0]].add(root)
                    self.openers[form.tokens[0]] += 1
                    self.closers[form.tokens[-1]] += 1
                    written = form.raw[-1] if form.raw else form.tokens[-1]
                    for sound in coarse_keys(written):
                        self.sounds[(is_cyrillic(written), sound)].add(root)

    def candidates(self, form: NameForm) -> tuple[Counter[str], bool]:
        """People a short form may stand for, weighed by full-name mentions, and whether it stands
        for them by a given name: bearers of the surname, and, for a lone word that opens full
        names, of the given name (nicknames included); for a given name and an initial, bearers of
        both."""
        if len(form.tokens) == 2 and len(form.tokens[1]) == 1 and len(form.tokens[0]) > 1:
            return self.by_given_name(form, surname_initial=form.tokens[1]), True
        found = self.by_surname(form)
        if len(form.tokens) == 1:
            # a word mostly used as a surname ("Trump": "Trump Tower" is NER's slip) or mostly as
            # a given name ("Jeffrey") is looked up as that; a word used as both ("Reid" Weingarten,
            # Harry "Reid") among both
            given = self.by_given_name(form)
            # a person in both ("TRUMP DONALD" beside Donald Trump) counts where it weighs more
            surnames = sum(w for r, w in found.items() if w >= given[r])
            givens = sum(w for r, w in given.items() if w > found[r])
            if givens * ROLE_RATIO <= surnames:
                return found, False
            if surnames * ROLE_RATIO <= givens:
                return given, True
            for root, weight in given.items():
                found[root] = max(found[root], weight)
            return found, True
        return found, False

    def by_surname(self, form: NameForm, *, credible: bool = True) -> Counter[str]:
        key = form.tokens[-1]
        roots = set(self.surnames.get(skeleton(key), ()))
        written = form.raw[-1] if form.raw else key
        for sound in coarse_keys(written):
            roots |= self.sounds.get((not is_cyrillic(written), sound), set())
        return self._weigh(roots, lambda f: bool(same_surname(form, f)), credible=credible)

    def by_given_name(self, form: NameForm, surname_initial: str | None = None) -> Counter[str]:
        # no nicknames here: a lone "Mike" beside Michael Cohen is as likely Mike Pence
        key = form.tokens[0]
        roots = set(self.givens.get(key, set()))
        part = form.part(0)

        def fits(full: NameForm) -> bool:
            if surname_initial and not full.tokens[-1].startswith(surname_initial):
                return False
            return bool(same_part(part, full.part(0)))

        return self._weigh(roots, fits)

    def _weigh(
        self, roots: set[str], fits: Callable[[NameForm], bool], *, credible: bool = True
    ) -> Counter[str]:
        """Per root, the mentions of its full names that fit; unless ``credible`` is False, only full
        names that look like a person's count ("Numerical Algorithms", "Burnett Plaintiffs": NER's
        readings, nobody's name)."""
        weights: Counter[str] = Counter()
        for root in sorted(roots):
            matching = [
                k
                for k in self.roots[root]
                if any(
                    fits(f) and (not credible or self._credible(f, self.nodes[k]))
                    for f in self.nodes[k].forms.values()
                )
            ]
            if matching and any(self.nodes[k].named_in_full for k in matching):
                weights[root] = sum(self.nodes[k].named_in_full for k in matching)
        return weights

    def _credible(self, form: NameForm, node: _Node) -> bool:
        """Whether a full name is a person's name and not NER's reading of a heading, a case title
        or a list ("Burnett Plaintiffs", "Croix Centr"): named in full at least OPENER_NAMES times,
        or else its first word is a listed given name or opens several full names here, and its last
        word ends several."""
        if node.named_in_full >= OPENER_NAMES:
            return True
        first, last = form.tokens[0], form.tokens[-1]
        opens = is_known_given_name(first) or self.openers[first] >= OPENER_NAMES
        return opens and self.closers[last] >= 2

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
    assigned: dict[int, _Assignment],
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
