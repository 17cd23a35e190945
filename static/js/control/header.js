// The control room's header: the session's title, its state and the buttons that move it on,
// and its planned start.
import { $, isoOf, scheduledStart, toDate } from "./page.js";

const STATE_LABELS = {
  draft: "Draft", open: "Lobby open", live: "Live", ended: "Ended",
  review: "In review", decided: "Decided", archived: "Archived",
};

/** Draw the header for the session as it is now. */
export function renderHeader(session) {
  const { title, state } = session;
  $("session-title").textContent = title;
  document.title = `Control room · ${title} · Facilitator`;
  const badge = $("state-badge");
  badge.className = `badge badge-large badge-${state}`;
  badge.textContent = STATE_LABELS[state] || state;
  // The server renders one form per next state; only the one that applies now is shown.
  for (const form of document.querySelectorAll("form[data-state-form]")) {
    const target = form.dataset.stateForm;
    form.hidden = !((state === "draft" && target === "open") || (state === "open" && target === "live") || (state === "live" && target === "ended"));
  }
  const start = scheduledStart(session);
  $("scheduled-start").hidden = start === null;
  if (start !== null) {
    const node = $("scheduled-start-time");
    node.dateTime = isoOf(start);
    node.textContent = toDate(start).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }
}
