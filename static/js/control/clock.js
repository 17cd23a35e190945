// The exercise clock in the control room, counted down against the server's clock.
import { el, formatClock, remaining } from "../realtime.js";
import { $ } from "./page.js";

/** The empty clock for an exercise; `tickClock` fills it in. */
export function clockBlock(exercise) {
  return el("div", { className: "clock-block", id: "clock-block", "data-exercise-id": exercise.id },
    el("p", { className: "clock", id: "clock", role: "timer", "aria-label": "Time left" }),
    el("p", { className: "clock-state", id: "clock-state" }));
}

/** Redraw the clock from the server's end instant; runs several times a second. */
export function tickClock(model, now) {
  const block = $("clock-block");
  if (!block) return;
  const exercise = model.exercises.find((e) => e.id === block.dataset.exerciseId);
  const run = model.runs[block.dataset.exerciseId];
  if (!exercise || !run || !run.timer) return;
  const left = remaining(run.timer, now());
  let state = "running";
  let label = "Running";
  if (exercise.status === "ended") { state = "ended"; label = left > 0 ? "Ended early" : "Ended"; }
  else if (exercise.status === "paused") { state = "paused"; label = "Paused"; }
  else if (left <= 0) { state = "over"; label = "Time’s up"; }
  const text = formatClock(left);
  const clock = $("clock");
  if (clock.textContent !== text) clock.textContent = text;
  block.dataset.state = state;
  const detail = `${label} · ${formatClock(run.timer.duration_s)} in all`;
  if ($("clock-state").textContent !== detail) $("clock-state").textContent = detail;
}
