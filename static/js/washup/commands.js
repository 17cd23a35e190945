// The facilitator's controls: who is discussed and in what order, the evidence toggle, and
// the consensus, decision and reopen forms. Each is one socket command; a refusal is shown
// next to the form that sent it, in the server's words.
import { $, clearAlert, notify, showAlert } from "./ui.js";
import { currentOrder, shownSection } from "./stage.js";

let live = null;
let model = null;
let applyWashup = () => {};

/** Wire the controls to the connection; `apply` draws the wash-up state the server returns. */
export function connectCommands(connection, state, apply) {
  live = connection;
  model = state;
  applyWashup = apply;
  $("previous-candidate").addEventListener("click", () => step(-1));
  $("next-candidate").addEventListener("click", () => step(1));
  $("order").addEventListener("click", onOrderClick);
  const stage = $("stage");
  stage.addEventListener("submit", onSubmit);
  // <details> toggles do not bubble; listen in the capture phase.
  stage.addEventListener("toggle", onToggle, true);
}

async function move(payload, key) {
  const ack = await live.command("move_washup", payload);
  if (!ack.ok) {
    showAlert(ack.error.message);
    return false;
  }
  clearAlert();
  applyWashup(ack.result);
  if (key) notify(key);
  return true;
}

function step(by) {
  const order = currentOrder();
  const at = order.indexOf(model.current);
  const next = order[at + by];
  if (next === undefined) {
    notify(by > 0 ? "That was the last candidate." : "This is the first candidate.");
    return;
  }
  move({ candidate_id: next, stage: "ratings" });
}

function onOrderClick(event) {
  const button = event.target.closest("button");
  if (!button) return;
  const row = button.closest("[data-candidate]");
  const id = row.dataset.candidate;
  if (button.hasAttribute("data-discuss")) {
    move({ candidate_id: id, stage: "ratings" });
    return;
  }
  const order = currentOrder();
  const at = order.indexOf(id);
  const to = button.dataset.move === "up" ? at - 1 : at + 1;
  if (to < 0 || to >= order.length) return;
  [order[at], order[to]] = [order[to], order[at]];
  // The one on screen stays on screen, also for whoever opens the page afresh.
  move({ order, candidate_id: model.current }).then((done) => {
    // Keep the keyboard on the same button of the row that moved.
    if (done) row.querySelector(`[data-move="${button.dataset.move}"]`).focus();
  });
}

function onToggle(event) {
  const details = event.target;
  if (!details.matches || !details.matches("details[data-evidence]")) return;
  if (details.closest("[data-candidate]") !== shownSection()) return;
  const stage = details.open ? "evidence" : "ratings";
  // Opened by the server's own move: nothing to send.
  if (stage === model.stage) return;
  model.stage = stage;
  move({ stage });
}

function candidateOf(form) {
  return form.closest("[data-candidate]").dataset.candidate;
}

function say(form, message, tone) {
  const status = form.querySelector(".form-status");
  status.textContent = message;
  status.dataset.tone = tone;
}

async function send(form, name, payload, done) {
  const button = form.querySelector("button[type=submit]");
  if (button.getAttribute("aria-disabled") === "true") return false;
  button.setAttribute("aria-disabled", "true");
  say(form, "Saving…", "");
  const ack = await live.command(name, payload);
  button.removeAttribute("aria-disabled");
  if (!ack.ok) {
    say(form, ack.error.message, "error");
    return false;
  }
  say(form, done, "done");
  form.reset();
  return true;
}

/** Check the radio button with this value again (after the form was cleared). */
function keepChoice(form, name, value) {
  const radio = form.querySelector(`input[name="${name}"][value="${CSS.escape(value)}"]`);
  if (radio) radio.checked = true;
}

function onSubmit(event) {
  const form = event.target;
  event.preventDefault();
  const candidate_id = candidateOf(form);
  const values = new FormData(form);
  if (form.hasAttribute("data-consensus-form")) {
    const score = values.get("score");
    if (!score) {
      say(form, "Choose the agreed score, from 1 to 5.", "error");
      return;
    }
    send(form, "record_consensus", {
      candidate_id, competency_id: form.dataset.competency, score: Number(score), note: values.get("note") || "",
    }, `Agreed score ${score} recorded.`).then((done) => {
      // The agreed score stays chosen, as the record above now shows it.
      if (done) keepChoice(form, "score", score);
    });
  } else if (form.hasAttribute("data-decision-form")) {
    const outcome = values.get("outcome");
    if (!outcome) {
      say(form, "Choose an outcome: Offer, Next round, Hold or Reject.", "error");
      return;
    }
    send(form, "record_decision", { candidate_id, outcome, rationale: values.get("rationale") || "" }, "Decision recorded.")
      .then((done) => { if (done) keepChoice(form, "outcome", outcome); });
  } else if (form.hasAttribute("data-reopen-form")) {
    const [exercise_id, observer_id] = String(values.get("rating") || "").split("|");
    send(form, "reopen_rating", { exercise_id, candidate_id, observer_id, reason: values.get("reason") || "" },
      "Reopened: the observer can change and submit it again.");
  }
}
