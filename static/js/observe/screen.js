// The frame around the observer's work: the bar (exercise, clock, connection, the
// facilitator's reminder), which screen shows (waiting, capture or rating), and the switches
// between them.
import { remaining, showStatus } from "../realtime.js";
import { renderCapture } from "./capture.js";
import { chooseRatingExercise, focusCard, ratingLocked, renderRating } from "./rating.js";
import {
  GRACE_S, captureExercise, chooseMode, currentExercise, dismissNudge, endedExercises, mmss, mode, nudge,
  nudgeDismissed, persist, problem, view,
} from "./state.js";
import { $ } from "./ui.js";

const STATUS_LABELS = { running: "Running", paused: "Paused", ended: "Ended", grouped: "Groups formed", not_started: "Not started" };

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

let live = null;
let lastMode = null;

/** Draw the page from the model. */
export function render() {
  renderTop();
  const current = mode();
  // The page's layout follows the screen: capture fits the window, rating scrolls.
  document.body.dataset.mode = current;
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

/** Draw the page and keep the model on the device. */
export function changed() {
  render();
  persist();
}

/** Show the connection and how many writes wait in the outbox. */
export function statusChanged(state) {
  const status = state.status === "connecting" && !navigator.onLine ? "offline" : state.status;
  showStatus($("connection"), { status, unsent: 0 });
  const box = $("outbox");
  box.dataset.count = String(state.unsent);
  box.textContent = `${state.unsent} waiting to send`;
  if (view) render();
}

function setMode(next) {
  chooseMode(next);
  render();
  const target = next === "rate" ? $("rating-heading") : $("tiles-heading");
  if (target) target.scrollIntoView({ block: "nearest" });
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
  const owed = (nudge || []).filter((o) => !ratingLocked(o.exercise_id, o.candidate_id));
  const show = owed.length > 0 && !nudgeDismissed;
  $("nudge").hidden = !show;
  if (show) $("nudge-text").textContent = `The facilitator asks you to complete ${plural(owed.length, "rating")}.`;
}

/** Take the connection, wire the switches between screens, and keep the clock moving. */
export function startScreen(connection) {
  live = connection;
  $("mode-capture").addEventListener("click", () => setMode("capture"));
  $("mode-rate").addEventListener("click", () => setMode("rate"));
  $("grace-rate").addEventListener("click", () => setMode("rate"));
  $("nudge-rate").addEventListener("click", () => {
    const first = (nudge || []).find((o) => !ratingLocked(o.exercise_id, o.candidate_id));
    if (first) chooseRatingExercise(first.exercise_id);
    setMode("rate");
    if (first) focusCard(first.exercise_id, first.candidate_id);
  });
  $("nudge-dismiss").addEventListener("click", () => { dismissNudge(); changed(); });

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
}
