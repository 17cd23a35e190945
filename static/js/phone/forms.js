// The phone's writes: a question, a portfolio link and the group's answer. Each is kept on the
// phone until the server answers, and shown as "waiting to send" meanwhile.
import { $, WAITING, feedback } from "./dom.js";

const FORMS = { ask_question: "question", share_portfolio: "portfolio", submit_group_output: "output" };

let live = null;
let answer = null;
let isGone = null;
let currentExercise = null;
let render = null;

/** Take the connection and the page's state and redraw, and wire the three forms. */
export function connectForms(hooks) {
  ({ live, answer, isGone, currentExercise, render } = hooks);

  $("question-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("question-text");
    const text = box.value.trim();
    if (!text) return feedback("question", "Type your question first.", "problem");
    box.value = "";
    submit("ask_question", { text });
  });

  $("portfolio-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("portfolio-url");
    let url = box.value.trim();
    if (url && !/^[a-z][a-z0-9+.-]*:/i.test(url) && url.includes(".")) url = `https://${url}`;
    if (!isWebAddress(url)) return feedback("portfolio", "Give a full web address that starts with https://", "problem");
    box.value = "";
    submit("share_portfolio", { url });
  });

  $("output-text").addEventListener("input", () => { answer.dirty = true; });

  $("output-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const exercise = currentExercise();
    const text = $("output-text").value;
    if (!exercise || !text.trim()) return feedback("output", "Write your group's answer first.", "problem");
    submit("submit_group_output", { exercise_id: exercise.id, text });
  });
}

async function submit(name, payload) {
  const where = FORMS[name];
  feedback(where, "Sending…");
  const ack = await live.send(name, payload);
  if (ack.queued) feedback(where, WAITING, "waiting");
  render();
}

/** Show how a write the server has now answered went; a refusal gives back what was typed. */
export function delivered(item, ack) {
  const where = FORMS[item.name];
  if (!where || isGone()) return;
  if (ack.ok) {
    const done = { question: "Question sent to the panel.", portfolio: "Link shared with the panel.", output: "Submitted for your group." };
    feedback(where, done[where], "ok");
    if (where === "output") answer.dirty = false;
  } else {
    feedback(where, (ack.error && ack.error.message) || "That did not work. Please try again.", "problem");
    // Give back what was typed, so a refusal loses nothing.
    const box = $({ question: "question-text", portfolio: "portfolio-url", output: "output-text" }[where]);
    if (!box.value.trim()) box.value = item.payload.text || item.payload.url || "";
    if (where === "output") answer.dirty = true;
  }
  render();
}

function isWebAddress(text) {
  if (/\s/.test(text) || text.length > 500) return false;
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && Boolean(url.hostname);
  } catch (err) {
    return false;
  }
}
