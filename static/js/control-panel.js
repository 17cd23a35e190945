// The panel's part of the control room: who observes whom (adjusted by hand or rotated),
// how many observations each candidate has drawn, and which ratings are still owed.
// control.js owns the page and the connection; it hands this module its helpers once
// (`connectPanel`) and feeds it each snapshot and event; control/groups.js asks it for the
// nodes under each group member.
import { el } from "./realtime.js";
import { guardEnd } from "./control/header.js";

const STARTED = new Set(["running", "paused", "ended"]);
const RATING_BADGES = {
  not_started: { text: "Not started", className: "badge rating-badge rating-not-started" },
  draft: { text: "Draft", className: "badge rating-badge rating-draft" },
  submitted: { text: "Submitted", className: "badge rating-badge rating-submitted" },
};

// What the snapshot and events say about the panel, beside control.js's model.
const panel = {
  members: [], // [{id, name, email, role}], in the order they joined the panel
  names: {}, // observer id -> name, former panel members included
  ratings: new Map(), // "exercise:candidate:observer" -> "draft" | "submitted"
  counts: new Map(), // "exercise:candidate" -> observations recorded
  seen: new Map(), // observation id -> "recorded" | "deleted": a replayed event counts once
  nudges: new Map(), // observer id -> {ok, at, message}: the last reminder and how it went
};
let editing = null; // the open observers editor: {exerciseId, candidateId, chosen: Set}
let ui = null; // control.js's model and helpers

