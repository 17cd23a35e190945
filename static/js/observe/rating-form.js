// One competency of a rating card: a fold of its own (one open at a time on the page, so the
// page stays short and every score shows in the summaries), the anchored 1-5 scale in readable type, the evidence box, and beside them the
// observer's own observations of that candidate for that competency, which "Fill from my
// observations" turns into sentences.
import { el } from "../realtime.js";
import { clockOf, indicatorById, nameOf, observations } from "./state.js";
import { SIGN, reconcile } from "./ui.js";

export const MAX_EVIDENCE = 2000;

/** My observations of a candidate in an exercise that bear on a competency (notes without one count for all), oldest first. */
export function ownObservations(exercise, candidateId, competencyId) {
  return [...observations().values()]
    .filter((o) => o.exercise_id === exercise.id && o.candidate_id === candidateId && !o.deleted && o.state !== "failed")
    .filter((o) => o.competency_id === competencyId || (!o.indicator_id && !o.competency_id && o.note))
    .filter((o) => (o.indicator_id && indicatorById(o.indicator_id)) || o.note)
    .sort((a, b) => a.recorded_at - b.recorded_at || (a.id < b.id ? -1 : 1));
}

/** An observation as a sentence for the evidence: "01:52 (+) States a point clearly: 'note'". */
export function evidenceLine(o) {
  const indicator = o.indicator_id ? indicatorById(o.indicator_id) : null;
  const clock = clockOf(o).text;
  const note = o.note ? `'${o.note}'` : "";
  if (!indicator) return `${clock} Note: ${note}`;
  const sign = indicator.polarity === "positive" ? "+" : "-";
  return `${clock} (${sign}) ${indicator.text}${note ? `: ${note}` : ""}`;
}

/**
 * Build one competency's fold for a card; `onEdit(cid)` after a score or evidence changes,
 * `onFill(competency)` for the fill button. Returns its node; its parts go in `card.inputs`.
 */
export function buildCompetency(card, competency, safe, { onEdit, onFill }) {
  const cid = competency.id;
  const name = `score-${safe}-${cid}`;
  const radios = [];
  const options = competency.anchors.map((anchor, index) => {
    const score = index + 1;
    const id = `${name}-${score}`;
    const radio = el("input", { type: "radio", name, id, value: String(score) });
    radio.checked = card.values[cid].score === score;
    radio.addEventListener("change", () => {
      card.values[cid].score = score;
      onEdit(cid);
    });
    radios.push(radio);
    return el("label", { className: "rate-option", for: id }, radio,
      el("span", { className: "rate-score", text: String(score) }), el("span", { className: "rate-anchor", text: anchor }));
  });
  const evidenceId = `evidence-${safe}-${cid}`;
  const textarea = el("textarea", { id: evidenceId, rows: "4", maxlength: String(MAX_EVIDENCE), "aria-describedby": `${evidenceId}-hint` });
  textarea.value = card.values[cid].evidence;
  textarea.addEventListener("input", () => {
    card.values[cid].evidence = textarea.value;
    onEdit(cid);
  });
  const fill = el("button", { type: "button", className: "button button-small", text: "Fill from my observations" });
  fill.addEventListener("click", () => onFill(competency));
  const fieldset = el("fieldset", { className: "rate-scale" }, el("legend", { text: `${competency.name}: score` }), ...options);
  const state = el("span", { className: "rate-summary-state" });
  const ownId = `own-${safe}-${cid}`;
  const ownList = el("ol", { className: "rate-own-list", "aria-labelledby": `${ownId}-heading` });
  const ownEmpty = el("p", { className: "muted rate-own-empty", text: `You recorded nothing about ${competency.name} for ${nameOf(card.candidateId)} here.` });
  const details = el("details", { className: "rate-competency", name: "rate-competency", "data-competency": cid },
    el("summary", { className: "rate-summary" }, el("span", { className: "rate-summary-name", text: competency.name }), state),
    el("div", { className: "rate-competency-body" },
      el("div", { className: "rate-form" },
        competency.description ? el("p", { className: "hint rate-description", text: competency.description }) : null,
        fieldset,
        el("div", { className: "rate-evidence" },
          el("label", { for: evidenceId, text: `Evidence for ${competency.name}` }),
          el("span", { className: "hint", id: `${evidenceId}-hint`, text: "What you saw and heard that supports the score." }),
          textarea,
          el("div", { className: "rate-evidence-actions" }, fill))),
      el("section", { className: "rate-own", id: ownId, "aria-labelledby": `${ownId}-heading` },
        el("h4", { className: "rate-own-heading", id: `${ownId}-heading`, text: "Your observations" }),
        ownList, ownEmpty)));
  card.inputs[cid] = { radios, textarea, fill, fieldset, details, state, ownList, ownEmpty, competency };
  return details;
}

