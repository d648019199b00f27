"""Union-find over nodes that refuses the joins resolution must never make.

Two clusters are never joined when they carry different watchlist people, or when a person said
of a node in one and a node in the other that they are not the same (a negative judgement). Each
node keeps the reason it first joined a cluster, and whether that reason rests on likelihood.
"""

from __future__ import annotations

from collections.abc import Iterable


class Clusters:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.watch: dict[str, set[str]] = {}
        self.members: dict[str, list[str]] = {}
        # node -> nodes a person said it is not the same as; per root, the union over its members
        self._apart: dict[str, set[str]] = {}
        self._apart_of_root: dict[str, set[str]] = {}
        self.reason: dict[str, str] = {}
        self.probable: set[str] = set()

    def add(self, node: str, watchlist_id: str | None = None) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.watch[node] = set()
            self.members[node] = [node]
            self._apart_of_root[node] = set(self._apart.get(node, ()))
        if watchlist_id:
            self.watch[self.find(node)].add(watchlist_id)

    def keep_apart(self, a: str, b: str) -> None:
        """Never put ``a`` and ``b`` in one cluster (call before any union)."""
        for x, y in ((a, b), (b, a)):
            self._apart.setdefault(x, set()).add(y)
            if x in self.parent:
                self._apart_of_root[self.find(x)].add(y)

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def allowed(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        wa, wb = self.watch[ra], self.watch[rb]
        if wa and wb and wa != wb:
            return False
        apart_a, apart_b = self._apart_of_root[ra], self._apart_of_root[rb]
        if apart_a and any(m in apart_a for m in self.members[rb]):
            return False
        return not (apart_b and any(m in apart_b for m in self.members[ra]))

    def union(
        self,
        a: str,
        b: str,
        reason: str,
        *,
        probable: bool = False,
        quote: bool = True,
        joining: bool = False,
        both: bool = False,
    ) -> bool:
        """Join the clusters of ``a`` and ``b``; False when that is refused.

        Without ``joining``, each of ``a`` and ``b`` not yet in a cluster records ``reason`` with the
        other's name quoted (unless ``quote`` is False): two spellings found to be one name. With
        ``joining``, ``a`` and every node of its cluster join ``b``'s person for ``reason`` (a short
        form, an address), and only they record it; with ``both`` too (a person's judgement), the
        nodes of ``b``'s cluster that have no reason yet record it as well."""
        if not self.allowed(a, b):
            return False
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        joined = list(self.members[ra]) if joining else []
        if both:
            joined += [n for n in self.members[rb] if n not in self.reason]
        if ra > rb:  # deterministic roots
            ra, rb, a, b = rb, ra, b, a
        self.parent[rb] = ra
        self.watch[ra] |= self.watch.pop(rb)
        small, big = self.members.pop(rb), self.members[ra]
        if len(small) > len(big):
            small, big = big, small
        big.extend(small)  # the longer list is extended: linear over all unions
        self.members[ra] = big
        self._apart_of_root[ra] |= self._apart_of_root.pop(rb)
        if joining:
            for node in joined:
                self.reason[node] = reason
                if probable:
                    self.probable.add(node)
            return True
        for node, other in ((b, a), (a, b)):
            if node not in self.reason:
                self.reason[node] = f"{reason}, as {_shown(other)!r}" if quote else reason
                if probable:
                    self.probable.add(node)
        return True

    def groups(self) -> Iterable[tuple[str, list[str]]]:
        return ((root, members) for root, members in self.members.items())


def _shown(node: str) -> str:
    """A node key as a reader sees it: "person:karim massimov" -> "karim massimov"."""
    return node.split(":", 1)[1] if ":" in node else node