/** Take control.js's model and helpers: act, commandButton, swap, render, refresh, ensureRun, timeNode, now. */
export function connectPanel(hooks) {
  ui = hooks;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const ratingKey = (exerciseId, candidateId, observerId) => `${exerciseId}:${candidateId}:${observerId}`;
const started = (run) => Boolean(run) && STARTED.has(run.status);

function observerName(id) {
  const member = panel.members.find((m) => m.id === id);
  if (member) return member.name;
  return panel.names[id] ? `${panel.names[id]} (no longer on the panel)` : "A former panel member";
}

function candidateName(id) {
  const candidate = ui.model.candidates.get(id);
  return candidate ? candidate.name : "A candidate";
}

// ---- snapshot and events ----

/** Take the panel, the rating statuses and the observation counts from a snapshot. */
export function loadPanel(snapshot) {
  panel.members = snapshot.panel || [];
  panel.names = snapshot.observer_names || {};
  panel.ratings = new Map((snapshot.completion || [])
    .filter((cell) => cell.status !== "not_started")
    .map((cell) => [ratingKey(cell.exercise_id, cell.candidate_id, cell.observer_id), cell.status]));
  panel.counts = new Map(Object.entries(snapshot.observation_counts || {}).map(([key, n]) => [key, Number(n) || 0]));
  panel.seen = new Map();
  if (editing) {
    const run = ui.model.runs[editing.exerciseId];
    if (!run || run.status === "ended" || !memberIds(run).includes(editing.candidateId)) editing = null;
  }
}

function countObservation(observation, change) {
  const key = `${observation.exercise_id}:${observation.candidate_id}`;
  panel.counts.set(key, Math.max(0, (panel.counts.get(key) || 0) + change));
}

// Runs do not say who is in them outside their groups.
function memberIds(run) {
  return (run.groups || []).flatMap((g) => g.members.map((m) => m.id));
}

/** Drop an observer or candidate from the observers of exercises still under way (as the server does). */
function forgetInOpenRuns(keep) {
  for (const run of Object.values(ui.model.runs)) {
    if (run.status === "ended" || !run.observers) continue;
    for (const [candidateId, observers] of Object.entries(run.observers)) {
      const left = keep(candidateId, observers);
      if (left === null) delete run.observers[candidateId];
      else run.observers[candidateId] = left;
    }
  }
}

// Each returns the parts of the page to draw again; control.js runs these before its own.
export const panelReducers = {
  observers_assigned(data) {
    ui.ensureRun(data.exercise_id).observers = data.observers;
    return ["exercises", "panel"];
  },
  panel_changed() {
    // Names and emails come only with a snapshot.
    ui.refresh();
    return [];
  },
  observer_removed(data) {
    panel.members = panel.members.filter((m) => m.id !== data.observer_id);
    forgetInOpenRuns((candidateId, observers) => observers.filter((id) => id !== data.observer_id));
    return ["exercises", "panel"];
  },
  observation_recorded(data) {
    if (panel.seen.has(data.id)) return [];
    panel.seen.set(data.id, "recorded");
    countObservation(data, +1);
    return ["counts"];
  },
  observation_deleted(data) {
    if (panel.seen.get(data.id) === "deleted") return [];
    panel.seen.set(data.id, "deleted");
    countObservation(data, -1);
    return ["counts"];
  },
  rating_saved: ratingChanged,
  rating_submitted: ratingChanged,
  ratings_nudged(data, envelope) {
    panel.nudges.set(data.observer_id, { ok: true, at: envelope.at });
    return ["panel"];
  },
  groups_changed(data) {
    // A late arrival moved into a group gets observers without an observers_assigned event;
    // only a snapshot tells the room who they are.
    const run = ui.model.runs[data.exercise_id];
    if (run && panel.members.length) {
      const before = new Set(memberIds(run));
      const arrived = data.groups.flatMap((g) => g.members).filter((m) => !before.has(m.id));
      if (arrived.some((m) => !(run.observers && (run.observers[m.id] || []).length))) ui.refresh();
    }
    return ["panel"];
  },
  exercise_started() { return ["panel"]; },
  exercise_ended(data) {
    if (editing && editing.exerciseId === data.exercise_id) editing = null;
    return ["panel"];
  },
  candidate_removed(data) {
    forgetInOpenRuns((candidateId, observers) => (candidateId === data.candidate_id ? null : observers));
    if (editing && editing.candidateId === data.candidate_id) editing = null;
    return ["panel"];
  },
};

function ratingChanged(data) {
  const key = ratingKey(data.exercise_id, data.candidate_id, data.observer_id);
  // A submitted rating is locked: a late draft event cannot take it back.
  if (panel.ratings.get(key) !== "submitted") panel.ratings.set(key, data.status);
  return ["panel"];
}

// ---- observation counts, in the groups view ----

/** How many observations a candidate has drawn in an exercise, kept current by renderCounts. */
export function observationCount(exerciseId, candidateId) {
  const node = el("span", { className: "obs-count", "data-count-for": `${exerciseId}:${candidateId}` });
  fillCount(node);
  return node;
}

function fillCount(node) {
  const n = panel.counts.get(node.dataset.countFor) || 0;
  node.dataset.zero = String(n === 0);
  node.title = `${plural(n, "observation")} recorded in this exercise`;
  node.replaceChildren(
    el("span", { "aria-hidden": "true", text: `${n} obs` }),
    el("span", { className: "visually-hidden", text: plural(n, "observation") }));
}

/** Update the counts in place: they change often, and redrawing would close an open menu. */
export function renderCounts() {
  for (const node of document.querySelectorAll("[data-count-for]")) fillCount(node);
}

// ---- who observes whom, in the groups view ----

/** The observers line under a member, with the "Observers…" editor while the run is open. */
export function memberObservers(exercise, run, member) {
  const ids = (run.observers || {})[member.id] || [];
  const names = ids.map(observerName);
  const line = el("p", { className: "member-observers", "data-none": String(!ids.length) },
    el("span", { className: "member-observers-text", text: ids.length ? `Observed by ${names.join(", ")}` : "No observer" }));
  if (run.status === "ended" || !panel.members.length) return [line];
  const open = editing && editing.exerciseId === exercise.id && editing.candidateId === member.id;
  const editorId = `observers-editor-${exercise.id}-${member.id}`;
  const toggle = el("button", {
    type: "button", className: "link-button member-observers-edit", text: "Observers…",
    "data-key": `observers-toggle:${exercise.id}:${member.id}`, "aria-expanded": String(Boolean(open)),
    "aria-controls": open ? editorId : null, "aria-label": `Observers of ${member.name}`,
  });
  toggle.addEventListener("click", () => {
    if (open) closeEditor(exercise.id, member.id);
    else openEditor(exercise.id, member.id, ids);
  });
  line.append(toggle);
  return open ? [line, observersEditor(exercise, member, editorId)] : [line];
}

function openEditor(exerciseId, candidateId, ids) {
  editing = { exerciseId, candidateId, chosen: new Set(ids) };
  ui.render(["exercises"]);
  const first = document.querySelector(`#observers-editor-${CSS.escape(exerciseId)}-${CSS.escape(candidateId)} input`);
  if (first) first.focus();
}

function closeEditor(exerciseId, candidateId) {
  editing = null;
  ui.render(["exercises"]);
  const toggle = document.querySelector(`[data-key="${CSS.escape(`observers-toggle:${exerciseId}:${candidateId}`)}"]`);
  if (toggle) toggle.focus();
}

function observersEditor(exercise, member, editorId) {
  const key = `observers:${exercise.id}:${member.id}`;
  const checks = panel.members.map((observer) => {
    const fieldId = `${editorId}-${observer.id}`;
    const box = el("input", { type: "checkbox", id: fieldId, value: observer.id, "data-key": fieldId });
    box.checked = editing.chosen.has(observer.id);
    box.addEventListener("change", () => {
      if (box.checked) editing.chosen.add(observer.id);
      else editing.chosen.delete(observer.id);
    });
    return el("li", {}, el("label", { className: "check", for: fieldId }, box, el("span", { text: observer.name })));
  });
  const save = ui.commandButton({ text: "Save observers", key, className: "button button-small button-primary", onPress: () => {} });
  save.type = "submit";
  const cancel = el("button", { type: "button", className: "button button-small", text: "Cancel", "data-key": `${key}:cancel` });
  cancel.addEventListener("click", () => closeEditor(exercise.id, member.id));
  const form = el("form", { className: "observers-editor", id: editorId },
    el("fieldset", {},
      el("legend", { text: `Who observes ${member.name}` }),
      el("ul", { className: "observer-checks" }, ...checks)),
    el("div", { className: "button-row" }, save, cancel));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = panel.members.map((m) => m.id).filter((id) => editing && editing.chosen.has(id));
    const ok = await ui.act(key, "assign_observers", {
      exercise_id: exercise.id, candidate_id: member.id, observer_ids: chosen,
    }, chosen.length ? `${member.name}’s observers saved.` : `${member.name} now has no observer.`);
    if (ok) closeEditor(exercise.id, member.id);
  });
  return form;
}

