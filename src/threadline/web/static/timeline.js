// threadline: brushing the timeline's histogram sets the date range (a plain form submit).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const figure = document.querySelector("figure.histogram");
  const svg = figure && figure.querySelector("svg");
  const form = document.getElementById("range-form");
  if (!svg || !form) {
    return;
  }
  const bins = Array.from(svg.querySelectorAll("g.bin"));
  const brush = svg.querySelector("rect.brush");
  const width = bins.length * 10;
  let start = null;

  // The bin under a pointer event, by its x in the chart's own units.
  const binAt = (event) => {
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * width;
    return Math.max(0, Math.min(bins.length - 1, Math.floor(x / 10)));
  };
  const show = (a, b) => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    brush.setAttribute("x", String(lo * 10));
    brush.setAttribute("width", String((hi - lo + 1) * 10));
    bins.forEach((bin, i) => bin.classList.toggle("brushed", i >= lo && i <= hi));
  };

  svg.addEventListener("pointerdown", (event) => {
    start = binAt(event);
    svg.setPointerCapture(event.pointerId);
    show(start, start);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", (event) => {
    if (start !== null) {
      show(start, binAt(event));
    }
  });
  svg.addEventListener("pointerup", (event) => {
    if (start === null) {
      return;
    }
    const end = binAt(event);
    const lo = Math.min(start, end);
    const hi = Math.max(start, end);
    start = null;
    form.elements.namedItem("from").value = bins[lo].dataset.key;
    form.elements.namedItem("to").value = bins[hi].dataset.key;
    form.requestSubmit();
  });
});
