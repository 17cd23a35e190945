// My timeline in the running exercise: what I recorded, newest first, with what still waits
// to send or was refused; notes edited inline, an observation deleted, and undo.
import { el } from "../realtime.js";
import { captureExercise, clockOf, failed, indicatorById, nameOf, observations } from "./state.js";
import { $, SIGN, announce, reconcile } from "./ui.js";

let live = null;
let render = null;
let changed = null;
let editing = null; // { id, text, error } while a note is edited inline

/** Take the connection and the page's redraws, and wire the undo button. */
export function connectTimeline(hooks) {
  ({ live, render, changed } = hooks);
  $("undo").addEventListener("click", undoLast);
}

/** Draw my observations in the exercise being captured, newest first. */
export function renderTimeline(mine) {
  const items = mine.sort((a, b) => b.recorded_at - a.recorded_at || (a.id < b.id ? 1 : -1));
  $("timeline-empty").hidden = items.length > 0;
  reconcile($("timeline"), items, {
    key: (o) => o.id,
    signature: (o) => JSON.stringify([o.state, o.note, o.indicator_id, o.clock_s, o.changeWaiting, o.message,
      clockOf(o).text, nameOf(o.candidate_id), editing && editing.id === o.id ? [editing.error] : null]),
    build: buildTimelineItem,
  });
  $("undo").disabled = !items.length;
}

function buildTimelineItem(o) {
  const indicator = o.indicator_id ? indicatorById(o.indicator_id) : null;
  const clock = clockOf(o);
  const li = el("li", { className: `tl-item tl-${o.polarity || "neutral"}`, "data-state": o.state });
  const head = el("p", { className: "tl-head" },
    el("span", {
      className: `tl-clock${clock.estimate ? " tl-clock-estimate" : ""}`, text: clock.text,
      title: clock.estimate ? "Exercise time estimated on this device until the server confirms it" : "Exercise time",
    }),
    el("span", { className: "tl-who", text: nameOf(o.candidate_id) }),
    o.state === "waiting" || o.changeWaiting ? el("span", { className: "tl-state tl-state-waiting", text: "waiting to send" }) : null,
    o.state === "failed" ? el("span", { className: "tl-state tl-state-failed", text: "not saved" }) : null);
  li.append(head);
  if (indicator) {
    li.append(el("p", { className: "tl-what" },
      el("span", { className: "tl-sign", "aria-hidden": "true", text: SIGN[indicator.polarity] }),
      el("span", { className: "visually-hidden", text: indicator.polarity === "positive" ? "Positive: " : "Negative: " }),
      el("span", { text: indicator.text })));
  }
  if (o.state === "failed") {
    const dismiss = el("button", { type: "button", className: "link-button", text: "Dismiss" });
    dismiss.addEventListener("click", () => { failed.delete(o.id); changed(); });
    li.append(el("p", { className: "tl-error", text: `The server refused it: ${o.message}` }));
    if (o.note) li.append(el("p", { className: "tl-note", text: o.note }));
    li.append(el("p", { className: "tl-actions" }, dismiss));
    return li;
  }
  if (editing && editing.id === o.id) {
    li.append(noteEditor(o));
    return li;
  }
  if (o.note) li.append(el("p", { className: "tl-note", text: o.note }));
  const edit = el("button", { type: "button", className: "link-button tl-edit-button" },
    o.note ? "Edit note" : "Add note",
    el("span", { className: "visually-hidden", text: ` (${nameOf(o.candidate_id)}, ${clock.text})` }));
  edit.addEventListener("click", () => {
    editing = { id: o.id, text: o.note || "", error: null };
    render();
    const input = document.getElementById(`edit-${o.id}`);
    if (input) input.focus();
  });
  head.append(edit);
  return li;
}

function noteEditor(o) {
  const inputId = `edit-${o.id}`;
  const input = el("input", { type: "text", id: inputId, maxlength: "1000", autocomplete: "off", className: "tl-edit-input" });
  input.value = editing.text;
  input.addEventListener("input", () => { editing.text = input.value; });
  const save = el("button", { type: "button", className: "button button-small button-primary", text: "Save" });
  const cancel = el("button", { type: "button", className: "button button-small", text: "Cancel" });
  const remove = el("button", { type: "button", className: "button button-small button-danger", text: "Delete observation" });
  const finish = () => {
    editing = null;
    render();
    refocusEdit(o.id);
  };
  save.addEventListener("click", () => saveNote(o));
  cancel.addEventListener("click", finish);
  remove.addEventListener("click", () => { editing = null; removeObservation(o); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); saveNote(o); }
    if (event.key === "Escape") { event.preventDefault(); finish(); }
  });
  const form = el("div", { className: "tl-edit" },
    el("label", { for: inputId, className: "visually-hidden", text: `Note about ${nameOf(o.candidate_id)}` }),
    input,
    editing.error ? el("p", { className: "field-error", text: editing.error }) : null,
    el("p", { className: "tl-actions" }, save, cancel, remove));
  if (editing.error) input.setAttribute("aria-invalid", "true");
  return form;
}

/** After an inline edit closes, keyboard focus returns to that observation's edit button. */
function refocusEdit(id) {
  const button = document.querySelector(`#timeline [data-key="${CSS.escape(id)}"] .tl-edit-button`);
  if (button) button.focus();
}

function saveNote(o) {
  const text = editing.text.trim();
  if (text === (o.note || "")) {
    editing = null;
    render();
    refocusEdit(o.id);
    return;
  }
  if (!text && !o.indicator_id) {
    editing.error = "A note-only observation needs some text; delete it instead.";
    render();
    document.getElementById(`edit-${o.id}`).focus();
    return;
  }
  editing = null;
  live.send("edit_observation", { observation_id: o.id, note: text });
  announce("Note changed.");
  changed();
  refocusEdit(o.id);
}

function removeObservation(o) {
  if (o.state === "failed") {
    failed.delete(o.id);
  } else {
    live.send("delete_observation", { observation_id: o.id });
  }
  const indicator = o.indicator_id ? indicatorById(o.indicator_id) : null;
  announce(`Removed: ${indicator ? indicator.text : o.note} (${nameOf(o.candidate_id)}).`);
  changed();
}

/** Remove the observation I recorded last in the exercise being captured. */
export function undoLast() {
  const exercise = captureExercise();
  if (!exercise) return;
  const mine = [...observations().values()].filter((o) => o.exercise_id === exercise.id && !o.deleted);
  if (!mine.length) {
    announce("Nothing to undo.");
    return;
  }
  const last = mine.reduce((a, b) => (b.recorded_at > a.recorded_at ? b : a));
  removeObservation(last);
}
