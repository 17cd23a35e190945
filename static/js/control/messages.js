// Messages in the control room: announcements to everyone or one group, and candidates'
// questions with the facilitator's answers.
import { el } from "../realtime.js";
import { act, commandButton, isBusy, markBusy, showAlert } from "./commands.js";
import { $, ACTIVE, WORKING, swap, timeNode } from "./page.js";

let model = null;
const drafts = new Map(); // question id -> answer being typed, kept across re-renders

/** Take the page's model, and wire the announcement form. */
export function connectMessages(hooks) {
  ({ model } = hooks);
  $("announce-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = $("announce-text");
    const text = field.value.trim();
    if (!text) {
      showAlert("Write the announcement first.");
      field.focus();
      return;
    }
    const target = $("announce-target").value;
    const ok = await act("announce", "announce", { text, group_id: target || null },
      target ? `Sent to ${groupName(target)}.` : "Sent to everyone.");
    if (ok) field.value = "";
  });
}

/** Drop the answer typed for a question that has been answered. */
export function forgetDraft(questionId) {
  drafts.delete(questionId);
}

// ---- announcements ----

// Announcements go to the groups of the exercise under way, if any.
function currentGroups() {
  const run = model.current ? model.runs[model.current] : null;
  return run && ACTIVE.has(run.status) ? run.groups || [] : [];
}

function groupName(groupId) {
  const run = model.current ? model.runs[model.current] : null;
  const group = run ? (run.groups || []).find((g) => g.id === groupId) : null;
  return group ? group.name : "one group";
}

/** Draw the announcement form's choices and the announcements sent so far, newest first. */
export function renderAnnouncements() {
  const select = $("announce-target");
  const keep = select.value;
  const groups = currentGroups();
  select.replaceChildren(el("option", { value: "", text: "Everyone" }),
    ...groups.map((g) => el("option", { value: g.id, text: `${g.name} only` })));
  select.value = groups.some((g) => g.id === keep) ? keep : "";

  const send = $("announce-send");
  send.disabled = !WORKING.has(model.session.state);
  markBusy(send, isBusy("announce"));
  $("announce-hint").hidden = !send.disabled;

  const items = [...model.announcements].sort((a, b) => b.sent_at - a.sent_at).map((item) => el("li", { className: "announcement" },
    el("p", { className: "announcement-text", text: item.text }),
    el("p", { className: "muted" }, item.group_id ? `To ${groupName(item.group_id)} · ` : "To everyone · ", timeNode(item.sent_at))));
  swap($("announcement-list"), items);
}

// ---- questions ----

/** Draw the questions: those waiting first (oldest first), then those answered (newest first). */
export function renderQuestions() {
  const all = [...model.questions.values()];
  const open = all.filter((q) => q.answered_at == null).sort((a, b) => a.asked_at - b.asked_at);
  const done = all.filter((q) => q.answered_at != null).sort((a, b) => b.answered_at - a.answered_at);
  swap($("question-list"), [...open, ...done].map(questionItem));
  $("questions-empty").hidden = all.length > 0;
  $("questions-count").textContent = open.length ? `${open.length} waiting` : "";
}

function questionItem(question) {
  const answered = question.answered_at != null;
  const item = el("li", { className: "question", "data-answered": String(answered) },
    el("p", { className: "question-meta" },
      el("strong", { text: question.candidate_name || "A candidate" }), " · ", timeNode(question.asked_at)),
    el("p", { className: "question-text", text: question.text }));
  if (answered) {
    item.append(el("p", { className: "answer" },
      el("span", { className: "badge badge-positive", text: "Answered" }), " ",
      question.answer ? el("span", { text: question.answer }) : el("span", { className: "muted", text: "(answered in person)" })));
    return item;
  }
  const fieldId = `answer-${question.id}`;
  const key = `answer:${question.id}`;
  const input = el("input", { type: "text", id: fieldId, maxlength: "1000", "data-key": fieldId, autocomplete: "off" });
  input.value = drafts.get(question.id) || "";
  input.addEventListener("input", () => drafts.set(question.id, input.value));
  // A submit button: the form's submit handler sends the command (Enter in the field works too).
  const button = commandButton({ text: "Mark answered", key, className: "button button-small button-primary", onPress: () => {} });
  button.type = "submit";
  const form = el("form", { className: "answer-form" },
    el("label", { for: fieldId, text: "Answer (optional, the candidate sees it)" }), input, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = input.value.trim();
    const ok = await act(key, "answer_question", { question_id: question.id, answer: answer || null }, "Marked answered.");
    if (ok) drafts.delete(question.id);
  });
  item.append(form);
  return item;
}
