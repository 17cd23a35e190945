// Points to follow up: what the facilitator asked the panel to probe for a candidate (from an
// earlier interview, say), shown under that candidate's tile while capturing. They arrive in
// the snapshot (`follow_ups`) and live with `follow_up_changed`; the device keeps a copy so a
// reload without a network still shows them. Candidates never receive them.
//
// The tiles are drawn by capture.js; this module only adds a note under each tile it has a
// point for, whenever the tiles are redrawn, so the two stay independent.
import { el } from "../realtime.js";
import { $ } from "./ui.js";

const points = new Map(); // candidate id -> text
let storageKey = null;

function keep() {
  try {
    localStorage.setItem(`${storageKey}:follow-ups`, JSON.stringify([...points]));
  } catch (err) {
    // Storage full or unavailable: the next snapshot brings them back.
  }
}

/** Start: read this device's copy, and decorate the tiles whenever they are redrawn. */
export function watchFollowUps(key) {
  storageKey = key;
  try {
    for (const [id, text] of JSON.parse(localStorage.getItem(`${storageKey}:follow-ups`) || "[]")) points.set(id, text);
  } catch (err) {
    points.clear();
  }
  const tiles = $("tiles");
  new MutationObserver(decorate).observe(tiles, { childList: true });
  decorate();
}

/** Take the points from a fresh snapshot. */
export function loadFollowUps(snapshot) {
  points.clear();
  for (const [id, text] of Object.entries(snapshot.follow_ups || {})) if (text) points.set(id, text);
  keep();
  decorate();
}

/** Apply `follow_up_changed`; false for any other event. */
export function followUpChanged(envelope) {
  if (envelope.type !== "follow_up_changed") return false;
  const { candidate_id: id, follow_up: text } = envelope.data;
  if (text) points.set(id, text);
  else points.delete(id);
  keep();
  decorate();
  return true;
}

function note(id, text) {
  return el("details", { className: "tile-follow-up", "data-follow-up": id, "data-text": text },
    el("summary", { text: "Points to follow up" }),
    el("p", { className: "tile-follow-up-text", text }));
}

/** Put each tile's note in place (tiles are list items keyed by candidate id). */
function decorate() {
  for (const item of $("tiles").children) {
    const id = item.dataset.key;
    const text = id ? points.get(id) : null;
    const present = item.querySelector(":scope > .tile-follow-up");
    if (present && present.dataset.text === text) continue;
    if (present) present.remove();
    if (text) item.append(note(id, text));
  }
}