/** The "Rotate observers" control above an exercise's groups. */
export function observerTools(exercise, run) {
  const wrap = el("div", { className: "observer-tools" });
  if (!panel.members.length) {
    wrap.append(el("p", { className: "hint", text: "Nobody is on the panel, so nobody observes this exercise." }));
    return wrap;
  }
  const ended = run.status === "ended";
  const key = `rotate:${exercise.id}`;
  wrap.append(ui.commandButton({
    text: "Rotate observers", key, className: "button button-small", blocked: ended,
    onPress: () => {
      if (!window.confirm(`Give everyone in “${exercise.title}” new observers? Choices made by hand will be lost.`)) return;
      ui.act(key, "assign_observers", { exercise_id: exercise.id, candidate_id: null, observer_ids: [] }, "Observers rotated.");
    },
  }));
  wrap.append(el("p", { className: "hint", text: ended
    ? "The exercise has ended: its observers are on the record."
    : "Each candidate’s observers are listed under their name. Rotating spreads the panel afresh." }));
  return wrap;
}

// ---- the panel & ratings section ----

/** Cells of the completion matrix: every assigned pair of an exercise that has started. */
function cells() {
  const all = [];
  for (const exercise of ui.model.exercises) {
    const run = ui.model.runs[exercise.id];
    if (!started(run)) continue;
    for (const [candidateId, observers] of Object.entries(run.observers || {})) {
      for (const observerId of observers) {
        all.push({
          exerciseId: exercise.id, candidateId, observerId, due: run.status === "ended",
          status: panel.ratings.get(ratingKey(exercise.id, candidateId, observerId)) || "not_started",
        });
      }
    }
  }
  return all;
}

const owed = (cell) => cell.due && cell.status !== "submitted";

/** Draw the observers with what they owe, and one completion matrix per started exercise. */
export function renderPanel() {
  const all = cells();
  const owing = all.filter(owed);
  document.getElementById("ratings-owed").textContent = owing.length ? `${plural(owing.length, "rating")} owed` : "";
  guardEnd(owedByObserver(owing));
  document.getElementById("panel-empty").hidden = panel.members.length > 0;
  document.getElementById("panel-wrap").hidden = panel.members.length === 0;
  ui.swap(document.getElementById("panel-body"), panel.members.map((observer) => observerRow(observer, owing)));

  const exercises = ui.model.exercises.filter((e) => started(ui.model.runs[e.id]));
  document.getElementById("matrix-empty").hidden = exercises.length > 0;
  ui.swap(document.getElementById("matrices"), exercises.map((exercise) => matrix(exercise, ui.model.runs[exercise.id], all)));
}

