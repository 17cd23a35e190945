// Exercises in the control room: the list to pick from, and the picked one in detail with
// its clock, the buttons that run it, its brief, its groups and the groups' outputs.
import { el } from "../realtime.js";
import { clockBlock, tickClock } from "./clock.js";
import { act, commandButton } from "./commands.js";
import { groupsBlock } from "./groups.js";
import { $, ACTIVE, WORKING, plural, swap, timeNode } from "./page.js";

const RUN_LABELS = { not_started: "Not started", grouped: "Groups formed", running: "Running", paused: "Paused", ended: "Ended" };
const KIND_LABELS = {
  group_discussion: "Group discussion", practical_task: "Practical task", case_study: "Case study",
  presentation: "Presentation", icebreaker: "Icebreaker",
};

let model = null;
let now = null;
let chosen = null; // the exercise the facilitator picked; null follows the running or next one
let briefOpen = false;

/** Take the page's model and the server clock. */
export function connectExercises(hooks) {
  ({ model, now } = hooks);
}

/** Show the running or next exercise again rather than the one picked by hand. */
export function followCurrent() {
  chosen = null;
}

/** Keep showing this exercise unless the facilitator picked one by hand. */
export function keepShowing(exerciseId) {
  if (chosen === null) chosen = exerciseId;
}

/** Redraw the clock of the exercise shown; runs several times a second. */
export function tick() {
  tickClock(model, now);
}

function focusedExercise() {
  const list = model.exercises;
  if (chosen && list.some((e) => e.id === chosen)) return list.find((e) => e.id === chosen);
  return list.find((e) => ACTIVE.has(e.status))
    || list.find((e) => e.status === "grouped")
    || list.find((e) => e.status === "not_started")
    || list[list.length - 1]
    || null;
}

function activeExercise() {
  return model.exercises.find((e) => ACTIVE.has(e.status)) || null;
}

/** Draw the list of exercises and the one in focus. */
export function renderExercises() {
  const focus = focusedExercise();
  const items = model.exercises.map((exercise, index) => {
    const pick = el("button", {
      type: "button", className: "exercise-pick", "data-key": `pick:${exercise.id}`,
      "aria-current": focus && focus.id === exercise.id ? "true" : null,
    },
    el("span", { className: "exercise-number", text: String(index + 1) }),
    el("span", { className: "exercise-name", text: exercise.title }),
    el("span", { className: "exercise-sub", text: `${KIND_LABELS[exercise.kind] || exercise.kind} · ${exercise.duration_minutes} min` }),
    el("span", { className: `badge run-badge run-${exercise.status}`, text: RUN_LABELS[exercise.status] || exercise.status }));
    pick.addEventListener("click", () => { chosen = exercise.id; renderExercises(); });
    return el("li", {}, pick);
  });
  swap($("exercise-list"), items.length ? items : [el("li", { className: "empty", text: "This session has no exercises yet." })]);
  swap($("exercise-detail"), focus ? exerciseDetail(focus) : []);
  tick();
}

function exerciseDetail(exercise) {
  const run = model.runs[exercise.id] || null;
  const facts = [
    KIND_LABELS[exercise.kind] || exercise.kind,
    `${exercise.duration_minutes} min`,
    `groups of ${exercise.group_size}`,
    exercise.has_output ? "group output" : null,
  ].filter(Boolean).join(" · ");
  const nodes = [
    el("div", { className: "detail-head" },
      el("h3", { text: exercise.title }),
      el("span", { className: `badge run-badge run-${exercise.status}`, text: RUN_LABELS[exercise.status] || exercise.status })),
    el("p", { className: "muted", text: facts }),
  ];
  if (run && run.timer && exercise.status !== "grouped") nodes.push(clockBlock(exercise));
  nodes.push(...controls(exercise));
  if (run && run.brief_html) nodes.push(briefBlock(run.brief_html));
  nodes.push(groupsBlock(exercise, run, model));
  if (exercise.has_output && run && exercise.status !== "grouped") nodes.push(outputsBlock(exercise, run));
  return nodes;
}

function briefBlock(html) {
  const body = el("div", { className: "brief" });
  body.innerHTML = html; // sanitised on the server (Markdown rendered and cleaned)
  const details = el("details", { className: "brief-details" }, el("summary", { text: "Brief" }), body);
  details.open = briefOpen;
  details.addEventListener("toggle", () => { briefOpen = details.open; });
  return details;
}

