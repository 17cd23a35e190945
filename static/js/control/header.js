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
  // Once the session has ended nobody can join: no join code, no lobby controls.
  const joinable = ["draft", "open", "live"].includes(state);
  $("join-box").hidden = !joinable;
  $("lobby-lock-box").hidden = !joinable;
  $("washup-link").hidden = !["ended", "review", "decided"].includes(state);
  const start = scheduledStart(session);
  $("scheduled-start").hidden = start === null;
  if (start !== null) {
    const node = $("scheduled-start-time");
    node.dateTime = isoOf(start);
    node.textContent = toDate(start).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }
}

const END_QUESTION = "End the session for everyone? Candidates can no longer join or submit.";

/** Make "End session" say how many ratings are owed and whose, and confirm ending anyway.
 * @param {{name: string, count: number}[]} owing */
export function guardEnd(owing) {
  const form = document.querySelector('form[data-state-form="ended"]');
  if (!form) return;
  const total = owing.reduce((sum, o) => sum + o.count, 0);
  const whose = owing.map((o) => `${o.name} (${o.count})`).join(", ");
  form.dataset.confirm = total
    ? `${total} rating${total === 1 ? " is" : "s are"} still owed: ${whose}. Ending the session still lets them rate. ${END_QUESTION}`
    : END_QUESTION;
  // Said and confirmed in the dialog, so the server need not ask again.
  form.querySelector("[data-owed-confirm]").value = total ? "1" : "";
}
