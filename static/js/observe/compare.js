// Comparing with the panel: once the observer may see them, the other observers' ratings and
// observations of a candidate, side by side with their own.
import { el } from "../realtime.js";
import { competencyById, indicatorById, mmss, nameOf } from "./state.js";
import { SIGN } from "./ui.js";

/** Ask the server for the panel's evidence about a card's candidate and show it under the card. */
export async function comparePanel(card, live, me) {
  const box = card.compareBox;
  box.hidden = false;
  box.replaceChildren(el("p", { className: "muted", text: "Loading the panel's evidence…" }));
  const ack = await live.request("read_evidence", { exercise_id: card.exercise.id, candidate_id: card.candidateId });
  if (!ack || !ack.ok) {
    box.replaceChildren(el("p", { className: "notice notice-warning", text: (ack && ack.error && ack.error.message) || "The server did not answer. Try again." }));
    return;
  }
  box.replaceChildren(...compareView(card, ack.result, me));
  box.focus();
}

function compareView(card, result, me) {
  const exercise = card.exercise;
  // Other observers are shown without names: the evidence matters, not who wrote it.
  const labels = new Map([[me, "You"]]);
  const label = (id) => {
    if (!labels.has(id)) labels.set(id, `Observer ${String.fromCharCode(64 + labels.size)}`);
    return labels.get(id);
  };
  const ratings = result.ratings.filter((r) => r.exercise_id === exercise.id && r.candidate_id === card.candidateId)
    .sort((a, b) => (a.observer_id === me ? -1 : b.observer_id === me ? 1 : 0));
  ratings.forEach((r) => label(r.observer_id));
  const nodes = [el("h4", { text: "The panel's ratings" })];
  if (!ratings.length) nodes.push(el("p", { className: "muted", text: "Nobody has rated this candidate in this exercise yet." }));
  else {
    const head = el("tr", {}, el("th", { scope: "col", text: "Competency" }),
      ...ratings.map((r) => el("th", { scope: "col", text: `${label(r.observer_id)}${r.status === "submitted" ? "" : " (draft)"}` })));
    const rows = exercise.competency_ids.map((cid) => {
      const competency = competencyById(cid);
      return el("tr", {}, el("th", { scope: "row", text: competency ? competency.name : cid }),
        ...ratings.map((r) => {
          const score = r.scores[cid];
          return el("td", {}, el("span", { className: "compare-score", text: score ? String(score.score) : "–" }),
            score && score.evidence ? el("span", { className: "compare-evidence", text: score.evidence }) : null);
        }));
    });
    nodes.push(el("div", { className: "table-wrap" }, el("table", { className: "compare-table" },
      el("caption", { className: "visually-hidden", text: `Scores for ${nameOf(card.candidateId)} in ${exercise.title}` }),
      el("thead", {}, head), el("tbody", {}, ...rows))));
  }
  const others = result.observations.filter((o) => o.observer_id !== me && !o.deleted)
    .sort((a, b) => a.observer_id.localeCompare(b.observer_id) || a.recorded_at - b.recorded_at);
  nodes.push(el("h4", { text: "Other observers' observations" }));
  if (!others.length) nodes.push(el("p", { className: "muted", text: "The other observers recorded nothing about this candidate here." }));
  else {
    nodes.push(el("ol", { className: "compare-list" }, ...others.map((o) => {
      const indicator = o.indicator_id ? indicatorById(o.indicator_id) : null;
      return el("li", { className: `tl-${o.polarity || "neutral"}` },
        el("span", { className: "tl-clock", text: mmss(o.clock_s) }),
        el("span", { className: "compare-who", text: label(o.observer_id) }),
        indicator ? el("span", {}, el("span", { className: "tl-sign", "aria-hidden": "true", text: SIGN[indicator.polarity] }),
          el("span", { className: "visually-hidden", text: indicator.polarity === "positive" ? "Positive: " : "Negative: " }),
          ` ${indicator.text}`) : null,
        o.note ? el("span", { className: "compare-note", text: o.note }) : null);
    })));
  }
  return nodes;
}
