// The candidate's questions to the panel and the portfolio link they shared, including those
// still waiting on the phone to be sent.
import { el } from "../realtime.js";
import { $, once, setText, syncList, timeOf } from "./dom.js";

const WRITABLE = new Set(["open", "live"]); // the session states in which candidates may send

/** Show the candidate's questions, newest first, with those waiting to be sent on top. */
export function renderQuestions(state, finished, pending) {
  const writable = WRITABLE.has(state.session.state);
  $("questions").hidden = finished || !writable;
  const known = new Set(state.questions.map((q) => q.id));
  const waiting = pending("ask_question").filter((p) => !known.has(p.id)).reverse();
  const asked = [...state.questions].sort((a, b) => b.asked_at - a.asked_at);
  const items = [...waiting.map((p) => ({ id: p.id, text: p.text, waiting: true })), ...asked];
  $("my-questions").hidden = items.length === 0;
  syncList(
    $("question-list"),
    items,
    () => el("li", { className: "phone-question" }, el("p", { className: "phone-question-text" }), el("p", { className: "phone-meta" }), el("p", { className: "phone-answer" })),
    (node, q) => {
      const [text, status, answer] = node.children;
      setText(text, q.text);
      let label = "Waiting to send";
      if (!q.waiting) label = q.answered_at ? `Answered at ${timeOf(q.answered_at)}` : `Sent at ${timeOf(q.asked_at)} · waiting for an answer`;
      setText(status, label);
      node.dataset.state = q.waiting ? "waiting" : q.answered_at ? "answered" : "sent";
      answer.hidden = !q.answer;
      setText(answer, q.answer || "");
    },
  );
}

/** Show the portfolio link shared, or the one waiting to be sent. */
export function renderPortfolio(state, finished, pending) {
  $("portfolio").hidden = finished || !WRITABLE.has(state.session.state);
  const waiting = pending("share_portfolio").at(-1);
  const url = waiting ? waiting.url : state.me.portfolio_url;
  const current = $("portfolio-current");
  current.hidden = !url;
  once("portfolio", JSON.stringify([url, Boolean(waiting)]), () => {
    if (!url) return current.replaceChildren();
    const link = /^https?:\/\//i.test(url)
      ? el("a", { href: url, rel: "noopener noreferrer nofollow", target: "_blank", text: url })
      : el("span", { text: url });
    current.replaceChildren(waiting ? "Waiting to send: " : "You shared: ", link);
  });
}
