"""Presentation helpers: text cut into highlighted segments, search snippets, network layout.

Nothing here builds HTML from document text by hand except ``mark_hits``, which escapes first.
Templates render segments with autoescaping, so text from documents is always inert.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from markupsafe import Markup, escape

from threadline.query.web_queries import HIT_CLOSE, HIT_OPEN


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text; highlighted when ``css`` is set, with an anchor id and link when given."""

    text: str
    css: str = ""
    anchor: str = ""
    href: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    css: str
    anchor: str = ""
    href: str = ""
    title: str = ""


def segments(text: str, spans: Iterable[Span]) -> list[Segment]:
    """Cut ``text`` at the spans (offsets into it); overlapping spans after the first are dropped."""
    out: list[Segment] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        start, end = max(span.start, 0), min(span.end, len(text))
        if start < pos or end <= start:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], span.css, span.anchor, span.href, span.title))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


_HIT = re.compile(re.escape(HIT_OPEN) + "(.*?)" + re.escape(HIT_CLOSE), re.DOTALL)


def mark_hits(snippet: str) -> Markup:
    """A search snippet as HTML: the text escaped first, then its hit markers turned into <mark>."""
    escaped = str(escape(snippet))
    marked = _HIT.sub(r"<mark>\1</mark>", escaped)
    return Markup(marked.replace(HIT_OPEN, "").replace(HIT_CLOSE, ""))


# --- network ------------------------------------------------------------------------------------------

WIDTH, HEIGHT, MARGIN = 960, 640, 60
LABELLED = 24  # nodes with a visible label; the rest show their name on hover
LAYOUT_SEED = 7


@dataclass(frozen=True, slots=True)
class NodeView:
    key: str
    name: str
    type: str
    mentions: int
    documents: int
    x: float
    y: float
    r: float
    label: bool
    center: bool


@dataclass(frozen=True, slots=True)
class EdgeView:
    a: str
    b: str
    a_name: str
    b_name: str
    sentences: int
    documents: int
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


def layout(network: dict[str, Any]) -> tuple[list[NodeView], list[EdgeView]]:
    """Positions in a WIDTH x HEIGHT box: spring layout with a fixed seed, so a page looks the same
    on every load; node radius grows with mentions, edge width with supporting sentences."""
    nodes = network["nodes"]
    if not nodes:
        return [], []
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in nodes)
    for e in network["edges"]:
        graph.add_edge(e["a"], e["b"], weight=1.0 + math.log(e["sentences"]))
    if len(nodes) == 1:
        pos = {nodes[0]["id"]: (0.0, 0.0)}
    else:
        k = 1.6 / math.sqrt(len(nodes))
        pos = nx.spring_layout(graph, seed=LAYOUT_SEED, k=k, iterations=120, weight="weight")
    xs = [float(p[0]) for p in pos.values()]
    ys = [float(p[1]) for p in pos.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0

    def place(i: int) -> tuple[float, float]:
        if len(nodes) == 1:
            return WIDTH / 2, HEIGHT / 2
        px, py = pos[i]
        x = MARGIN + (float(px) - min(xs)) / span_x * (WIDTH - 2 * MARGIN)
        y = MARGIN + (float(py) - min(ys)) / span_y * (HEIGHT - 2 * MARGIN)
        return round(x, 1), round(y, 1)

    top_mentions = max(n["mentions"] for n in nodes) or 1
    labelled = {n["id"] for n in sorted(nodes, key=lambda n: -n["mentions"])[:LABELLED]}
    views: dict[int, NodeView] = {}
    for n in nodes:
        x, y = place(n["id"])
        radius = 5 + 17 * math.sqrt(n["mentions"] / top_mentions)
        center = n["id"] == network["center"]
        views[n["id"]] = NodeView(
            key=n["key"],
            name=n["name"],
            type=n["type"],
            mentions=n["mentions"],
            documents=n["documents"],
            x=x,
            y=y,
            r=round(radius, 1),
            label=center or n["id"] in labelled,
            center=center,
        )
    top_support = max((e["sentences"] for e in network["edges"]), default=1)
    edges = []
    for e in network["edges"]:
        a, b = views[e["a"]], views[e["b"]]
        width = 1 + 7 * math.log1p(e["sentences"]) / math.log1p(top_support)
        edges.append(
            EdgeView(
                a.key, b.key, a.name, b.name, e["sentences"], e["documents"], a.x, a.y, b.x, b.y, round(width, 1)
            )
        )
    edges.sort(key=lambda e: e.sentences)  # strongest drawn last, on top
    ordered = sorted(views.values(), key=lambda v: (v.center, v.r))
    return ordered, edges
