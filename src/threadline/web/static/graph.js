// threadline: the interactive graph of /graph, drawn with the vendored cytoscape.js from the data of
// /api/graph (positions are computed by the server, so a view looks the same on every load).
// Zoom, pan and drag are cytoscape's own; labels follow importance and zoom; a click on a line shows
// the sentences naming both ends, a click on a circle who it is.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("graph");
  const status = document.getElementById("graph-status");
  const panel = document.getElementById("graph-panel");
  if (!box || !status || !panel || typeof cytoscape !== "function") {
    return;
  }
  let data;
  try {
    const response = await fetch(box.dataset.api, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      throw new Error(`status ${response.status}`);
    }
    data = await response.json();
  } catch (error) {
    status.textContent = `The graph could not be loaded (${error.message}).`;
    return;
  }
  if (data.nodes.length === 0) {
    status.textContent = "No links pass these filters. Try more hops, fewer sentences, other types or dates.";
    return;
  }

  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const LABELLED = 25; // names always shown; zooming in shows more
  const topMentions = Math.max(1, ...data.nodes.map((n) => n.mentions));
  const topSentences = Math.max(1, ...data.edges.map((e) => e.sentences));
  const elements = [
    ...data.nodes.map((n) => ({
      group: "nodes",
      data: {
        id: n.id,
        full: n.name,
        label: n.rank < LABELLED || n.center ? n.name : "",
        type: n.type,
        mentions: n.mentions,
        documents: n.documents,
        rank: n.rank,
        size: Math.round(12 + 38 * Math.sqrt(n.mentions / topMentions)),
      },
      position: { x: n.x, y: n.y },
      classes: `${n.type}${n.center ? " center" : ""}`,
    })),
    ...data.edges.map((e) => ({
      group: "edges",
      data: {
        id: e.id,
        source: e.source,
        target: e.target,
        sentences: e.sentences,
        documents: e.documents,
        width: 1 + (7 * Math.log1p(e.sentences)) / Math.log1p(topSentences),
      },
    })),
  ];
  const cy = cytoscape({
    container: box,
    elements,
    layout: { name: "preset", fit: true, padding: 30 },
    minZoom: 0.05,
    maxZoom: 8,
    style: [
      {
        selector: "node",
        style: {
          "background-color": colour("--person", "#2450a8"),
          width: "data(size)",
          height: "data(size)",
          label: "data(label)",
          "font-size": 12,
          color: "#1d2330",
          "text-valign": "bottom",
          "text-margin-y": 3,
          "text-outline-color": "#ffffff",
          "text-outline-width": 2,
          "border-color": "#ffffff",
          "border-width": 1.5,
        },
      },
      { selector: "node.organization", style: { "background-color": colour("--organization", "#8a4b08") } },
      { selector: "node.location", style: { "background-color": colour("--location", "#17734a") } },
      { selector: "node.center", style: { "border-color": "#e0a100", "border-width": 4 } },
      { selector: "node:selected", style: { "border-color": "#1d2330", "border-width": 3, label: "data(full)" } },
      {
        selector: "edge",
        style: { width: "data(width)", "line-color": "#9aa4b8", opacity: 0.55, "curve-style": "straight" },
      },
      { selector: "edge:selected", style: { "line-color": colour("--accent", "#2450a8"), opacity: 1 } },
    ],
  });
  window.threadlineGraph = cy; // for the console and the browser tests

  // Labels by importance: the LABELLED most mentioned at the first view, more as one zooms in.
  const baseZoom = cy.zoom();
  let pending = false;
  const relabel = () => {
    pending = false;
    const shown = Math.round(LABELLED * Math.max(1, (cy.zoom() / baseZoom) ** 2));
    cy.batch(() => {
      cy.nodes().forEach((node) => {
        const label = node.data("rank") < shown || node.hasClass("center") ? node.data("full") : "";
        if (node.data("label") !== label) {
          node.data("label", label);
        }
      });
    });
  };
  cy.on("zoom", () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(relabel);
    }
  });

  const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
  const make = (tag, text, attrs = {}) => {
    const element = document.createElement(tag);
    if (text !== undefined && text !== null) {
      element.textContent = text;
    }
    for (const [name, value] of Object.entries(attrs)) {
      element.setAttribute(name, value);
    }
    return element;
  };
  const link = (href, text) => make("a", text, { href });
  const entityPath = (id) => `/entity/${encodeURIComponent(id)}`;

  const showEdge = async (edge) => {
    const a = edge.source();
    const b = edge.target();
    const title = make("h2", `${a.data("full")} — ${b.data("full")}`);
    const loading = make("p", "Loading the sentences…", { class: "muted" });
    panel.replaceChildren(title, loading);
    const pair = `${encodeURIComponent(a.id())}/${encodeURIComponent(b.id())}`;
    try {
      const query = `a=${encodeURIComponent(a.id())}&b=${encodeURIComponent(b.id())}&limit=5`;
      const response = await fetch(`/api/connection?${query}`, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        throw new Error(`status ${response.status}`);
      }
      const found = await response.json();
      const counts = make(
        "p",
        `${plural(found.sentences, "sentence", "sentences")} in ${plural(found.documents, "document", "documents")}` +
          ` · ${plural(found.stories, "story", "stories")} · ${plural(found.sources, "source", "sources")}`,
        { class: "muted support" }
      );
      const quotes = found.evidence.map((ev) => {
        const quote = make("blockquote", null, { class: "evidence" });
        quote.append(make("p", `“${ev.sentence.trim()}”`));
        const cite = make("cite");
        cite.append(link(`/doc/${ev.document_id}?at=${ev.start}#at`, ev.title || ev.path));
        const where = `${ev.date ? ` · ${ev.date.slice(0, 10)}` : ""}${ev.page ? ` · p. ${ev.page}` : ""} [${ev.start}:${ev.end}]`;
        cite.append(make("span", where, { class: "muted" }));
        quote.append(cite);
        return quote;
      });
      const more = make("p", null, { class: "small" });
      more.append(
        link(`/connection/${pair}`, found.sentences > quotes.length ? `all ${found.sentences} sentences` : "open"),
        " · ",
        link(`/connection/${pair}/evidence.csv`, "download as CSV")
      );
      panel.replaceChildren(title, counts, ...quotes, more);
    } catch (error) {
      loading.textContent = `The sentences could not be loaded (${error.message}).`;
    }
  };

  const showNode = (node) => {
    const title = make("h2");
    title.append(link(entityPath(node.id()), node.data("full")));
    const counts = make(
      "p",
      `${node.data("type")} · ${plural(node.data("mentions"), "mention", "mentions")} in` +
        ` ${plural(node.data("documents"), "document", "documents")} · ${plural(node.degree(), "line", "lines")} here`,
      { class: "muted" }
    );
    const actions = make("p", null, { class: "small" });
    actions.append(
      link(`/graph?entity=${encodeURIComponent(node.id())}`, "graph around it"),
      " · ",
      link(`${entityPath(node.id())}/connections`, "all connections"),
      " · ",
      link(entityPath(node.id()), "entity page")
    );
    panel.replaceChildren(title, counts, actions);
  };

  cy.on("tap", "edge", (event) => showEdge(event.target));
  cy.on("tap", "node", (event) => showNode(event.target));

  for (const button of document.querySelectorAll("button[data-graph]")) {
    button.addEventListener("click", () => {
      const middle = { x: cy.width() / 2, y: cy.height() / 2 };
      const action = button.dataset.graph;
      if (action === "fit") {
        cy.fit(undefined, 30);
      } else {
        const factor = action === "zoom-in" ? 1.5 : 1 / 1.5;
        cy.zoom({ level: cy.zoom() * factor, renderedPosition: middle });
      }
    });
  }

  status.textContent =
    `${plural(data.nodes.length, "entity", "entities")}, ${plural(data.edges.length, "link", "links")}` +
    (data.truncated ? ` (the ${data.nodes.length} most mentioned${data.center ? " nearest" : ""}; raise “Nodes” to see more)` : "") +
    ".";
  box.dataset.ready = "1";
});
