"""Short forms across documents: which person a lone surname, a lone given name, or a given name
and an initial stands for, decided mention by mention from what its own document says.

See ``_place_short_forms`` for the rules; docs/architecture.md ("Resolution", step 5) for why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from threadline.model import MentionKind
from threadline.names.compare import NameForm, same_part, same_surname
from threadline.names.crossscript import coarse_keys, is_cyrillic
from threadline.names.parts import is_known_given_name
from threadline.names.translit import skeleton
from threadline.resolve.clusters import Clusters
from threadline.resolve.entities import Suggestion
from threadline.resolve.person_nodes import Node, Placed, display_of

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


@dataclass(slots=True)
class Assignment:
    """Where a short-form mention goes, and why."""

    root: str
    reason: str


def place_short_forms(
    clusters: Clusters, nodes: dict[str, Node], placed: list[Placed]
) -> tuple[dict[int, Assignment], dict[str, str], list[Suggestion]]:
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
    by_node: dict[str, list[Placed]] = defaultdict(list)
    for p in placed:
        if p.role == "short" and not p.mention.watchlist_id:
            by_node[p.node].append(p)
    assigned: dict[int, Assignment] = {}
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
            assigned[p.mention.id] = Assignment(root, why)
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

    def __init__(self, clusters: Clusters, placed: list[Placed]) -> None:
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

    def __init__(self, clusters: Clusters, nodes: dict[str, Node]) -> None:
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

    def _credible(self, form: NameForm, node: Node) -> bool:
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
        return display_of(self.nodes, self.roots[root])

    def best_node(self, root: str) -> str:
        return max(self.roots[root], key=lambda k: (self.nodes[k].displays.total(), k))
