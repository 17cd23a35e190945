// Page helpers the observer's screens share: finding nodes, telling a screen reader what
// happened, alerts, and redrawing lists without losing focus.
import { el } from "../realtime.js";

export const SIGN = { positive: "+", negative: "−" };

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Whether keys typed at this node are text, not shortcuts. */
export function isTextField(node) {
  if (!node || !node.tagName) return false;
  if (node.isContentEditable || node.tagName === "TEXTAREA" || node.tagName === "SELECT") return true;
  return node.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "reset"].includes(node.type);
}

let noticeTimer = null;
/** Say something to screen readers for a few seconds. */
export function announce(text) {
  clearTimeout(noticeTimer);
  $("announce").textContent = text;
  noticeTimer = setTimeout(() => { $("announce").textContent = ""; }, 4000);
}

/** Show a message in the bar until the observer dismisses it. */
export function showAlert(message) {
  const dismiss = el("button", { type: "button", className: "button button-small", text: "Dismiss" });
  dismiss.addEventListener("click", () => $("alert").replaceChildren());
  $("alert").replaceChildren(el("p", { text: message }), dismiss);
}

/** Bring a list's children in line with `items`, reusing unchanged nodes so focus and typing survive. */
export function reconcile(container, items, { key, signature, build }) {
  const existing = new Map([...container.children].map((node) => [node.dataset.key, node]));
  let cursor = container.firstElementChild;
  for (const item of items) {
    const id = key(item);
    const sig = signature(item);
    let node = existing.get(id);
    if (!node || node.dataset.sig !== sig) {
      const fresh = build(item);
      fresh.dataset.key = id;
      fresh.dataset.sig = sig;
      if (node) {
        if (node === cursor) cursor = fresh;
        node.replaceWith(fresh);
      }
      node = fresh;
    }
    existing.delete(id);
    if (node === cursor) cursor = cursor.nextElementSibling;
    else container.insertBefore(node, cursor);
  }
  for (const node of existing.values()) node.remove();
}
