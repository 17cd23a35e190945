// The phone's countdown. It runs on the server's clock: an end instant while running, the rest
// while paused. A minute before the end, and at the end, it says so and buzzes, once: the
// phone remembers (also across a reload) which end it gave each alert for, so a tick, a
// reconnect or a resume never repeats it; only added time brings a new end and new alerts.
import { remaining } from "../realtime.js";
import { $, setText } from "./dom.js";

const WARN_AT_S = 60;
const SPOKEN_FOR_MS = 5000; // screen-reader text is cleared after this, so it is not left lying around
/** How long "+5 min" stays on the clock after time was added. */
export const EXTENSION_NOTICE_S = 120;

let storageKey = null;
// The exercise and the end (its duration, which changes only when time is added) each alert was given for.
let said = { exercise_id: null, warned: null, over: null };

/** Take this phone's storage key and what it already said. */
export function connectClock(key) {
  storageKey = key;
  try {
    said = { ...said, ...JSON.parse(localStorage.getItem(`${storageKey}:alerts`) || "{}") };
  } catch (err) {
    // Unreadable: at worst an alert is given once more.
  }
}

function remember(changes) {
  Object.assign(said, changes);
  try {
    localStorage.setItem(`${storageKey}:alerts`, JSON.stringify(said));
  } catch (err) {
    // Storage full: the alert is still given once while the page stays open.
  }
}

function twoDigits(n) {
  return String(n).padStart(2, "0");
}

function clockText(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  return `${twoDigits(Math.floor(total / 60))}:${twoDigits(total % 60)}`;
}

let spokenTimer = null;
function say(text) {
  clearTimeout(spokenTimer);
  $("clock-alert").textContent = text;
  spokenTimer = setTimeout(() => { $("clock-alert").textContent = ""; }, SPOKEN_FOR_MS);
}

function buzz() {
  // Browsers refuse to vibrate a page the person has not touched yet.
  const touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
  if (navigator.vibrate && touched) navigator.vibrate([200, 100, 200]);
}

/** Tell a screen reader that the facilitator added time. */
export function sayExtended(minutes) {
  say(`The facilitator added ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`);
}

/**
 * Redraw the countdown of the exercise shown (null for none) at server time `now()`, with the
 * notice of time just added (`extension`, or null).
 */
export function tickClock(exercise, now, extension) {
  if (!exercise || !exercise.timer || exercise.status === "ended") return;
  if (said.exercise_id !== exercise.id) remember({ exercise_id: exercise.id, warned: null, over: null });
  const end = exercise.timer.duration_s;
  const left = remaining(exercise.timer, now());
  let text;
  let label = "Time left";
  let mode = "";
  if (left <= 0) {
    text = "Time's up";
    label = "Waiting for the facilitator";
    mode = "over";
    if (said.over !== end) {
      remember({ over: end });
      say("Time's up");
      buzz();
    }
  } else {
    text = clockText(left);
    if (left <= WARN_AT_S) {
      mode = "warning";
      if (said.warned !== end && said.over !== end) {
        remember({ warned: end });
        say("One minute left");
        buzz();
      }
    }
  }
  if (exercise.status === "paused") {
    label = "Paused";
    mode = `${mode} paused`.trim();
  }
  setText($("countdown"), text);
  setText($("clock-label"), label);
  const box = $("clock");
  box.classList.toggle("phone-clock-warning", mode.includes("warning"));
  box.classList.toggle("phone-clock-over", mode.includes("over"));
  box.classList.toggle("phone-clock-paused", mode.includes("paused"));
  const added = extension && extension.exercise_id === exercise.id && now() < extension.until ? extension : null;
  $("clock-extended").hidden = !added;
  if (added) setText($("clock-extended-minutes"), `+${added.minutes} min`);
}
