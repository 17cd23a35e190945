// Small pieces every part of the control room draws with: lookups by id, times, redraws that
// keep keyboard focus, and the phone-presence dots.
import { el } from "../realtime.js";

/** The page's element with this id. */
export const $ = (id) => document.getElementById(id);

export const ACTIVE = new Set(["running", "paused"]); // exercise states with a clock going
export const WORKING = new Set(["open", "live"]); // session states in which the room can act

/** "1 minute", "5 minutes". */
export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A Date for seconds since the epoch. */
export const toDate = (seconds) => new Date(seconds * 1000);

/** An ISO timestamp for seconds since the epoch, for `datetime` attributes. */
export const isoOf = (seconds) => toDate(seconds).toISOString();

const clockTime = (seconds) => toDate(seconds).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** A <time> showing the local hour and minute of an instant. */
export function timeNode(seconds) {
  return el("time", { datetime: isoOf(seconds), text: clockTime(seconds) });
}

/** The session's planned start in seconds since the epoch, or null when none is set. */
export function scheduledStart(session) {
  const iso = session.scheduled_start;
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** Replace a container's children, keeping keyboard focus on the element with the same key. */
export function swap(container, nodes) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  container.replaceChildren(...nodes.filter(Boolean));
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}

/** A green or grey dot for whether the candidate's phone is connected now. */
export function presenceDot(online, candidateId) {
  const on = online.has(candidateId);
  const label = on ? "Phone online" : "Phone offline";
  return el("span", {
    className: "dot", "data-presence-for": candidateId, "data-online": String(on),
    role: "img", "aria-label": label, title: label,
  });
}

/** Bring every presence dot on the page up to date without drawing anything else again. */
export function showPresence(online) {
  for (const dot of document.querySelectorAll("[data-presence-for]")) {
    const on = online.has(dot.dataset.presenceFor);
    dot.dataset.online = String(on);
    const label = on ? "Phone online" : "Phone offline";
    dot.setAttribute("aria-label", label);
    dot.title = label;
  }
}
