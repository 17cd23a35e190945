// The admission queue: phones whose typed name or reused personal link cannot say who holds
// them wait here until the facilitator lets each in as the person it is, as a new walk-in, or
// turns it away. Nobody takes an identity someone holds without a person deciding.
import { el } from "../realtime.js";
import { act, commandButton } from "./commands.js";
import { $, swap, timeNode } from "./page.js";

let model = null;
let now = null;

/** Take the page's model (its `admissions` map) and the server clock. */
export function connectAdmissions(hooks) {
  ({ model, now } = hooks);
}

/** Applying the queue's events; each returns the parts of the page to draw again. */
export const admissionReducers = {
  admission_requested(data) { model.admissions.set(data.id, data); return ["admissions"]; },
  admission_decided(data) { model.admissions.delete(data.id); return ["admissions", "lobby"]; },
};

// The roster entry as the lobby knows it now (it may have checked in since the phone asked).
function current(match) {
  return { ...match, ...(model.candidates.get(match.id) || {}) };
}

function reason(admission, people) {
  const names = people.map((p) => p.name);
  if (admission.asked === "second_device") return `${names[0]}'s personal link was opened on a second phone.`;
  if (admission.asked === "checked_in") {
    return `This phone typed the name of ${names[0]}, who has already checked in on another phone.`;
  }
  return `This phone typed a name that ${names.length} people on the roster share: ${names.join(", ")}.`;
}

function admitButton(admission, person) {
  const key = `admission:${admission.id}`;
  const replaces = person.status === "checked_in";
  const text = admission.asked === "second_device" ? "Let this phone in" : `Admit as ${person.name}`;
  return commandButton({
    text: replaces ? `${text}, signing out the other phone` : text,
    key, className: "button button-small button-primary",
    onPress: () => {
      if (replaces && !window.confirm(`Let this phone in as ${person.name}? The phone ${person.name} checked in with is signed out at once.`)) return;
      act(key, "admit_candidate", { admission_id: admission.id, candidate_id: person.id }, `Let in as ${person.name}.`);
    },
  });
}

function admissionItem(admission) {
  const key = `admission:${admission.id}`;
  const named = admission.matches.map(current);
  const people = named.filter((p) => p.status !== "removed");
  const buttons = people.map((person) => admitButton(admission, person));
  if (admission.asked !== "second_device") {
    buttons.push(commandButton({
      text: "Admit as a new walk-in", key, className: "button button-small",
      onPress: () => act(key, "admit_candidate", { admission_id: admission.id, candidate_id: null }, `${admission.name} was let in as a walk-in.`),
    }));
  }
  buttons.push(commandButton({
    text: "Refuse", key, className: "button button-small button-danger",
    onPress: () => act(key, "refuse_admission", { admission_id: admission.id }, "That phone was turned away."),
  }));
  return el("li", { className: "question", "data-admission": admission.id },
    el("p", { className: "question-meta" },
      el("strong", { dir: "auto", text: admission.name }), " · asked at ", timeNode(admission.requested_at)),
    el("p", { className: "question-text", text: reason(admission, named) }),
    el("div", { className: "button-row", role: "group", "aria-label": `Answer ${admission.name}'s phone` }, ...buttons));
}

/** Draw the phones waiting to be let in (the part hides when none waits). */
export function renderAdmissions() {
  const at = now();
  const waiting = [...model.admissions.values()]
    .filter((a) => a.expires_at > at)
    .sort((a, b) => a.requested_at - b.requested_at);
  $("admissions").hidden = waiting.length === 0;
  $("admissions-count").textContent = waiting.length ? `${waiting.length} waiting` : "";
  swap($("admission-list"), waiting.map(admissionItem));
}
