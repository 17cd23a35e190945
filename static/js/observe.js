// The observer's tablet. While an exercise runs: one tap (or key) records a behaviour seen in
// a candidate, stamped on the server's clock, shown at once and kept on the device until the
// server acknowledges it. After it ends: each assigned candidate is rated per competency on
// the anchored 1-5 scale, with evidence, independently of the rest of the panel.
import { Live, el, newId, remaining, showStatus } from "./realtime.js";

const $ = (id) => document.getElementById(id);
const root = $("observe");
const sessionId = root.dataset.sessionId;
const me = root.dataset.viewerId;
const storageKey = `fac-observe:${sessionId}:${me}`;

const GRACE_S = 10 * 60; // observations are accepted this long after an exercise ends
const DRAFT_DELAY_MS = 800;
const LETTERS = "abcdefghijklmopqrstvwxyz"; // n (note) and u (undo) have their own jobs
const MAX_EVIDENCE = 2000;
const ACTIVE = new Set(["running", "paused"]);
const STATUS_LABELS = { running: "Running", paused: "Paused", ended: "Ended", grouped: "Groups formed", not_started: "Not started" };
const SIGN = { positive: "+", negative: "−" };

// ---- state: the last snapshot plus events, the server's evidence, and what only this page knows ----

let view = null; // session, competencies, exercises, current_exercise_id, candidates
const server = { observations: new Map(), ratings: new Map() };
const names = new Map(); // candidate id -> name
const estimates = new Map(); // observation id -> exercise clock estimated on this device
const failed = new Map(); // observation id -> an observation the server refused, with why
let selected = null; // the candidate being observed
let showAll = false;
// What the observer picked ("capture" or "rate", and the exercise to rate) survives a reload
// of this tab; null follows the exercise.
let modeChoice = sessionStorage.getItem(`${storageKey}:mode`);
let ratingExerciseId = sessionStorage.getItem(`${storageKey}:rating-exercise`);
let editing = null; // { id, text, error } while a note is edited inline
let nudge = null; // owed ratings from the facilitator's last reminder
let nudgeDismissed = false;
// A reason the page cannot work (shown instead of the capture screen).
let problem = null;

// ---- small helpers ----

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const exerciseById = (id) => (view ? view.exercises.find((e) => e.id === id) : null) || null;
const competencyById = (id) => (view ? view.competencies.find((c) => c.id === id) : null) || null;
const nameOf = (id) => names.get(id) || "A candidate who has left";
const pairKey = (exerciseId, candidateId) => `${exerciseId}:${candidateId}`;

