"""Presentation helpers: text cut into highlighted segments, search snippets, network layout.

Two functions here build HTML from document text, and both escape every piece of text and every
attribute value (the characters Jinja's autoescaping escapes) before adding any markup of their
own: ``mark_hits`` for search snippets and ``segments_html`` for texts with highlighted mentions
(a 2-million-character OCR dump has some 50,000 segments: too many for a template loop).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
from markupsafe import Markup, escape

from threadline.query.web_queries import HIT_CLOSE, HIT_OPEN


class Segment(NamedTuple):
    """A run of text; highlighted when ``css`` is set, with an anchor id and link when given."""

    text: str
    css: str = ""
    anchor: str = ""
    href: str = ""
    title: str = ""


class Span(NamedTuple):
    """Where to highlight ``segments``' text: offsets, CSS classes, and optional id, link, tooltip."""

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


def with_anchor(runs: list[Segment], offset: int, anchor: str) -> list[Segment]:
    """``runs`` with an empty element ``id=anchor`` at character ``offset`` of their text: inside a
    plain run the run is split there; inside a highlighted one it goes just before it."""
    out: list[Segment] = []
    pos = 0
    placed = False
    for run in runs:
        if not placed and offset < pos + len(run.text):
            cut = offset - pos if not run.css else 0
            if cut > 0:
                out.append(Segment(run.text[:cut]))
            out.append(Segment("", "anchor", anchor))
            out.append(Segment(run.text[cut:], *run[1:]) if cut > 0 else run)
            placed = True
        else:
            out.append(run)
        pos += len(run.text)
    if not placed:
        out.append(Segment("", "anchor", anchor))
    return out


def segments_html(runs: Iterable[Segment]) -> Markup:
    """Segments as HTML: plain runs as escaped text, highlighted runs as <a> (with a link) or <mark>.

    ``html.escape`` escapes & < > " and ' like markupsafe, without a Markup object per piece."""
    parts: list[str] = []
    for text, css, anchor, href, title in runs:
        if not css:
            parts.append(html.escape(text))
            continue
        attrs = f' class="{html.escape(css)}"'
        if href:
            attrs += f' href="{html.escape(href)}"'
        if anchor:
            attrs += f' id="{html.escape(anchor)}"'
        if title:
            attrs += f' title="{html.escape(title)}"'
        tag = "a" if href else "mark"
        parts.append(f"<{tag}{attrs}>{html.escape(text)}</{tag}>")
    return Markup("".join(parts))


_HIT = re.compile(re.escape(HIT_OPEN) + "(.*?)" + re.escape(HIT_CLOSE), re.DOTALL)


def mark_hits(snippet: str) -> Markup:
    """A search snippet as HTML: the text escaped first, then its hit markers turned into <mark>."""
    escaped = str(escape(snippet))
    marked = _HIT.sub(r"<mark>\1</mark>", escaped)
    return Markup(marked.replace(HIT_OPEN, "").replace(HIT_CLOSE, ""))


# --- network ------------------------------------------------------------------------------------------

WIDTH, HEIGHT, MARGIN = 960, 640, 60
LABELLED = 18  # nodes with a visible label; the rest show their name on hover
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


def _spread(x: float, y: float) -> tuple[float, float]:
    """Pull far nodes in and push near ones out (distance from the centre -> its square root), so a
    few outliers do not crush the dense middle of the picture."""
    distance = math.hypot(x, y)
    if distance == 0:
        return 0.0, 0.0
    factor = math.sqrt(distance) / distance
    return x * factor, y * factor


def _radius(mentions: int, top_mentions: int) -> float:
    return round(5 + 17 * math.sqrt(mentions / top_mentions), 1)


def _labelled(
    nodes: list[dict[str, Any]],
    center_id: int,
    place: Callable[[int], tuple[float, float]],
    top_mentions: int,
) -> set[int]:
    """Nodes whose name is drawn: the entity, then the most mentioned whose label does not overlap
    one already placed (about 7 px per character, 14 px high). The rest show it on hover."""
    boxes: list[tuple[float, float, float, float]] = []
    chosen: set[int] = set()
    for n in sorted(nodes, key=lambda n: (n["id"] != center_id, -n["mentions"])):
        if len(chosen) >= LABELLED:
            break
        x, y = place(n["id"])
        half, top = 3.5 * len(n["name"]), y + _radius(n["mentions"], top_mentions)
        box = (x - half, top, x + half, top + 17)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        boxes.append(box)
        chosen.add(n["id"])
    return chosen


def layout(network: dict[str, Any]) -> tuple[list[NodeView], list[EdgeView]]:
    """Positions in a WIDTH x HEIGHT box: spring layout with a fixed seed, so a page looks the same
    on every load; node radius grows with mentions, edge width with supporting sentences."""
    nodes = network["nodes"]
    if not nodes:
        return [], []
    center_id = network["center"]
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in nodes)
    for e in network["edges"]:
        graph.add_edge(e["a"], e["b"], weight=1.0 + 0.5 * math.log(e["sentences"]))
    pos: dict[int, tuple[float, float]] = {center_id: (0.0, 0.0)}
    if len(nodes) > 1:
        k = 2.4 / math.sqrt(len(nodes))
        found = nx.spring_layout(
            graph, pos=pos, fixed=[center_id], seed=LAYOUT_SEED, k=k, iterations=200, weight="weight"
        )
        pos = {i: _spread(float(p[0]), float(p[1])) for i, p in found.items()}
    # Scale so the entity sits in the middle and the farthest node touches the margin.
    reach_x = max(abs(x) for x, _ in pos.values()) or 1.0
    reach_y = max(abs(y) for _, y in pos.values()) or 1.0

    def place(i: int) -> tuple[float, float]:
        x, y = pos[i]
        return (
            round(WIDTH / 2 + x / reach_x * (WIDTH / 2 - MARGIN), 1),
            round(HEIGHT / 2 + y / reach_y * (HEIGHT / 2 - MARGIN), 1),
        )

    top_mentions = max(n["mentions"] for n in nodes) or 1
    labelled = _labelled(nodes, center_id, place, top_mentions)
    views: dict[int, NodeView] = {}
    for n in nodes:
        x, y = place(n["id"])
        center = n["id"] == center_id
        views[n["id"]] = NodeView(
            key=n["key"],
            name=n["name"],
            type=n["type"],
            mentions=n["mentions"],
            documents=n["documents"],
            x=x,
            y=y,
            r=_radius(n["mentions"], top_mentions),
            label=n["id"] in labelled,
            center=center,
        )
    top_support = max((e["sentences"] for e in network["edges"]), default=1)
    edges = []
    for e in network["edges"]:
        a, b = views[e["a"]], views[e["b"]]
        width = 1 + 7 * math.log1p(e["sentences"]) / math.log1p(top_support)
        edges.append(
            EdgeView(
                a.key,
                b.key,
                a.name,
                b.name,
                e["sentences"],
                e["documents"],
                a.x,
                a.y,
                b.x,
                b.y,
                round(width, 1),
            )
        )
    edges.sort(key=lambda e: e.sentences)  # strongest drawn last, on top
    ordered = sorted(views.values(), key=lambda v: (v.center, v.r))
    return ordered, edges
