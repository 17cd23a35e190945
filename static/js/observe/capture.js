// Capturing evidence while an exercise runs: a tile per candidate, a button per behaviour
// (behaviours.js draws those), and the keys that do the same, so one tap records what was
// seen at once.
import { el, newId } from "../realtime.js";
import { cancelCode, connectBehaviours, pickByKey, renderBehaviours, typeCode } from "./behaviours.js";
import {
  GRACE_S, captureExercise, elapsed, estimates, failed, localObservation, mergeObservation, mode,
  nameOf, names, observations, view,
} from "./state.js";
import { renderTimeline, undoLast } from "./timeline.js";
import { $, SIGN, announce, isTextField, reconcile, showAlert } from "./ui.js";

let live = null;
let render = null;
let changed = null;
let selected = null; // the candidate being observed
let showAll = false;

/** Take the connection and the page's redraws, and wire the capture controls and keys. */
export function connectCapture(hooks) {
  ({ live, render, changed } = hooks);
  connectBehaviours({ onPick: () => render() });
  $("show-all").addEventListener("change", (event) => { showAll = event.target.checked; render(); });
  $("note-only").addEventListener("click", () => record(null));
  $("note").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      record(null);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.target.blur();
    }
  });
  document.addEventListener("keydown", shortcut);
}

/** Forget the selected candidate (a new exercise has started). */
export function clearSelection() {
  selected = null;
}

function visibleCandidates(exercise) {
  const assigned = exercise.assigned.filter((cid) => names.has(cid));
  if (!showAll) return assigned.map((id) => ({ id, assigned: true }));
  const seen = new Set(assigned);
  const others = [];
  for (const group of exercise.groups) for (const cid of group.members) {
    if (!seen.has(cid) && names.has(cid)) { seen.add(cid); others.push(cid); }
  }
  for (const c of view.candidates) if (!seen.has(c.id)) { seen.add(c.id); others.push(c.id); }
  return [...assigned.map((id) => ({ id, assigned: true })), ...others.map((id) => ({ id, assigned: false }))];
}

function groupName(exercise, candidateId) {
  const group = exercise.groups.find((g) => g.members.includes(candidateId));
  return group ? group.name : "";
}

/** Draw the capture screen: the grace notice, the tiles, the behaviours and my timeline. */
export function renderCapture() {
  const exercise = captureExercise();
  if (!exercise) return;
  const all = observations();
  const mine = [...all.values()].filter((o) => o.exercise_id === exercise.id && !o.deleted);
  const counts = new Map();
  for (const o of mine) if (o.state !== "failed") counts.set(o.candidate_id, (counts.get(o.candidate_id) || 0) + 1);

  const grace = $("grace");
  grace.hidden = exercise.status !== "ended";
  if (!grace.hidden) {
    const left = Math.max(0, GRACE_S - (live.now() - exercise.ended_at));
    $("grace-text").textContent = `“${exercise.title}” has ended. You can add observations for ${Math.ceil(left / 60)} more min, then rate your candidates.`;
  }

  const tiles = visibleCandidates(exercise);
  if (selected && !tiles.some((t) => t.id === selected)) selected = null;
  $("show-all").checked = showAll;
  $("tiles-heading").textContent = showAll ? "All candidates" : "Your candidates";
  const empty = $("tiles-empty");
  empty.hidden = tiles.length > 0;
  if (!tiles.length) {
    empty.textContent = exercise.assigned.length
      ? "Your candidates have left the session."
      : "No candidates are assigned to you in this exercise yet. Use “Show all candidates” to record evidence about anyone.";
  }
  reconcile($("tiles"), tiles, {
    key: (t) => t.id,
    signature: (t) => JSON.stringify([tiles.indexOf(t), nameOf(t.id), groupName(exercise, t.id), counts.get(t.id) || 0, selected === t.id, t.assigned]),
    build: (t) => buildTile(exercise, t, tiles.indexOf(t), counts.get(t.id) || 0),
  });

  renderBehaviours(exercise, selected, record);
  $("note-only").disabled = !selected;

  renderTimeline(mine);
}