/** Minutes and seconds, both two digits ("07:05"), with a sign once past zero. */
function mmss(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return "--:--";
  const total = Math.abs(Math.round(seconds));
  const text = `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
  return seconds < 0 && total > 0 ? `-${text}` : text;
}

/** Exercise time elapsed at server instant `at`, from the timer (paused time not counted). */
function elapsed(exercise, at) {
  if (!exercise || !exercise.timer) return null;
  return Math.max(0, exercise.timer.duration_s - remaining(exercise.timer, at));
}

function indicatorById(id) {
  for (const competency of view ? view.competencies : []) {
    const found = competency.indicators.find((i) => i.id === id);
    if (found) return { ...found, competency };
  }
  return null;
}

function isTextField(node) {
  if (!node || !node.tagName) return false;
  if (node.isContentEditable || node.tagName === "TEXTAREA" || node.tagName === "SELECT") return true;
  return node.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "reset"].includes(node.type);
}

let noticeTimer = null;
function announce(text) {
  clearTimeout(noticeTimer);
  $("announce").textContent = text;
  noticeTimer = setTimeout(() => { $("announce").textContent = ""; }, 4000);
}

function showAlert(message) {
  const dismiss = el("button", { type: "button", className: "button button-small", text: "Dismiss" });
  dismiss.addEventListener("click", () => $("alert").replaceChildren());
  $("alert").replaceChildren(el("p", { text: message }), dismiss);
}

// ---- keeping a copy on the device, so a reload without a connection still shows everything ----

function restore() {
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(`${storageKey}:state`) || "null");
  } catch (err) {
    saved = null;
  }
  if (!saved || !saved.view) return;
  adopt(saved.view);
  for (const o of saved.observations || []) mergeObservation(o);
  for (const r of saved.ratings || []) mergeRating(r);
  for (const [id, clock] of saved.estimates || []) estimates.set(id, clock);
  for (const item of saved.failed || []) failed.set(item.id, item);
  nudge = saved.nudge || null;
  nudgeDismissed = Boolean(saved.nudgeDismissed);
}

let saveTimer = null;
function persist() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(writeState, 300);
}

function writeState() {
  clearTimeout(saveTimer);
  if (!view) return;
  const waiting = new Set(live.outbox.map((item) => item.payload.id));
  // An estimate is needed only until the server's clock for that observation arrives.
  for (const id of estimates.keys()) {
    if (server.observations.has(id) && !waiting.has(id)) estimates.delete(id);
  }
  try {
    localStorage.setItem(`${storageKey}:state`, JSON.stringify({
      view,
      observations: [...server.observations.values()],
      ratings: [...server.ratings.values()],
      estimates: [...estimates],
      failed: [...failed.values()],
      nudge,
      nudgeDismissed,
    }));
  } catch (err) {
    // Storage full: the outbox (kept by Live) is what matters, and it is much smaller.
  }
}

// A reload or a closed tab must not lose the last moments.
window.addEventListener("pagehide", writeState);

function draftsStore() {
  try {
    return JSON.parse(localStorage.getItem(`${storageKey}:drafts`) || "{}");
  } catch (err) {
    return {};
  }
}

function keepDraft(key, values) {
  const all = draftsStore();
  if (values) all[key] = { values, at: live.now() };
  else delete all[key];
  try {
    localStorage.setItem(`${storageKey}:drafts`, JSON.stringify(all));
  } catch (err) {
    // Full storage: the draft still goes to the server when a score is chosen.
  }
}

// ---- the snapshot and the events that follow it ----

function adopt(snapshot) {
  view = {
    session: snapshot.session,
    competencies: snapshot.competencies,
    exercises: snapshot.exercises.map((e) => ({ ...e, groups: e.groups || [], assigned: e.assigned || [] })),
    current_exercise_id: snapshot.current_exercise_id,
    candidates: snapshot.candidates,
  };
  for (const c of snapshot.candidates) names.set(c.id, c.name);
}

function load(snapshot) {
  problem = null;
  adopt(snapshot);
  server.observations = new Map();
  server.ratings = new Map();
  for (const o of snapshot.observations) mergeObservation(o);
  for (const r of snapshot.ratings) mergeRating(r);
  changed();
}

/** Keep the newest version of an observation, whatever order versions arrive in. */
function mergeObservation(o) {
  if (o.observer_id && o.observer_id !== me) return; // this timeline is mine only
  const before = server.observations.get(o.id);
  if (!before || (o.version || 1) >= (before.version || 1)) server.observations.set(o.id, o);
  failed.delete(o.id);
}

function mergeRating(r) {
  if (r.observer_id && r.observer_id !== me) return;
  const key = pairKey(r.exercise_id, r.candidate_id);
  const before = server.ratings.get(key);
  if (before && before.status === "submitted" && r.status !== "submitted") return;
  if (!before || r.updated_at >= before.updated_at || r.status === "submitted") server.ratings.set(key, r);
}

let refreshing = false;
function refreshSoon() {
  // Something refers to a candidate or exercise this page has not heard of: fetch the whole picture.
  if (refreshing) return;
  refreshing = true;
  setTimeout(() => { refreshing = false; live.refresh(); }, 300);
}

function clockChanged(data, at) {
  const exercise = exerciseById(data.exercise_id);
  if (!exercise) return refreshSoon();
  exercise.status = data.status;
  exercise.timer = data.timer;
  if (data.status === "ended") exercise.ended_at = exercise.ended_at || at;
}

const handlers = {
  exercise_started(data, at) {
    const exercise = exerciseById(data.id);
    if (!exercise) return refreshSoon();
    Object.assign(exercise, { status: data.status, timer: data.timer, started_at: exercise.started_at || at });
    view.current_exercise_id = data.id;
    modeChoice = null;
    remember("mode", null);
    selected = null;
  },
  exercise_paused: clockChanged,
  exercise_resumed: clockChanged,
  exercise_extended: clockChanged,
  exercise_ended: clockChanged,
  groups_changed(data) {
    const exercise = exerciseById(data.exercise_id);
    if (!exercise) return refreshSoon();
    exercise.status = data.status;
    exercise.groups = data.groups.map((g) => ({ id: g.id, name: g.name, members: g.members.map((m) => m.id) }));
    // Candidates who arrived after the snapshot are known to observers only from here.
    for (const group of data.groups) for (const m of group.members) {
      names.set(m.id, m.name);
      if (!view.candidates.some((c) => c.id === m.id)) view.candidates.push({ id: m.id, name: m.name });
    }
  },
  observers_assigned(data) {
    const exercise = exerciseById(data.exercise_id);
    if (!exercise) return refreshSoon();
    exercise.assigned = Object.entries(data.observers).filter(([, ids]) => ids.includes(me)).map(([cid]) => cid);
    if (exercise.assigned.some((cid) => !names.has(cid))) refreshSoon();
  },
  observation_recorded: mergeObservation,
  observation_edited: mergeObservation,
  observation_deleted: mergeObservation,
  rating_saved: mergeRating,
  rating_submitted: mergeRating,
  ratings_nudged(data) {
    if (data.observer_id !== me) return;
    nudge = data.owed;
    nudgeDismissed = false;
  },
  session_state_changed(data) { view.session.state = data.state; },
  session_updated() { refreshSoon(); },
};

// ---- writes: what the server acknowledged, and what waits in the outbox ----

function statusChanged(state) {
  const status = state.status === "connecting" && !navigator.onLine ? "offline" : state.status;
  showStatus($("connection"), { status, unsent: 0 });
  const box = $("outbox");
  box.dataset.count = String(state.unsent);
  box.textContent = `${state.unsent} waiting to send`;
  if (view) render();
}

function delivered(item, ack) {
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
  } else if (item.name === "rate_candidate") {
    ratingDelivered(item, ack);
  }
  changed();
}

function localObservation(p) {
  const indicator = p.indicator_id ? indicatorById(p.indicator_id) : null;
  return {
    id: p.id, exercise_id: p.exercise_id, candidate_id: p.candidate_id, indicator_id: p.indicator_id || null,
    competency_id: indicator ? indicator.competency.id : p.competency_id || null,
    polarity: indicator ? indicator.polarity : "neutral", note: p.note || "", recorded_at: p.recorded_at,
    clock_s: null, version: 0, deleted: false,
  };
}

/** Every observation of mine: the server's, overlaid with the writes still in the outbox. */
function observations() {
  const all = new Map();
  for (const [id, o] of server.observations) all.set(id, { ...o, state: "saved" });
  for (const [id, o] of failed) if (!all.has(id)) all.set(id, o);
  for (const { name, payload: p } of live.outbox) {
    if (name === "record_observation") {
      if (!all.has(p.id)) all.set(p.id, { ...localObservation(p), state: "waiting" });
      continue;
    }
    const target = all.get(p.observation_id);
    if (!target || (name !== "edit_observation" && name !== "delete_observation")) continue;
    const next = { ...target, changeWaiting: true };
    if (name === "delete_observation") next.deleted = true;
    if (p.note != null) next.note = p.note;
    if (p.indicator_id) {
      const indicator = indicatorById(p.indicator_id);
      Object.assign(next, { indicator_id: p.indicator_id, polarity: indicator ? indicator.polarity : next.polarity });
    }
    all.set(p.observation_id, next);
  }
  return all;
}

function clockOf(o) {
  if (o.clock_s != null) return { text: mmss(o.clock_s), estimate: false };
  const guess = estimates.has(o.id) ? estimates.get(o.id) : elapsed(exerciseById(o.exercise_id), o.recorded_at);
  return { text: mmss(guess), estimate: true };
}

// ---- which exercise, and which mode ----

function currentExercise() {
  return view ? exerciseById(view.current_exercise_id) : null;
}

/** The exercise evidence can be captured for now: running, paused, or just ended. */
function captureExercise() {
  const exercise = currentExercise();
  if (!exercise) return null;
  if (ACTIVE.has(exercise.status)) return exercise;
  if (exercise.status === "ended" && exercise.ended_at && live.now() - exercise.ended_at < GRACE_S) return exercise;
  return null;
}

function endedExercises() {
  if (!view) return [];
  return view.exercises.filter((e) => e.status === "ended").sort((a, b) => (b.ended_at || 0) - (a.ended_at || 0));
}

function mode() {
  if (!view || problem) return "waiting";
  const capture = captureExercise();
  const rateable = endedExercises().length > 0;
  if (modeChoice === "capture" && capture) return "capture";
  if (modeChoice === "rate" && rateable) return "rate";
  if (capture) return "capture";
  return rateable ? "rate" : "waiting";
}

function remember(name, value) {
  try {
    if (value) sessionStorage.setItem(`${storageKey}:${name}`, value);
    else sessionStorage.removeItem(`${storageKey}:${name}`);
  } catch (err) {
    // Private mode without storage: the choice lasts until the next reload.
  }
}

function setMode(next) {
  modeChoice = next;
  remember("mode", next);
  render();
  const target = next === "rate" ? $("rating-heading") : $("tiles-heading");
  if (target) target.scrollIntoView({ block: "nearest" });
}

// ---- rendering ----

let lastMode = null;
function render() {
  renderTop();
  const current = mode();
  $("waiting").hidden = current !== "waiting";
  $("capture").hidden = current !== "capture";
  $("rating").hidden = current !== "rate";
  $("mode-capture").setAttribute("aria-pressed", String(current === "capture"));
  $("mode-rate").setAttribute("aria-pressed", String(current === "rate"));
  $("mode-capture").disabled = !captureExercise() || Boolean(problem);
  $("mode-rate").disabled = endedExercises().length === 0 || Boolean(problem);
  renderNudge();
  if (current === "waiting") renderWaiting();
  if (current === "capture") renderCapture();
  if (current === "rate") renderRating();
  lastMode = current;
}

function changed() {
  render();
  persist();
}

function renderTop() {
  const exercise = currentExercise();
  const title = $("exercise-title");
  const badge = $("exercise-status");
  const clock = $("clock");
  if (!exercise || exercise.status === "not_started" || exercise.status === "grouped") {
    title.textContent = view ? "Waiting for the next exercise" : "Loading…";
    badge.hidden = true;
    clock.hidden = true;
    return;
  }
  title.textContent = exercise.title;
  badge.hidden = false;
  badge.textContent = STATUS_LABELS[exercise.status] || exercise.status;
  badge.className = `badge obs-status obs-status-${exercise.status}`;
  const left = exercise.timer ? remaining(exercise.timer, live.now()) : null;
  clock.hidden = left == null || exercise.status === "ended";
  if (!clock.hidden) {
    clock.textContent = mmss(left);
    clock.dataset.state = exercise.status === "paused" ? "paused" : left < 0 ? "over" : left < 120 ? "warning" : "running";
    clock.setAttribute("aria-label", left < 0 ? "Time over in the exercise" : "Time left in the exercise");
  }
}

function renderWaiting() {
  const heading = $("waiting-heading");
  const text = $("waiting-text");
  if (problem) {
    heading.textContent = "This device cannot record evidence";
    text.textContent = problem;
  } else if (!view) {
    heading.textContent = navigator.onLine ? "Loading your panel…" : "You are offline";
    text.textContent = navigator.onLine
      ? "Connecting to the session."
      : "This page needs a connection once to load the session. It keeps trying and fills in as soon as the network is back.";
  } else {
    heading.textContent = "No exercise is running";
    text.textContent = "The candidates assigned to you appear here as soon as the facilitator starts an exercise. You can read the competencies you will assess in the session's framework.";
  }
}

function renderNudge() {
  const owed = (nudge || []).filter((o) => {
    const rating = server.ratings.get(pairKey(o.exercise_id, o.candidate_id));
    return !rating || rating.status !== "submitted";
  });
  const show = owed.length > 0 && !nudgeDismissed;
  $("nudge").hidden = !show;
  if (show) $("nudge-text").textContent = `The facilitator asks you to complete ${plural(owed.length, "rating")}.`;
}

/**
 * Bring a list's children in line with `items`, reusing each item's node while its signature is
 * unchanged, so focus and what is being typed survive updates.
 */
function reconcile(container, items, { key, signature, build }) {
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

// ---- capture ----

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

/** Behaviours of the exercise's competencies, each with its letter key. */
function indicatorKeys(exercise) {
  const keyed = [];
  for (const cid of exercise.competency_ids) {
    const competency = competencyById(cid);
    if (!competency) continue;
    const ordered = [...competency.indicators.filter((i) => i.polarity === "positive"),
      ...competency.indicators.filter((i) => i.polarity === "negative")];
    for (const indicator of ordered) keyed.push({ ...indicator, competency, letter: LETTERS[keyed.length] || null });
  }
  return keyed;
}

function renderCapture() {
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

  renderIndicators(exercise);
  $("note-only").disabled = !selected;

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

let indicatorsSig = null;
function renderIndicators(exercise) {
  const box = $("indicators");
  const sig = JSON.stringify([exercise.id, selected, exercise.competency_ids, view.competencies.map((c) => c.id)]);
  if (sig === indicatorsSig && box.childElementCount) return;
  indicatorsSig = sig;
  if (!selected) {
    box.replaceChildren(el("p", { className: "indicators-hint", text: "Tap a candidate (or press their number) to record what they do." }));
    return;
  }
  const keyed = indicatorKeys(exercise);
  if (!keyed.length) {
    box.replaceChildren(el("p", { className: "indicators-hint", text: "This exercise has no behaviours to tap. Write a note and press “Note only”." }));
    return;
  }
  const groups = [];
  for (const cid of exercise.competency_ids) {
    const competency = competencyById(cid);
    const mine = keyed.filter((k) => k.competency.id === cid);
    if (!competency || !mine.length) continue;
    const headingId = `comp-${cid}`;
    const column = (polarity, label) => {
      const list = mine.filter((k) => k.polarity === polarity);
      if (!list.length) return null;
      return el("ul", { className: `indicator-column indicator-column-${polarity}`, "aria-label": `${competency.name}: ${label}` },
        ...list.map((k) => el("li", {}, indicatorButton(k))));
    };
    groups.push(el("section", { className: "indicator-group", "aria-labelledby": headingId },
      el("h4", { id: headingId, className: "indicator-group-name", text: competency.name }),
      el("div", { className: "indicator-columns" }, column("positive", "positive behaviours"), column("negative", "negative behaviours"))));
  }
  box.replaceChildren(
    el("p", { className: "indicators-for" }, "Recording for ", el("strong", { text: nameOf(selected) })),
    ...groups);
}

function indicatorButton(k) {
  const button = el("button", {
    type: "button", className: `indicator-button indicator-button-${k.polarity}`, "data-indicator": k.id,
    "aria-keyshortcuts": k.letter,
  },
  el("span", { className: "indicator-sign", "aria-hidden": "true", text: SIGN[k.polarity] }),
  el("span", { className: "visually-hidden", text: k.polarity === "positive" ? "Positive: " : "Negative: " }),
  el("span", { className: "indicator-text", text: k.text }),
  k.letter ? el("kbd", { className: "indicator-key", "aria-hidden": "true", text: k.letter }) : null);
  button.addEventListener("click", () => record(k));
  return button;
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

function select(candidateId) {
  selected = candidateId;
  render();
  if (candidateId) announce(`Recording for ${nameOf(candidateId)}.`);
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

function undoLast() {
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

// ---- rating ----

const cards = new Map(); // pair key -> card state
let cardsSig = null;

function ratingLocked(exerciseId, candidateId) {
  const rating = server.ratings.get(pairKey(exerciseId, candidateId));
  return Boolean(rating && rating.status === "submitted");
}

function renderRating() {
  const ended = endedExercises();
  if (!ended.some((e) => e.id === ratingExerciseId)) {
    const current = currentExercise();
    ratingExerciseId = current && current.status === "ended" ? current.id : ended[0].id;
  }
  const picker = $("rating-exercise");
  const options = ended.map((e) => {
    const done = e.assigned.filter((cid) => ratingLocked(e.id, cid)).length;
    return { value: e.id, text: e.assigned.length ? `${e.title} — ${done} of ${e.assigned.length} submitted` : `${e.title} — nobody to rate` };
  });
  if (JSON.stringify(options) !== picker.dataset.sig) {
    picker.dataset.sig = JSON.stringify(options);
    picker.replaceChildren(...options.map((o) => el("option", { value: o.value, text: o.text })));
  }
  picker.value = ratingExerciseId;

  const exercise = exerciseById(ratingExerciseId);
  const blind = view.session.blind_ratings !== false;
  $("rating-intro").textContent = exercise.assigned.length
    ? `Rate each candidate on every competency “${exercise.title}” assesses, with the evidence for your score. Drafts save themselves. `
      + (blind ? "The other observers' ratings stay hidden until you submit yours." : "")
    : `Nobody was assigned to you in “${exercise.title}”, so there is nothing to rate.`;

  const sig = JSON.stringify([exercise.id, exercise.assigned, exercise.competency_ids, exercise.assigned.map(nameOf)]);
  if (sig !== cardsSig) {
    cardsSig = sig;
    for (const card of cards.values()) clearTimeout(card.timer);
    cards.clear();
    const nodes = exercise.assigned.map((cid) => buildCard(exercise, cid));
    $("rating-cards").replaceChildren(...nodes);
  }
  for (const card of cards.values()) updateCard(card);
  reconcile($("rating-overview"), [...cards.values()], {
    key: (card) => card.key,
    signature: (card) => JSON.stringify([nameOf(card.candidateId), card.badge.textContent]),
    build: (card) => el("li", {}, el("a", { href: `#${card.node.id}` },
      el("span", { text: nameOf(card.candidateId) }),
      el("span", { className: card.badge.className, text: card.badge.textContent }))),
  });
}

