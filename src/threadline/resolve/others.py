"""Organisation and place mentions -> entities: one per normalised name, plus people's merges.

Names are grouped by a normalised form: leading "the" removed, company types normalised by rigour,
then transliterated, lower-cased, letters only. The group takes its most frequent type ("Astana"
tagged a place and an organisation is one entity). A person's positive judgement joins two groups.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from rigour.names import replace_org_types_compare

from threadline.extract.surface import LEADING_ARTICLE
from threadline.names.keys import name_key
from threadline.resolve.clusters import Clusters
from threadline.resolve.entities import POSITIVE, Judgement, MentionRef, ResolvedEntity, name_node
from threadline.resolve.person_nodes import pick_display


def org_key(name: str) -> str:
    return name_key(replace_org_types_compare(LEADING_ARTICLE.sub("", name)))


def resolve_others(
    mentions: Sequence[MentionRef], prefer: str, judgements: Sequence[Judgement] = ()
) -> list[ResolvedEntity]:
    clusters = Clusters()
    groups: dict[str, list[MentionRef]] = defaultdict(list)
    for m in mentions:
        key = org_key(m.name)
        if key:
            groups[name_node(key)].append(m)
            clusters.add(name_node(key))
    for j in judgements:
        if j.judgement == POSITIVE and j.about_type is None and j.target in groups and j.source in groups:
            clusters.union(j.source, j.target, j.describe(), joining=True, both=True)
    entities = []
    for root, nodes in sorted(clusters.groups()):
        group = [m for node in nodes for m in groups[node]]
        types = Counter(m.type for m in group)
        etype = max(types, key=lambda t: (types[t], t.value))
        names = Counter(m.name for m in group)
        entity = ResolvedEntity(pick_display(list(names), names, prefer), etype)
        for node in sorted(nodes):
            for m in groups[node]:
                reason = clusters.reason.get(node) or "same name"
                if m.type is not etype and node not in clusters.reason:
                    reason = f"same name (also tagged {m.type.value})"
                entity.add(m, reason, node=node)
        del root
        entities.append(entity)
    return entities
