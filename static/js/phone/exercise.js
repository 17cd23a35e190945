// The exercise on the phone: its title, the candidate's group and role, the brief, and the
// group's answer with the box to write it in.
import { el } from "../realtime.js";
import { $, WAITING, feedback, once, setRich, setText, timeOf } from "./dom.js";

const KINDS = {
  group_discussion: "Group discussion",
  practical_task: "Practical task",
  case_study: "Case study",
  presentation: "Presentation",
  icebreaker: "Icebreaker",
};

/** Show the exercise (null hides it); `answer.dirty` means the candidate is editing the group's answer. */
export function renderExercise(state, exercise, { answer, pending }) {
  for (const id of ["exercise-head", "clock", "exercise"]) $(id).hidden = !exercise;
  if (!exercise) return;
  // Once it has ended the stage says so; a clock still reading "Time's up" would say it twice.
  $("clock").hidden = exercise.status === "ended";
  setText($("exercise-title"), exercise.title);
  setText($("exercise-kind"), KINDS[exercise.kind] || "Exercise");
  const mine = state.assignment && state.assignment.exercise_id === exercise.id ? state.assignment : null;
  renderTeam(state, mine);
  renderRole(mine ? mine.role : null);
  $("brief").hidden = !exercise.brief_html;
  // Sanitised on the server (Markdown rendered, then an allow-list): the only HTML set here.
  once("brief", exercise.brief_html, () => setRich($("brief-body"), exercise.brief_html));
  renderOutput(state, exercise, mine, answer, pending);
}

function renderTeam(state, mine) {
  $("team").hidden = !mine;
  $("no-group").hidden = !!mine;
  if (!mine) return;
  const group = mine.group;
  once("team", JSON.stringify(group), () => {
    $("team-heading").textContent = `Your group: ${group.name}`;
    $("team-list").replaceChildren(
      ...group.members.map((member) => {
        const me = member.id === state.me.id;
        return el("li", { className: me ? "phone-me" : null }, member.name, me ? " " : null, me ? el("span", { className: "phone-you", text: "you" }) : null);
      }),
    );
  });
}

function renderRole(role) {
  $("role").hidden = !role;
  if (!role) return;
  setText($("role-title"), role.title);
  // Sanitised server HTML, like the brief.
  once("role", role.body_html, () => setRich($("role-body"), role.body_html));
}

function renderOutput(state, exercise, mine, answer, pending) {
  const shown = Boolean(exercise.output_prompt && mine);
  $("output").hidden = !shown;
  if (!shown) return;
  setText($("output-prompt"), exercise.output_prompt);
  const output = state.output;
  once("output", JSON.stringify(output === undefined ? "unknown" : output), () => {
    if (!output) {
      const text = output === undefined
        ? "You have moved to another group. Its latest answer will show here after its next submission."
        : "Nobody in your group has submitted yet.";
      $("output-latest").replaceChildren(el("p", { className: "phone-muted", text }));
      return;
    }
    const who = output.submitted_by === state.me.id ? "you" : output.submitted_by_name;
    $("output-latest").replaceChildren(
      el("p", { className: "phone-meta", text: `Latest: version ${output.version}, submitted by ${who} at ${timeOf(output.submitted_at)}` }),
      el("p", { className: "phone-latest-text", text: output.text }),
    );
  });
  once("output-exercise", exercise.id, () => {
    // A new exercise starts with an empty answer box.
    $("output-text").value = "";
    answer.dirty = false;
    feedback("output", "");
  });
  const open = exercise.status === "running" || exercise.status === "paused";
  $("output-form").hidden = !open;
  if (open && !answer.dirty && output) {
    if ($("output-text").value !== output.text) $("output-text").value = output.text;
  }
  const waiting = pending("submit_group_output").some((p) => p.exercise_id === exercise.id);
  if (waiting) feedback("output", WAITING, "waiting");
}