function initialValues(exercise, candidateId) {
  const key = pairKey(exercise.id, candidateId);
  const rating = server.ratings.get(key);
  const local = draftsStore()[key];
  const values = {};
  for (const cid of exercise.competency_ids) values[cid] = { score: null, evidence: "" };
  const fromServer = rating ? rating.scores : {};
  const useLocal = local && (!rating || rating.status !== "submitted") && (!rating || local.at >= rating.updated_at);
  const source = useLocal ? local.values : fromServer;
  for (const cid of exercise.competency_ids) {
    if (source[cid]) values[cid] = { score: source[cid].score || null, evidence: source[cid].evidence || "" };
  }
  return values;
}

function buildCard(exercise, candidateId) {
  const key = pairKey(exercise.id, candidateId);
  const safe = key.replace(/[^A-Za-z0-9_-]/g, "_");
  const headingId = `card-${safe}`;
  const card = {
    key, exercise, candidateId, values: initialValues(exercise, candidateId), timer: null,
    version: 0, sent: new Map(), result: null, submitError: null, inputs: {}, compare: null,
  };
  const node = el("article", { className: "rate-card", id: `rate-${safe}`, "aria-labelledby": headingId });
  const badge = el("span", { className: "badge" });
  node.append(el("header", { className: "rate-card-head" }, el("h3", { id: headingId, text: nameOf(candidateId) }), badge));
  for (const cid of exercise.competency_ids) {
    const competency = competencyById(cid);
    if (competency) node.append(buildCompetency(card, competency, safe));
  }
  const status = el("p", { className: "rate-status", role: "status" });
  const error = el("div", { className: "rate-error", role: "alert" });
  const submit = el("button", { type: "button", className: "button button-primary", text: "Submit rating" });
  const compare = el("button", { type: "button", className: "button", text: "Compare with the panel" });
  const compareBox = el("section", { className: "compare", tabindex: "-1", "aria-label": `The panel's evidence about ${nameOf(candidateId)}` });
  compareBox.hidden = true;
  submit.addEventListener("click", () => submitRating(card));
  compare.addEventListener("click", () => comparePanel(card));
  node.append(error, el("footer", { className: "rate-card-foot" }, status, el("div", { className: "rate-actions" }, compare, submit)), compareBox);
  Object.assign(card, { node, badge, status, error, submit, compareButton: compare, compareBox });
  cards.set(key, card);
  return node;
}