function controls(exercise) {
  const { state } = model.session;
  const id = exercise.id;
  const row = el("div", { className: "button-row" });
  const hints = [];
  if (exercise.status === "not_started" || exercise.status === "grouped") {
    const regroup = exercise.status === "grouped";
    row.append(commandButton({
      text: regroup ? "Re-form groups" : "Form groups", key: `form:${id}`, blocked: !WORKING.has(state),
      onPress: () => {
        if (regroup && !window.confirm("Form new groups? Moves made by hand will be lost.")) return;
        act(`form:${id}`, "form_groups", { exercise_id: id }, "Groups formed.");
      },
    }));
    const other = activeExercise();
    row.append(commandButton({
      text: "Start exercise", key: `start:${id}`, className: "button button-primary", blocked: state !== "live" || other !== null,
      onPress: () => act(`start:${id}`, "start_exercise", { exercise_id: id }, `“${exercise.title}” started.`),
    }));
    if (state === "draft") hints.push("Open the lobby to form groups, and go live to start.");
    else if (state === "open") hints.push("Go live to start this exercise.");
    else if (state !== "live") hints.push("The session is over; exercises can no longer run.");
    if (other) hints.push(`“${other.title}” is still running; end it before starting another.`);
    if (!regroup && state === "live") hints.push("Starting forms groups automatically if you have not.");
  } else if (ACTIVE.has(exercise.status)) {
    if (exercise.status === "running") {
      row.append(commandButton({ text: "Pause", key: `clock:${id}`, onPress: () => act(`clock:${id}`, "pause_exercise", { exercise_id: id }, "Paused.") }));
    } else {
      row.append(commandButton({ text: "Resume", key: `clock:${id}`, className: "button button-primary", onPress: () => act(`clock:${id}`, "resume_exercise", { exercise_id: id }, "Resumed.") }));
    }
    for (const minutes of [1, 5]) {
      row.append(commandButton({
        text: `+${minutes} min`, key: `extend:${id}:${minutes}`, label: `Extend by ${plural(minutes, "minute")}`,
        onPress: () => act(`extend:${id}:${minutes}`, "extend_exercise", { exercise_id: id, minutes }, `Extended by ${plural(minutes, "minute")}.`),
      }));
    }
    row.append(commandButton({
      text: "End exercise", key: `end:${id}`, className: "button button-danger",
      onPress: () => {
        if (!window.confirm(`End “${exercise.title}” now? It cannot be restarted.`)) return;
        act(`end:${id}`, "end_exercise", { exercise_id: id }, `“${exercise.title}” ended.`);
      },
    }));
  } else if (exercise.status === "ended") {
    const next = model.exercises.find((e) => e.status === "not_started" || e.status === "grouped");
    if (next) {
      const button = el("button", { type: "button", className: "button button-primary", text: `Next: ${next.title}`, "data-key": `next:${next.id}` });
      button.addEventListener("click", () => { chosen = next.id; renderExercises(); });
      row.append(button);
    } else {
      hints.push("Every exercise has run.");
    }
  }
  return [row.childElementCount ? row : null, ...hints.map((text) => el("p", { className: "hint", text }))];
}

function outputsBlock(exercise, run) {
  const names = new Map((run.groups || []).map((g) => [g.id, g.name]));
  const outputs = [...model.outputs.values()].filter((o) => o.exercise_id === exercise.id);
  const wrap = el("div", { className: "outputs-block" }, el("h4", { className: "subhead", text: "Group outputs" }));
  for (const output of outputs.sort((a, b) => (names.get(a.group_id) || a.group_id).localeCompare(names.get(b.group_id) || b.group_id))) {
    wrap.append(el("article", { className: "output" },
      el("h5", { className: "group-name", text: names.get(output.group_id) || `Group ${output.group_id}` }),
      el("p", { className: "output-meta" },
        `Version ${output.version} · ${output.submitted_by_name || "a member"} · `, timeNode(output.submitted_at)),
      el("p", { className: "output-text", text: output.text })));
  }
  const waiting = (run.groups || []).filter((g) => !model.outputs.has(`${exercise.id}:${g.id}`)).map((g) => g.name);
  if (waiting.length) wrap.append(el("p", { className: "muted", text: `No output yet from ${waiting.join(", ")}.` }));
  return wrap;
}
