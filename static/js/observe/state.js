// The observer's model: the last snapshot plus the events since, the server's evidence, the
// writes still waiting in the outbox, and a copy of it all kept on the device. It draws
// nothing; the screens read it and redraw.
import { remaining } from "../realtime.js";

export const GRACE_S = 10 * 60; // observations are accepted this long after an exercise ends
const ACTIVE = new Set(["running", "paused"]);

// Other modules read these as live bindings; only this module assigns them.
export let view = null; // session, competencies, exercises, current_exercise_id, candidates
export const server = { observations: new Map(), ratings: new Map() };
export const names = new Map(); // candidate id -> name
export const estimates = new Map(); // observation id -> exercise clock estimated on this device
export const failed = new Map(); // observation id -> an observation the server refused, with why
export let nudge = null; // owed ratings from the facilitator's last reminder
export let nudgeDismissed = false;
// A reason the page cannot work (shown instead of the capture screen).
export let problem = null;
// What the observer picked ("capture" or "rate") survives a reload of this tab; null follows
// the exercise.
let modeChoice = null;

let me = null; // the observer's id: this timeline and these ratings are theirs only
let storageKey = null;
let live = null;
let onExerciseStarted = null;

/** Take the observer's id, this device's storage key, the connection and a hook for a new exercise. */
export function connectState(options) {
  ({ me, storageKey, live, onExerciseStarted } = options);
  modeChoice = sessionStorage.getItem(`${storageKey}:mode`);
  // A reload or a closed tab must not lose the last moments.
  window.addEventListener("pagehide", writeState);
}

// ---- lookups ----

/** The exercise with this id, or null. */
export const exerciseById = (id) => (view ? view.exercises.find((e) => e.id === id) : null) || null;
/** The competency with this id, or null. */
export const competencyById = (id) => (view ? view.competencies.find((c) => c.id === id) : null) || null;
/** A candidate's name, also after they left. */
export const nameOf = (id) => names.get(id) || "A candidate who has left";
/** The key of one candidate in one exercise (ratings, drafts, cards). */
export const pairKey = (exerciseId, candidateId) => `${exerciseId}:${candidateId}`;