function buildCompetency(card, competency, safe) {
  const cid = competency.id;
  const name = `score-${safe}-${cid}`;
  const radios = [];
  const options = competency.anchors.map((anchor, index) => {
    const score = index + 1;
    const id = `${name}-${score}`;
    const radio = el("input", { type: "radio", name, id, value: String(score) });
    radio.checked = card.values[cid].score === score;
    radio.addEventListener("change", () => {
      card.values[cid].score = score;
      edited(card, cid);
    });
    radios.push(radio);
    return el("label", { className: "rate-option", for: id }, radio,
      el("span", { className: "rate-score", text: String(score) }), el("span", { className: "rate-anchor", text: anchor }));
  });
  const evidenceId = `evidence-${safe}-${cid}`;
  const textarea = el("textarea", { id: evidenceId, rows: "4", maxlength: String(MAX_EVIDENCE), "aria-describedby": `${evidenceId}-hint` });
  textarea.value = card.values[cid].evidence;
  textarea.addEventListener("input", () => {
    card.values[cid].evidence = textarea.value;
    edited(card, cid);
  });
  const fill = el("button", { type: "button", className: "button button-small", text: "Fill from my observations" });
  fill.addEventListener("click", () => fillEvidence(card, competency));
  const fieldset = el("fieldset", { className: "rate-scale" },
    el("legend", { text: `${competency.name}: score` }), ...options);
  card.inputs[cid] = { radios, textarea, fill, fieldset };
  return el("section", { className: "rate-competency" },
    el("h4", { text: competency.name }),
    competency.description ? el("p", { className: "hint", text: competency.description }) : null,
    fieldset,
    el("div", { className: "rate-evidence" },
      el("label", { for: evidenceId, text: `Evidence for ${competency.name}` }),
      el("span", { className: "hint", id: `${evidenceId}-hint`, text: "What you saw and heard that supports the score." }),
      textarea,
      el("div", { className: "rate-evidence-actions" }, fill)));
}