/** Who owes how many, as the server counts them (a removed candidate is owed nothing). */
function owedByObserver(owing) {
  const counts = new Map();
  for (const cell of owing) {
    const candidate = ui.model.candidates.get(cell.candidateId);
    if (candidate && candidate.status === "removed") continue;
    counts.set(cell.observerId, (counts.get(cell.observerId) || 0) + 1);
  }
  return [...counts].map(([id, count]) => ({ name: observerName(id), count }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function observerRow(observer, owing) {
  const n = owing.filter((cell) => cell.observerId === observer.id).length;
  const key = `nudge:${observer.id}`;
  const nudge = ui.commandButton({
    text: "Nudge", key, className: "button button-small", blocked: n === 0, label: `Nudge ${observer.name}`,
    onPress: async () => {
      const ok = await ui.act(key, "nudge_observer", { observer_id: observer.id }, `Reminder sent to ${observer.name}.`,
        (message) => panel.nudges.set(observer.id, { ok: false, message }));
      if (ok) panel.nudges.set(observer.id, { ok: true, at: ui.now() });
      renderPanel();
    },
  });
  const last = panel.nudges.get(observer.id);
  let outcome = null;
  if (last && last.ok) outcome = el("span", { className: "nudge-outcome", "data-ok": "true" }, "Reminder sent ", ui.timeNode(last.at));
  else if (last) outcome = el("span", { className: "nudge-outcome", "data-ok": "false", text: last.message });
  return el("tr", {},
    el("th", { scope: "row" },
      el("span", { className: "row-name", dir: "auto", text: observer.name }),
      el("span", { className: "row-sub", text: observer.email })),
    el("td", {}, n
      ? el("span", { className: "badge badge-warning", text: `${n} owed` })
      : el("span", { className: "muted", text: "None owed" })),
    el("td", {}, el("div", { className: "nudge-wrap" }, nudge, outcome)));
}

/** Candidates (rows) by observers (columns) for one exercise. */
function matrix(exercise, run, all) {
  const observers = (run.observers || {});
  const rows = [...new Set([...memberIds(run), ...Object.keys(observers)])]
    .sort((a, b) => candidateName(a).localeCompare(candidateName(b), undefined, { numeric: true }));
  const columns = [...new Set([...panel.members.map((m) => m.id), ...Object.values(observers).flat()])];
  const mine = all.filter((cell) => cell.exerciseId === exercise.id);
  const due = run.status === "ended";
  const submitted = mine.filter((cell) => cell.status === "submitted").length;
  const summary = due
    ? `${submitted} of ${plural(mine.length, "rating")} submitted`
    : `Observing · ${plural(mine.length, "rating")} due when it ends`;
  const headingId = `matrix-heading-${exercise.id}`;
  const head = el("tr", {}, el("th", { scope: "col", text: "Candidate" }),
    ...columns.map((id) => el("th", { scope: "col", text: observerName(id) })));
  const body = rows.map((candidateId) => {
    const candidate = ui.model.candidates.get(candidateId);
    const removed = candidate && candidate.status === "removed";
    return el("tr", { "data-removed": removed ? "true" : null },
      el("th", { scope: "row" }, el("bdi", { text: candidateName(candidateId) }),
        removed ? el("span", { className: "row-sub", text: "Removed" }) : null),
      ...columns.map((observerId) => el("td", {}, cell(exercise.id, candidateId, observerId, (observers[candidateId] || []).includes(observerId), due))));
  });
  return el("section", { className: "matrix-block", "aria-labelledby": headingId, "data-exercise-id": exercise.id },
    el("h4", { className: "matrix-heading", id: headingId },
      el("span", { text: exercise.title }),
      el("span", { className: "matrix-summary", text: summary })),
    rows.length && columns.length
      ? el("div", { className: "table-wrap" }, el("table", { className: "matrix" },
        el("caption", { className: "visually-hidden", text: `Ratings for ${exercise.title}: candidates by observer` }),
        el("thead", {}, head), el("tbody", {}, ...body)))
      : el("p", { className: "muted", text: "Nobody was assigned to observe this exercise." }));
}

function cell(exerciseId, candidateId, observerId, assigned, due) {
  if (!assigned) {
    return el("span", { className: "matrix-none" },
      el("span", { "aria-hidden": "true", text: "—" }), el("span", { className: "visually-hidden", text: "Not assigned" }));
  }
  if (!due) return el("span", { className: "badge rating-badge rating-observing", text: "Observing" });
  const badge = RATING_BADGES[panel.ratings.get(ratingKey(exerciseId, candidateId, observerId)) || "not_started"];
  return el("span", { className: badge.className, text: badge.text });
}
