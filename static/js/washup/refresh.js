// Redraw what an event changed: fetch the page again and swap in each marked part
// (data-part) whose server copy differs from the one drawn. Forms are never parts, so
// whatever the facilitator is typing stays put.
import { localiseAll } from "../local-time.js";

const drawn = new Map(); // part name -> the server's HTML of it, as last drawn
let running = null;
let again = false;
let onLost = () => {};

/** Remember the parts as the page came from the server; `lost` hears when access ends. */
export function connectRefresh(lost) {
  onLost = lost;
  for (const node of document.querySelectorAll("[data-part]")) drawn.set(node.dataset.part, node.innerHTML);
}

/** Bring every part up to date; calls made while one runs are folded into one more. */
export function refresh() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      await redraw();
    } finally {
      running = null;
      if (again) {
        again = false;
        refresh();
      }
    }
  })();
  return running;
}

async function redraw() {
  let response;
  try {
    response = await fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch (err) {
    return; // offline: the next event or reconnect tries again
  }
  if (response.redirected || !response.ok) {
    onLost(response.status);
    return;
  }
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const part of fresh.querySelectorAll("[data-part]")) {
    const name = part.dataset.part;
    const html = part.innerHTML;
    if (drawn.get(name) === html) continue;
    const here = document.querySelector(`[data-part="${CSS.escape(name)}"]`);
    if (!here) continue;
    // Copy the list first: adopting a node takes it out of the live childNodes.
    const nodes = [...part.childNodes];
    here.replaceChildren(...nodes.map((node) => document.adoptNode(node)));
    drawn.set(name, html);
    localiseAll(here);
  }
}
