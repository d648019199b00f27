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

// Names suggested as you type: inputs marked data-names (and the name fields of the search and path
// forms) get a datalist filled from /api/names.
document.addEventListener("DOMContentLoaded", () => {
  const inputs = document.querySelectorAll(
    "input[data-names], .path-form input[type=text], .search-form input[name=entity], .search-form input[name=q]"
  );
  let counter = 0;
  for (const input of inputs) {
    const list = document.createElement("datalist");
    list.id = `names-${counter++}`;
    document.body.appendChild(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    let timer = null;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const text = input.value.trim();
        if (text.length < 2 || text === asked) {
          return;
        }
        asked = text;
        try {
          const response = await fetch(`/api/names?q=${encodeURIComponent(text)}&limit=8`, {
            headers: { Accept: "application/json" },
          });
          if (!response.ok || input.value.trim() !== text) {
            return;
          }
          const names = await response.json();
          list.replaceChildren(
            ...names.map((n) => {
              const option = document.createElement("option");
              option.value = n.name;
              option.label = `${n.type}, ${n.mentions} mentions${n.alias ? `, written ${n.alias}` : ""}`;
              return option;
            })
          );
        } catch (error) {
          // Offline or refused: typing still works, without suggestions.
        }
      }, 150);
    });
  }
});