function buildTile(exercise, tile, index, count) {
  const digit = index < 9 ? String(index + 1) : null;
  const group = groupName(exercise, tile.id);
  const button = el("button", {
    type: "button", className: `tile${tile.assigned ? "" : " tile-other"}`, "aria-pressed": String(selected === tile.id),
    "aria-keyshortcuts": digit,
  },
  digit ? el("kbd", { className: "tile-key", "aria-hidden": "true", text: digit }) : null,
  el("span", { className: "tile-name", text: nameOf(tile.id) }),
  el("span", { className: "tile-count", "data-count": String(count) },
    String(count), el("span", { className: "visually-hidden", text: count === 1 ? " observation" : " observations" })),
  el("span", { className: "tile-meta" },
    group ? el("span", { text: group }) : null,
    tile.assigned ? null : el("span", { className: "tile-flag", text: "not assigned to you" })));
  button.addEventListener("click", () => select(selected === tile.id ? null : tile.id));
  return el("li", {}, button);
}

function select(candidateId) {
  selected = candidateId;
  render();
  if (!candidateId) return;
  announce(`Recording for ${nameOf(candidateId)}.`);
  // The tiles scroll in their own box when there are many: keep the chosen one in sight.
  const tile = document.querySelector(`#tiles [data-key="${CSS.escape(candidateId)}"] button`);
  if (tile) tile.scrollIntoView({ block: "nearest", inline: "nearest" });
}

/** One tap: record a behaviour (or the note on its own) for the selected candidate at once. */
function record(indicator) {
  const exercise = captureExercise();
  if (!exercise) return;
  if (!selected) {
    announce("Choose a candidate first.");
    return;
  }
  const noteBox = $("note");
  const note = noteBox.value.trim();
  if (!indicator && !note) {
    announce("Type a note first.");
    noteBox.focus();
    return;
  }
  const id = newId();
  const at = live.now();
  estimates.set(id, elapsed(exercise, at));
  live.send("record_observation", {
    id, exercise_id: exercise.id, candidate_id: selected, indicator_id: indicator ? indicator.id : null,
    competency_id: indicator ? indicator.competency.id : null, note, recorded_at: at,
  });
  noteBox.value = "";
  const what = indicator ? `${SIGN[indicator.polarity]} ${indicator.text}` : `note “${note}”`;
  announce(`Recorded ${what} for ${nameOf(selected)}.`);
  const button = indicator ? document.querySelector(`[data-indicator="${CSS.escape(indicator.id)}"]`) : null;
  if (button) {
    // A brief flash confirms the tap without waiting for the network.
    button.classList.remove("is-recorded");
    void button.offsetWidth;
    button.classList.add("is-recorded");
  }
  changed();
}

function shortcut(event) {
  if (mode() !== "capture" || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (isTextField(event.target)) return;
  const exercise = captureExercise();
  const key = event.key;
  if (key === "Escape") {
    if (cancelCode()) return event.preventDefault();
    if (!selected) return;
    select(null);
  } else if (/^[1-9]$/.test(key)) {
    const tile = visibleCandidates(exercise)[Number(key) - 1];
    if (!tile) return;
    cancelCode();
    select(tile.id);
  } else if (key === "[" || key === "]" || (event.shiftKey && /^[A-Z]$/.test(key))) {
    const competency = pickByKey(exercise, key);
    if (!competency) return;
    announce(`Showing ${competency.name}.`);
  } else if (key === "n") {
    cancelCode();
    $("note").focus();
  } else if (key === "u") {
    cancelCode();
    undoLast();
  } else if (/^[a-z]$/i.test(key) && selected) {
    // Caps Lock gives capitals without Shift: still a behaviour's code.
    const indicator = typeCode(exercise, key.toLowerCase());
    if (indicator) record(indicator);
  } else {
    return;
  }
  event.preventDefault();
}

/** Settle an observation write the server answered: keep its version, or say why it was refused. */
export function observationDelivered(item, ack) {
  const p = item.payload;
  if (item.name === "record_observation") {
    if (ack.ok) mergeObservation(ack.result);
    else {
      failed.set(p.id, { ...localObservation(p), state: "failed", message: ack.error.message });
      announce(`Not saved: ${ack.error.message}`);
    }
  } else if (item.name === "edit_observation" || item.name === "delete_observation") {
    if (ack.ok) mergeObservation(ack.result);
    else showAlert(`That change to an observation was not saved: ${ack.error.message}`);
  }
}