/** Minutes and seconds, both two digits ("07:05"), with a sign once past zero. */
export function mmss(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return "--:--";
  const total = Math.abs(Math.round(seconds));
  const text = `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
  return seconds < 0 && total > 0 ? `-${text}` : text;
}

/** Exercise time elapsed at server instant `at`, from the timer (paused time not counted). */
export function elapsed(exercise, at) {
  if (!exercise || !exercise.timer) return null;
  return Math.max(0, exercise.timer.duration_s - remaining(exercise.timer, at));
}

/** A behaviour with its competency, or null. */
export function indicatorById(id) {
  for (const competency of view ? view.competencies : []) {
    const found = competency.indicators.find((i) => i.id === id);
    if (found) return { ...found, competency };
  }
  return null;
}

// ---- keeping a copy on the device, so a reload without a connection still shows everything ----

/** Show what this device kept from its last visit, before the connection answers. */
export function restore() {
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
let keeping = true; // false once the observer signs out: the device keeps nothing more
/** Keep the model on the device soon (changes come in bursts). */
export function persist() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(writeState, 300);
}

/** Stop keeping the model on the device (signing out clears what it kept). */
export function stopKeeping() {
  keeping = false;
  clearTimeout(saveTimer);
}

function writeState() {
  clearTimeout(saveTimer);
  if (!view || !keeping) return;
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

/** Remember a choice of the observer's for this tab; a falsy value forgets it. */
export function remember(name, value) {
  try {
    if (value) sessionStorage.setItem(`${storageKey}:${name}`, value);
    else sessionStorage.removeItem(`${storageKey}:${name}`);
  } catch (err) {
    // Private mode without storage: the choice lasts until the next reload.
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

/** Replace the model with a fresh snapshot from the server. */
export function load(snapshot) {
  problem = null;
  adopt(snapshot);
  server.observations = new Map();
  server.ratings = new Map();
  for (const o of snapshot.observations) mergeObservation(o);
  for (const r of snapshot.ratings) mergeRating(r);
}

/** Keep the newest version of an observation, whatever order versions arrive in. */
export function mergeObservation(o) {
  if (o.observer_id && o.observer_id !== me) return; // this timeline is mine only
  const before = server.observations.get(o.id);
  if (!before || (o.version || 1) >= (before.version || 1)) server.observations.set(o.id, o);
  failed.delete(o.id);
}

/** Keep the newest rating of a pair; a submitted one is never replaced by a draft. */
export function mergeRating(r) {
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
    chooseMode(null);
    onExerciseStarted();
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
  // Reopened in the review: a draft again, which mergeRating would not let replace a submitted one.
  rating_reopened(data) {
    if (data.observer_id === me) server.ratings.set(pairKey(data.exercise_id, data.candidate_id), data);
  },
  ratings_nudged(data) {
    if (data.observer_id !== me) return;
    nudge = data.owed;
    nudgeDismissed = false;
  },
  session_state_changed(data) { view.session.state = data.state; },
  session_updated() { refreshSoon(); },
};

/** Apply one live event; false when it is not one this page follows (or nothing is loaded yet). */
export function applyEvent(envelope) {
  const handler = handlers[envelope.type];
  if (!handler || !view) return false;
  handler(envelope.data, envelope.at);
  return true;
}

/** Hide the facilitator's reminder until the next one. */
export function dismissNudge() {
  nudgeDismissed = true;
}

/** Stop capturing: this device cannot work, for this reason. */
export function reportProblem(reason) {
  problem = reason;
}

// ---- observations: what the server acknowledged, and what waits in the outbox ----

/** An observation as this device wrote it, before the server has answered. */
export function localObservation(p) {
  const indicator = p.indicator_id ? indicatorById(p.indicator_id) : null;
  return {
    id: p.id, exercise_id: p.exercise_id, candidate_id: p.candidate_id, indicator_id: p.indicator_id || null,
    competency_id: indicator ? indicator.competency.id : p.competency_id || null,
    polarity: indicator ? indicator.polarity : "neutral", note: p.note || "", recorded_at: p.recorded_at,
    clock_s: null, version: 0, deleted: false,
  };
}

/** Every observation of mine: the server's, overlaid with the writes still in the outbox. */
export function observations() {
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

/** An observation's exercise time, estimated on this device until the server's arrives. */
export function clockOf(o) {
  if (o.clock_s != null) return { text: mmss(o.clock_s), estimate: false };
  const guess = estimates.has(o.id) ? estimates.get(o.id) : elapsed(exerciseById(o.exercise_id), o.recorded_at);
  return { text: mmss(guess), estimate: true };
}

// ---- which exercise, and which mode ----

/** The exercise the facilitator last started, or null. */
export function currentExercise() {
  return view ? exerciseById(view.current_exercise_id) : null;
}

/** The exercise evidence can be captured for now: running, paused, or just ended. */
export function captureExercise() {
  const exercise = currentExercise();
  if (!exercise) return null;
  if (ACTIVE.has(exercise.status)) return exercise;
  if (exercise.status === "ended" && exercise.ended_at && live.now() - exercise.ended_at < GRACE_S) return exercise;
  return null;
}

/** Exercises that can be rated, the most recently ended first. */
export function endedExercises() {
  if (!view) return [];
  return view.exercises.filter((e) => e.status === "ended").sort((a, b) => (b.ended_at || 0) - (a.ended_at || 0));
}

/** The screen to show: "waiting", "capture" or "rate". */
export function mode() {
  if (!view || problem) return "waiting";
  const capture = captureExercise();
  const rateable = endedExercises().length > 0;
  if (modeChoice === "capture" && capture) return "capture";
  if (modeChoice === "rate" && rateable) return "rate";
  if (capture) return "capture";
  return rateable ? "rate" : "waiting";
}

/** Keep the observer's choice of screen for this tab; null follows the exercise. */
export function chooseMode(next) {
  modeChoice = next;
  remember("mode", next);
}