function edited(card, competencyId) {
  card.version += 1;
  card.result = null;
  card.submitError = null;
  const inputs = card.inputs[competencyId];
  if (inputs) {
    inputs.fieldset.removeAttribute("aria-invalid");
    inputs.textarea.removeAttribute("aria-invalid");
  }
  keepDraft(card.key, card.values);
  clearTimeout(card.timer);
  card.timer = setTimeout(() => { card.timer = null; saveRating(card, false); }, DRAFT_DELAY_MS);
  updateCard(card);
}

function scoresOf(card) {
  const scores = {};
  for (const [cid, value] of Object.entries(card.values)) {
    if (value.score) scores[cid] = { score: value.score, evidence: value.evidence.trim() };
  }
  return scores;
}

function saveRating(card, submit) {
  clearTimeout(card.timer);
  card.timer = null;
  const scores = scoresOf(card);
  if (!submit && !Object.keys(scores).length) {
    card.result = { ok: true, idle: true };
    updateCard(card);
    return;
  }
  const id = newId();
  card.sent.set(id, { version: card.version, submit });
  card.submitError = null;
  live.send("rate_candidate", { id, exercise_id: card.exercise.id, candidate_id: card.candidateId, scores, submit });
  updateCard(card);
}

function submitRating(card) {
  card.submitting = true;
  saveRating(card, true);
}

