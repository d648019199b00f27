// threadline: small progressive enhancements; every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "/" focuses the search box, as on many sites.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement && target.closest("input, textarea, select");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const box = document.getElementById("quick-q");
      if (box) {
        event.preventDefault();
        box.focus();
      }
    }
  });

  // Path finder: swap the two names.
  for (const button of document.querySelectorAll("button[data-swap]")) {
    button.addEventListener("click", () => {
      const [a, b] = button.dataset.swap.split(" ").map((n) => button.form.elements.namedItem(n));
      if (a && b) {
        [a.value, b.value] = [b.value, a.value];
      }
    });
  }

  // Document page: bring the cited mention or offset into view (the CSS :target rule highlights it).
  if (location.hash.startsWith("#m") || location.hash === "#at") {
    const mention = document.getElementById(location.hash.slice(1));
    if (mention) {
      mention.scrollIntoView({ block: "center" });
    }
  }
});