/** Bring a competency's fold up to date: its summary and the observations beside it. */
export function updateCompetency(card, cid) {
  const inputs = card.inputs[cid];
  const value = card.values[cid];
  const evidence = value.evidence.trim();
  let text = "Not scored yet";
  if (value.score) text = `Score ${value.score} · ${evidence ? "evidence written" : "evidence needed"}`;
  else if (evidence) text = "Evidence written · not scored yet";
  if (inputs.state.textContent !== text) inputs.state.textContent = text;
  inputs.details.dataset.complete = String(Boolean(value.score && evidence));
  const own = ownObservations(card.exercise, card.candidateId, cid);
  inputs.ownEmpty.hidden = own.length > 0;
  reconcile(inputs.ownList, own, {
    key: (o) => o.id,
    signature: (o) => JSON.stringify([o.note, o.indicator_id, clockOf(o).text]),
    build: ownItem,
  });
}

function ownItem(o) {
  const indicator = o.indicator_id ? indicatorById(o.indicator_id) : null;
  const clock = clockOf(o);
  return el("li", { className: `rate-own-item tl-${indicator ? indicator.polarity : "neutral"}` },
    el("span", { className: `tl-clock${clock.estimate ? " tl-clock-estimate" : ""}`, text: clock.text }),
    indicator
      ? el("span", { className: "rate-own-what" },
        el("span", { className: "tl-sign", "aria-hidden": "true", text: SIGN[indicator.polarity] }),
        el("span", { className: "visually-hidden", text: indicator.polarity === "positive" ? "Positive: " : "Negative: " }),
        indicator.text)
      : el("span", { className: "rate-own-what", text: "Note" }),
    o.note ? el("span", { className: "rate-own-note", text: o.note }) : null);
}

/** Open the first fold that still needs a score or evidence, in the first card not yet submitted. */
export function openFirstIncomplete(cards) {
  for (const card of cards) {
    if (card.locked) continue;
    const open = Object.values(card.inputs).find((inputs) => {
      const value = card.values[inputs.competency.id];
      return !(value.score && value.evidence.trim());
    });
    if (open) {
      open.details.open = true;
      return;
    }
  }
}

/** Write my observations into a competency's evidence as sentences, skipping lines already there; false when there were none. */
export function fillEvidence(card, competency, say) {
  const lines = ownObservations(card.exercise, card.candidateId, competency.id).map(evidenceLine);
  const textarea = card.inputs[competency.id].textarea;
  const present = new Set(textarea.value.split("\n").map((l) => l.trim()));
  const fresh = lines.filter((l) => !present.has(l));
  if (!lines.length) {
    say(`You recorded nothing about ${competency.name} for ${nameOf(card.candidateId)} in this exercise.`);
    return false;
  }
  if (!fresh.length) {
    say("Your observations are already in the evidence.");
    return false;
  }
  const base = textarea.value.replace(/\s+$/, "");
  let next = (base ? `${base}\n` : "") + fresh.join("\n");
  let cut = false;
  if (next.length > MAX_EVIDENCE) {
    next = next.slice(0, MAX_EVIDENCE);
    cut = true;
  }
  textarea.value = next;
  card.values[competency.id].evidence = next;
  return { cut };
}