function ratingDelivered(item, ack) {
  const p = item.payload;
  const card = cards.get(pairKey(p.exercise_id, p.candidate_id));
  if (ack.ok) mergeRating(ack.result);
  if (!card) return;
  const sent = card.sent.get(p.id);
  card.sent.delete(p.id);
  if (ack.ok) {
    card.result = { ok: true, submit: p.submit };
    if (p.submit || (sent && sent.version === card.version)) keepDraft(card.key, p.submit ? null : card.values);
  } else if (p.submit) {
    card.submitError = ack.error;
    markMissing(card, ack.error);
  } else {
    card.result = { ok: false, message: ack.error.message };
  }
}

/** After "evidence required" or "incomplete", point at the first competency that needs it. */
function markMissing(card, error) {
  for (const [cid, value] of Object.entries(card.values)) {
    const inputs = card.inputs[cid];
    if (!inputs) continue;
    if (error.code === "incomplete" && !value.score) {
      inputs.fieldset.setAttribute("aria-invalid", "true");
      inputs.radios[0].focus();
      return;
    }
    if (error.code === "evidence_required" && !value.evidence.trim()) {
      inputs.textarea.setAttribute("aria-invalid", "true");
      inputs.textarea.focus();
      return;
    }
  }
}

function updateCard(card) {
  const { exercise, candidateId } = card;
  const rating = server.ratings.get(card.key);
  const locked = Boolean(rating && rating.status === "submitted");
  const waiting = live.outbox.filter((i) => i.name === "rate_candidate" && i.payload.exercise_id === exercise.id && i.payload.candidate_id === candidateId);
  const submitWaiting = waiting.some((i) => i.payload.submit);
  if (locked && !card.locked) {
    // Show exactly what was submitted.
    for (const cid of exercise.competency_ids) {
      const inputs = card.inputs[cid];
      const score = rating.scores[cid];
      if (!inputs) continue;
      for (const radio of inputs.radios) radio.checked = Boolean(score) && Number(radio.value) === score.score;
      inputs.textarea.value = score ? score.evidence : "";
    }
    keepDraft(card.key, null);
  } else if (!locked && !waiting.length && !card.timer && rating && !card.node.contains(document.activeElement)
             && JSON.stringify(rating.scores) !== JSON.stringify(scoresOf(card)) && card.version === 0) {
    // Saved from elsewhere (another tab) while this card was untouched: show the newer draft.
    card.values = initialValues(exercise, candidateId);
    for (const cid of exercise.competency_ids) {
      const inputs = card.inputs[cid];
      if (!inputs) continue;
      for (const radio of inputs.radios) radio.checked = Number(radio.value) === card.values[cid].score;
      inputs.textarea.value = card.values[cid].evidence;
    }
  }
  card.locked = locked;
  card.node.classList.toggle("is-locked", locked);
  for (const inputs of Object.values(card.inputs)) {
    for (const radio of inputs.radios) radio.disabled = locked;
    inputs.textarea.readOnly = locked;
    inputs.fill.hidden = locked;
  }
  card.submit.hidden = locked;
  card.submit.disabled = submitWaiting;
  const blind = view.session.blind_ratings !== false;
  card.compareButton.hidden = blind && !locked;

  let badge = ["Not started", "badge-draft"];
  if (locked) badge = ["Submitted", "badge-positive"];
  else if (rating || Object.keys(scoresOf(card)).length) badge = ["Draft", "badge-info"];
  card.badge.textContent = badge[0];
  card.badge.className = `badge ${badge[1]}`;

  let text = "";
  let tone = "";
  if (locked) {
    text = `Submitted${rating.submitted_at ? ` at ${new Date(rating.submitted_at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : ""}. Your rating is locked.`;
    tone = "done";
  } else if (submitWaiting) {
    text = live.status === "connected" ? "Submitting…" : "Submit saved on this device · waiting to send";
    tone = "waiting";
  } else if (card.timer || (waiting.length && live.status === "connected")) {
    text = "Saving…";
  } else if (waiting.length) {
    text = "Saved on this device · waiting to send";
    tone = "waiting";
  } else if (card.result && !card.result.ok) {
    text = `Not saved: ${card.result.message}`;
    tone = "error";
  } else if (card.result && card.result.idle) {
    text = "Choose a score to save a draft.";
  } else if (rating || (card.result && card.result.ok)) {
    text = "Draft saved";
    tone = "done";
  } else {
    text = "Choose a score for each competency and write your evidence.";
  }
  if (card.status.textContent !== text) card.status.textContent = text;
  card.status.dataset.tone = tone;

  const message = card.submitError ? `Not submitted: ${card.submitError.message}` : "";
  if ((card.error.textContent || "") !== message) {
    card.error.replaceChildren(...(message ? [el("p", { className: "notice notice-error", text: message })] : []));
  }
}

function fillEvidence(card, competency) {
  const exercise = card.exercise;
  const lines = [...observations().values()]
    .filter((o) => o.exercise_id === exercise.id && o.candidate_id === card.candidateId && !o.deleted && o.state !== "failed")
    .filter((o) => o.competency_id === competency.id || (!o.indicator_id && !o.competency_id && o.note))
    .sort((a, b) => a.recorded_at - b.recorded_at)
    .map((o) => {
      const indicator = o.indicator_id ? indicatorById(o.indicator_id) : null;
      const clock = clockOf(o).text;
      if (!indicator) return `${clock} ${o.note}`;
      return `${clock} ${SIGN[indicator.polarity]} ${indicator.text}${o.note ? ` — ${o.note}` : ""}`;
    });
  const textarea = card.inputs[competency.id].textarea;
  const present = new Set(textarea.value.split("\n").map((l) => l.trim()));
  const fresh = lines.filter((l) => !present.has(l));
  if (!lines.length) {
    card.status.textContent = `You recorded nothing about ${competency.name} for ${nameOf(card.candidateId)} in this exercise.`;
    return;
  }
  if (!fresh.length) {
    card.status.textContent = "Your observations are already in the evidence.";
    return;
  }
  const base = textarea.value.replace(/\s+$/, "");
  let next = (base ? `${base}\n` : "") + fresh.join("\n");
  if (next.length > MAX_EVIDENCE) {
    next = next.slice(0, MAX_EVIDENCE);
    showAlert(`The evidence for ${competency.name} is limited to ${MAX_EVIDENCE} characters; the last lines were cut. Shorten it in your own words.`);
  }
  textarea.value = next;
  card.values[competency.id].evidence = next;
  edited(card, competency.id);
  textarea.focus();
}

async function comparePanel(card) {
  const box = card.compareBox;
  box.hidden = false;
  box.replaceChildren(el("p", { className: "muted", text: "Loading the panel's evidence…" }));
  const ack = await live.request("read_evidence", { exercise_id: card.exercise.id, candidate_id: card.candidateId });
  if (!ack || !ack.ok) {
    box.replaceChildren(el("p", { className: "notice notice-warning", text: (ack && ack.error && ack.error.message) || "The server did not answer. Try again." }));
    return;
  }
  box.replaceChildren(...compareView(card, ack.result));
  box.focus();
}

function compareView(card, result) {
  const exercise = card.exercise;
  // Other observers are shown without names: the evidence matters, not who wrote it.
  const labels = new Map([[me, "You"]]);
  const label = (id) => {
    if (!labels.has(id)) labels.set(id, `Observer ${String.fromCharCode(64 + labels.size)}`);
    return labels.get(id);
  };
  const ratings = result.ratings.filter((r) => r.exercise_id === exercise.id && r.candidate_id === card.candidateId)
    .sort((a, b) => (a.observer_id === me ? -1 : b.observer_id === me ? 1 : 0));
  ratings.forEach((r) => label(r.observer_id));
  const nodes = [el("h4", { text: "The panel's ratings" })];
  if (!ratings.length) nodes.push(el("p", { className: "muted", text: "Nobody has rated this candidate in this exercise yet." }));
  else {
    const head = el("tr", {}, el("th", { scope: "col", text: "Competency" }),
      ...ratings.map((r) => el("th", { scope: "col", text: `${label(r.observer_id)}${r.status === "submitted" ? "" : " (draft)"}` })));
    const rows = exercise.competency_ids.map((cid) => {
      const competency = competencyById(cid);
      return el("tr", {}, el("th", { scope: "row", text: competency ? competency.name : cid }),
        ...ratings.map((r) => {
          const score = r.scores[cid];
          return el("td", {}, el("span", { className: "compare-score", text: score ? String(score.score) : "–" }),
            score && score.evidence ? el("span", { className: "compare-evidence", text: score.evidence }) : null);
        }));
    });
    nodes.push(el("div", { className: "table-wrap" }, el("table", { className: "compare-table" },
      el("caption", { className: "visually-hidden", text: `Scores for ${nameOf(card.candidateId)} in ${exercise.title}` }),
      el("thead", {}, head), el("tbody", {}, ...rows))));
  }
  const others = result.observations.filter((o) => o.observer_id !== me && !o.deleted)
    .sort((a, b) => a.observer_id.localeCompare(b.observer_id) || a.recorded_at - b.recorded_at);
  nodes.push(el("h4", { text: "Other observers' observations" }));
  if (!others.length) nodes.push(el("p", { className: "muted", text: "The other observers recorded nothing about this candidate here." }));
  else {
    nodes.push(el("ol", { className: "compare-list" }, ...others.map((o) => {
      const indicator = o.indicator_id ? indicatorById(o.indicator_id) : null;
      return el("li", { className: `tl-${o.polarity || "neutral"}` },
        el("span", { className: "tl-clock", text: mmss(o.clock_s) }),
        el("span", { className: "compare-who", text: label(o.observer_id) }),
        indicator ? el("span", {}, el("span", { className: "tl-sign", "aria-hidden": "true", text: SIGN[indicator.polarity] }),
          el("span", { className: "visually-hidden", text: indicator.polarity === "positive" ? "Positive: " : "Negative: " }),
          ` ${indicator.text}`) : null,
        o.note ? el("span", { className: "compare-note", text: o.note }) : null);
    })));
  }
  return nodes;
}

// ---- controls ----

$("mode-capture").addEventListener("click", () => setMode("capture"));
$("mode-rate").addEventListener("click", () => setMode("rate"));
$("grace-rate").addEventListener("click", () => setMode("rate"));
$("nudge-rate").addEventListener("click", () => {
  const first = (nudge || []).find((o) => !ratingLocked(o.exercise_id, o.candidate_id));
  if (first) {
    ratingExerciseId = first.exercise_id;
    remember("rating-exercise", ratingExerciseId);
  }
  setMode("rate");
  const card = first ? cards.get(pairKey(first.exercise_id, first.candidate_id)) : null;
  if (card) card.node.querySelector("input, textarea").focus();
});
$("nudge-dismiss").addEventListener("click", () => { nudgeDismissed = true; changed(); });
$("show-all").addEventListener("change", (event) => { showAll = event.target.checked; render(); });
$("note-only").addEventListener("click", () => record(null));
$("undo").addEventListener("click", undoLast);
$("rating-exercise").addEventListener("change", (event) => {
  ratingExerciseId = event.target.value;
  remember("rating-exercise", ratingExerciseId);
  render();
});

$("note").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    record(null);
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.target.blur();
  }
});

document.addEventListener("keydown", (event) => {
  if (mode() !== "capture" || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (isTextField(event.target)) return;
  const exercise = captureExercise();
  const key = event.key;
  if (key === "Escape") {
    if (!selected) return;
    select(null);
  } else if (/^[1-9]$/.test(key)) {
    const tile = visibleCandidates(exercise)[Number(key) - 1];
    if (!tile) return;
    select(tile.id);
  } else if (key === "n") {
    $("note").focus();
  } else if (key === "u") {
    undoLast();
  } else if (/^[a-z]$/.test(key) && selected) {
    const indicator = indicatorKeys(exercise).find((k) => k.letter === key);
    if (!indicator) return;
    record(indicator);
  } else {
    return;
  }
  event.preventDefault();
});

// The clock, and the end of the after-exercise grace period, move without events.
let lastModeKey = null;
setInterval(() => {
  renderTop();
  const capture = view ? captureExercise() : null;
  const key = JSON.stringify([mode(), capture ? capture.id : null, capture && capture.status === "ended" ? Math.ceil((GRACE_S - (live.now() - capture.ended_at)) / 60) : null]);
  if (key !== lastModeKey) {
    lastModeKey = key;
    if (lastMode !== null) render();
  }
}, 500);

// ---- start: show what this device kept at once, then connect ----

restore();

const live = new Live({
  sessionId,
  storageKey,
  // Facilitators on the panel observe as observers here, with an observer's view.
  auth: { role: "observer" },
  onSnapshot: load,
  onEvent(envelope) {
    const handler = handlers[envelope.type];
    if (!handler || !view) return;
    handler(envelope.data, envelope.at);
    changed();
  },
  onStatus: statusChanged,
  onDelivered: delivered,
  onRefused(error) {
    if (live.status === "refused") {
      problem = `${error.message} Sign in again to keep recording; nothing you recorded on this device is lost.`;
      render();
    } else {
      showAlert(error.message);
    }
  },
});
statusChanged({ status: navigator.onLine ? live.status : "offline", unsent: live.outbox.length });
render();

// Offline reloads: a service worker answers from the last copy of this page and its assets
// when the network does not. The copy is taken here, while online, from what the page loaded.
const OFFLINE_CACHE = "facilitator-observe-v1";

async function keepOfflineCopy() {
  if (!("caches" in window) || !navigator.onLine) return;
  const paths = performance.getEntriesByType("resource")
    .map((entry) => new URL(entry.name))
    .filter((url) => url.origin === window.location.origin && /^\/(static|vendor)\//.test(url.pathname))
    .map((url) => url.pathname);
  const cache = await caches.open(OFFLINE_CACHE);
  await cache.addAll([...new Set([window.location.pathname, ...paths])]);
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/observe-sw.js", { scope: "/sessions/" }).catch(() => {});
  if (document.readyState === "complete") keepOfflineCopy().catch(() => {});
  else window.addEventListener("load", () => keepOfflineCopy().catch(() => {}), { once: true });
}
// A page that came from that copy reloads from the network once the network is back, so it
// runs the newest code and its connection is made by a page the server just sent.
if (!navigator.onLine) {
  window.addEventListener("online", () => window.location.reload(), { once: true });
}
