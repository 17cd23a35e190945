// The phone's countdown. It runs on the server's clock: an end instant while running, the rest
// while paused. A minute before the end, and at the end, it says so and buzzes once.
import { remaining } from "../realtime.js";
import { $, setText } from "./dom.js";

const WARN_AT_S = 60;
const clock = { exerciseId: null, warned: false, over: false };

function twoDigits(n) {
  return String(n).padStart(2, "0");
}

function clockText(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  return `${twoDigits(Math.floor(total / 60))}:${twoDigits(total % 60)}`;
}

function say(text) {
  $("clock-alert").textContent = text;
}

function buzz() {
  // Browsers refuse to vibrate a page the person has not touched yet.
  const touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
  if (navigator.vibrate && touched) navigator.vibrate([200, 100, 200]);
}

/** Redraw the countdown of the exercise shown (null for none) at server time `now()`. */
export function tickClock(exercise, now) {
  if (!exercise || !exercise.timer) return;
  if (clock.exerciseId !== exercise.id) Object.assign(clock, { exerciseId: exercise.id, warned: false, over: false });
  let text;
  let label = "Time left";
  let mode = "";
  if (exercise.status === "ended") {
    text = "Time's up";
    label = "Finished";
    mode = "over";
  } else {
    const left = remaining(exercise.timer, now());
    if (left > WARN_AT_S + 15) clock.warned = false; // extended: warn again when it comes round
    if (left > 0) clock.over = false;
    if (left <= 0) {
      text = "Time's up";
      label = "Waiting for the facilitator";
      mode = "over";
      if (!clock.over) {
        clock.over = true;
        say("Time's up");
        buzz();
      }
    } else {
      text = clockText(left);
      if (left <= WARN_AT_S) {
        mode = "warning";
        if (!clock.warned) {
          clock.warned = true;
          say("One minute left");
          buzz();
        }
      }
    }
    if (exercise.status === "paused") {
      label = "Paused";
      mode = `${mode} paused`.trim();
    }
  }
  setText($("countdown"), text);
  setText($("clock-label"), label);
  const box = $("clock");
  box.classList.toggle("phone-clock-warning", mode.includes("warning"));
  box.classList.toggle("phone-clock-over", mode.includes("over"));
  box.classList.toggle("phone-clock-paused", mode.includes("paused"));
  box.classList.toggle("phone-clock-ended", exercise.status === "ended");
}
