"""``export gexf`` and ``export graphml``: the entities and links as one graph file (networkx), with
every count as a node or edge attribute, so Gephi, Cytoscape or yEd show them as columns.

Nodes are keyed by entity id and carry ``label`` (the name), ``type``, ``mentions``, ``documents``,
``stories``, ``sources``, ``aliases`` and ``watchlist_id``; edges carry ``weight`` (= sentences),
``sentences``, ``documents``, ``stories``, ``sources``, ``first_date``, ``last_date`` and the strongest
evidence sentence with its ``evidence_path``, ``evidence_page``, ``evidence_start``, ``evidence_end``.
An attribute with no value (an undated link) is left out rather than written empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from threadline.export import data
from threadline.export.files import atomic

# Gephi reads GEXF colours: the web app's colours for each type.
COLOURS = {
    "person": (36, 80, 168),
    "organization": (138, 75, 8),
    "location": (23, 115, 74),
}


def build(findings: data.Findings, *, viz: bool = False) -> nx.Graph:
    """The findings as an undirected networkx graph (GEXF ``viz`` colours and sizes when ``viz``)."""
    graph = nx.Graph()
    top = max((e.mentions for e in findings.entities.values()), default=1) or 1
    for e in findings.entities.values():
        attrs: dict[str, Any] = {
            "label": e.name,
            "type": e.type,
            "mentions": e.mentions,
            "documents": e.documents,
            "stories": e.stories,
            "sources": e.sources,
            "aliases": "; ".join(e.aliases),
        }
        if e.watchlist_id:
            attrs["watchlist_id"] = e.watchlist_id
        if viz:
            r, g, b = COLOURS.get(e.type, (102, 112, 133))
            attrs["viz"] = {
                "color": {"r": r, "g": g, "b": b, "a": 1.0},
                "size": round(4 + 26 * (e.mentions / top) ** 0.5, 2),
            }
        graph.add_node(e.key, **attrs)
    for link in findings.links:
        attrs = {
            "weight": float(link.sentences),
            "sentences": link.sentences,
            "documents": link.documents,
            "stories": link.stories,
            "sources": link.sources,
        }
        if link.first_date:
            attrs["first_date"] = link.first_date
            attrs["last_date"] = link.last_date
        ev = link.evidence
        if ev is not None:
            attrs.update(
                evidence=ev.sentence, evidence_path=ev.path, evidence_start=ev.start, evidence_end=ev.end
            )
            if ev.page is not None:
                attrs["evidence_page"] = ev.page
        graph.add_edge(findings.key(link.a), findings.key(link.b), **attrs)
    return graph


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters (the stored text may: a form feed from a PDF)."""
    return "".join(c if c in "\t\n\r" or c >= " " else " " for c in text)


def _xml_safe(graph: nx.Graph) -> nx.Graph:
    for _, attrs in graph.nodes(data=True):
        for k, v in attrs.items():
            if isinstance(v, str):
                attrs[k] = _clean(v)
    for _, _, attrs in graph.edges(data=True):
        for k, v in attrs.items():
            if isinstance(v, str):
                attrs[k] = _clean(v)
    return graph


def export_gexf(findings: data.Findings, out: Path) -> None:
    graph = _xml_safe(build(findings, viz=True))
    with atomic(out, "wb") as handle:
        nx.write_gexf(graph, handle, version="1.2draft")


def export_graphml(findings: data.Findings, out: Path) -> None:
    graph = _xml_safe(build(findings))
    with atomic(out, "wb") as handle:
        nx.write_graphml(graph, handle, named_key_ids=True)
