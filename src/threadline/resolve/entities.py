"""What resolution reads, decides and returns: plain dataclasses, no database.

Resolution works on *nodes*: content-derived keys that stand for one name as the corpus writes it
(``person:donald trump``, ``person:trump``, ``email:jd@example.org``, ``name:palm beach``). Mentions
belong to nodes; rules and people's judgements join nodes into entities. Because a node key is made
from the text, not from row ids, a judgement or a public id that points at a node survives every
re-ingest and re-resolution.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from threadline.model import EntityType, MentionKind

POSITIVE, NEGATIVE = "positive", "negative"
# The "source" of a judgement about an entity's type: (node, "type:person", negative) says a node
# is not a person; (node, "type:organization", positive) that it is an organisation.
TYPE_PREFIX = "type:"


def person_node(tokens: tuple[str, ...], suffix: str | None = None) -> str:
    return "person:" + " ".join(tokens) + (f" {suffix}" if suffix else "")


def name_node(key: str) -> str:
    """The node of an organisation or place name (both types share it: the type is voted)."""
    return "name:" + key


def address_node(address: str) -> str:
    return "email:" + address.lower()


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
    address: str | None = None  # the email address a header display name came with
    alias: str | None = None  # the name as shown among the entity's aliases, when not ``name``


@dataclass(slots=True)
class Alias:
    mentions: int
    reasons: Counter[str] = field(default_factory=Counter)
    probable: int = 0  # mentions merged on a rule that rests on likelihood

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
    nodes: Counter[str] = field(default_factory=Counter)  # node key -> mentions
    node_of: dict[int, str] = field(default_factory=dict)  # mention id -> its node

    def add(self, mention: MentionRef, reason: str, *, node: str = "", probable: bool = False) -> None:
        self.mention_ids.append(mention.id)
        shown = mention.alias or mention.name
        alias = self.aliases.get(shown)
        if alias is None:
            alias = self.aliases[shown] = Alias(0)
        alias.mentions += 1
        alias.reasons[reason] += 1
        alias.probable += probable
        if node:
            self.nodes[node] += 1
            self.node_of[mention.id] = node


@dataclass(frozen=True, slots=True)
class Judgement:
    """A person's decision about two nodes, in the nomenklatura resolver's terms: ``positive`` (one
    entity), ``negative`` (never one entity). ``source`` may be ``type:<type>`` for a decision
    about the target's type (see TYPE_PREFIX)."""

    target: str
    source: str
    judgement: str
    user: str = ""
    created_at: str = ""
    note: str | None = None
    score: float | None = None

    @property
    def about_type(self) -> str | None:
        return self.source[len(TYPE_PREFIX) :] if self.source.startswith(TYPE_PREFIX) else None

    def describe(self) -> str:
        """How a merge or split made by this judgement is explained on the entity."""
        who = f"by {self.user}" if self.user else "by a person"
        if self.about_type is not None:
            verb = f"a {self.about_type}" if self.judgement == POSITIVE else f"not a {self.about_type}"
            verb = f"retyped as {self.about_type}" if self.judgement == POSITIVE else verb
        else:
            verb = "merged" if self.judgement == POSITIVE else "kept apart"
        return f"{verb} {who}" + (f": {self.note}" if self.note else "")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Two entities that are probably one, left apart because the evidence does not decide.

    ``node`` is the smaller side (a lone surname, say), ``candidate`` a node of the entity it may
    belong to; ``mentions`` is how many mentions accepting it would move."""

    node: str
    candidate: str
    reason: str
    mentions: int


@dataclass(slots=True)
class Resolution:
    entities: list[ResolvedEntity]
    suggestions: list[Suggestion] = field(default_factory=list)
