// Rating after an exercise: a card per assigned candidate, a score on the anchored 1-5 scale
// and evidence per competency (rating-form.js draws each), drafts saved on the device and to
// the server as the observer types, and a submit that locks the rating.
import { el, newId } from "../realtime.js";
import { comparePanel } from "./compare.js";
import { MAX_EVIDENCE, buildCompetency, fillEvidence, openFirstIncomplete, updateCompetency } from "./rating-form.js";
import {
  competencyById, currentExercise, endedExercises, exerciseById, mergeRating, nameOf, pairKey, remember, server,
  view,
} from "./state.js";
import { $, reconcile, showAlert } from "./ui.js";

const DRAFT_DELAY_MS = 800;

const cards = new Map(); // pair key -> card state
let cardsSig = null;
let live = null;
let me = null;
let storageKey = null;
// The exercise being rated survives a reload of this tab.
let ratingExerciseId = null;

/** Take the connection, the observer's id, this device's storage key and the page's redraw. */
export function connectRating(options) {
  ({ live, me, storageKey } = options);
  ratingExerciseId = sessionStorage.getItem(`${storageKey}:rating-exercise`);
  $("rating-exercise").addEventListener("change", (event) => {
    chooseRatingExercise(event.target.value);
    options.render();
  });
}

/** Rate this exercise next, also after a reload of this tab. */
export function chooseRatingExercise(exerciseId) {
  ratingExerciseId = exerciseId;
  remember("rating-exercise", ratingExerciseId);
}

/** Put the cursor in a candidate's rating card, if it is shown. */
export function focusCard(exerciseId, candidateId) {
  const card = cards.get(pairKey(exerciseId, candidateId));
  if (!card) return;
  // Its folds may be closed: open the one that needs work first, so there is something to focus.
  openFirstIncomplete([card]);
  const open = card.node.querySelector("details[open]") || card.node.querySelector("details");
  if (open) {
    open.open = true;
    open.querySelector("input, textarea").focus();
  }
}

function draftsStore() {
  try {
    return JSON.parse(localStorage.getItem(`${storageKey}:drafts`) || "{}");
  } catch (err) {
    return {};
  }
}

function keepDraft(key, values) {
  const all = draftsStore();
  if (values) all[key] = { values, at: live.now() };
  else delete all[key];
  try {
    localStorage.setItem(`${storageKey}:drafts`, JSON.stringify(all));
  } catch (err) {
    // Full storage: the draft still goes to the server when a score is chosen.
  }
}

/** Whether my rating of this candidate in this exercise is submitted (and so locked). */
export function ratingLocked(exerciseId, candidateId) {
  const rating = server.ratings.get(pairKey(exerciseId, candidateId));
  return Boolean(rating && rating.status === "submitted");
}

/** Draw the rating screen: the exercise picker, the overview, and a card per candidate. */
export function renderRating() {
  const ended = endedExercises();
  if (!ended.some((e) => e.id === ratingExerciseId)) {
    const current = currentExercise();
    ratingExerciseId = current && current.status === "ended" ? current.id : ended[0].id;
  }
  const picker = $("rating-exercise");
  const options = ended.map((e) => {
    const done = e.assigned.filter((cid) => ratingLocked(e.id, cid)).length;
    return { value: e.id, text: e.assigned.length ? `${e.title} — ${done} of ${e.assigned.length} submitted` : `${e.title} — nobody to rate` };
  });
  if (JSON.stringify(options) !== picker.dataset.sig) {
    picker.dataset.sig = JSON.stringify(options);
    picker.replaceChildren(...options.map((o) => el("option", { value: o.value, text: o.text })));
  }
  picker.value = ratingExerciseId;

  const exercise = exerciseById(ratingExerciseId);
  const blind = view.session.blind_ratings !== false;
  $("rating-intro").textContent = exercise.assigned.length
    ? `Rate each candidate on every competency “${exercise.title}” assesses, with the evidence for your score. Drafts save themselves. `
      + (blind ? "The other observers' ratings stay hidden until you submit yours." : "")
    : `Nobody was assigned to you in “${exercise.title}”, so there is nothing to rate.`;

  const sig = JSON.stringify([exercise.id, exercise.assigned, exercise.competency_ids, exercise.assigned.map(nameOf)]);
  const fresh = sig !== cardsSig;
  if (fresh) {
    cardsSig = sig;
    for (const card of cards.values()) clearTimeout(card.timer);
    cards.clear();
    const nodes = exercise.assigned.map((cid) => buildCard(exercise, cid));
    $("rating-cards").replaceChildren(...nodes);
  }
  for (const card of cards.values()) updateCard(card);
  // Submitted cards are known only once updated: then open where work is left.
  if (fresh) openFirstIncomplete([...cards.values()]);
  reconcile($("rating-overview"), [...cards.values()], {
    key: (card) => card.key,
    signature: (card) => JSON.stringify([nameOf(card.candidateId), card.badge.textContent]),
    build: (card) => el("li", {}, el("a", { href: `#${card.node.id}` },
      el("span", { text: nameOf(card.candidateId) }),
      el("span", { className: card.badge.className, text: card.badge.textContent }))),
  });
}

function initialValues(exercise, candidateId) {
  const key = pairKey(exercise.id, candidateId);
  const rating = server.ratings.get(key);
  const local = draftsStore()[key];
  const values = {};
  for (const cid of exercise.competency_ids) values[cid] = { score: null, evidence: "" };
  const fromServer = rating ? rating.scores : {};
  const useLocal = local && (!rating || rating.status !== "submitted") && (!rating || local.at >= rating.updated_at);
  const source = useLocal ? local.values : fromServer;
  for (const cid of exercise.competency_ids) {
    if (source[cid]) values[cid] = { score: source[cid].score || null, evidence: source[cid].evidence || "" };
  }
  return values;
}

function buildCard(exercise, candidateId) {
  const key = pairKey(exercise.id, candidateId);
  const safe = key.replace(/[^A-Za-z0-9_-]/g, "_");
  const headingId = `card-${safe}`;
  const card = {
    key, exercise, candidateId, values: initialValues(exercise, candidateId), timer: null,
    version: 0, sent: new Map(), result: null, submitError: null, inputs: {}, compare: null,
  };
  const node = el("article", { className: "rate-card", id: `rate-${safe}`, "aria-labelledby": headingId });
  const badge = el("span", { className: "badge" });
  node.append(el("header", { className: "rate-card-head" }, el("h3", { id: headingId, text: nameOf(candidateId) }), badge));
  const hooks = { onEdit: (cid) => edited(card, cid), onFill: (competency) => fill(card, competency) };
  for (const cid of exercise.competency_ids) {
    const competency = competencyById(cid);
    if (competency) node.append(buildCompetency(card, competency, safe, hooks));
  }
  const status = el("p", { className: "rate-status", role: "status" });
  const error = el("div", { className: "rate-error", role: "alert" });
  const submit = el("button", { type: "button", className: "button button-primary", text: "Submit rating" });
  const compare = el("button", { type: "button", className: "button", text: "Compare with the panel" });
  const compareBox = el("section", { className: "compare", tabindex: "-1", "aria-label": `The panel's evidence about ${nameOf(candidateId)}` });
  compareBox.hidden = true;
  submit.addEventListener("click", () => submitRating(card));
  compare.addEventListener("click", () => comparePanel(card, live, me));
  node.append(error, el("footer", { className: "rate-card-foot" }, status, el("div", { className: "rate-actions" }, compare, submit)), compareBox);
  Object.assign(card, { node, badge, status, error, submit, compareButton: compare, compareBox });
  cards.set(key, card);
  return node;
}

function edited(card, competencyId) {
  card.version += 1;
  card.result = null;
  card.submitError = null;
  const inputs = card.inputs[competencyId];
  if (inputs) {
    inputs.fieldset.removeAttribute("aria-invalid");
    inputs.textarea.removeAttribute("aria-invalid");
  }
  keepDraft(card.key, card.values);
  clearTimeout(card.timer);
  card.timer = setTimeout(() => { card.timer = null; saveRating(card, false); }, DRAFT_DELAY_MS);
  updateCard(card);
}

function scoresOf(card) {
  const scores = {};
  for (const [cid, value] of Object.entries(card.values)) {
    if (value.score) scores[cid] = { score: value.score, evidence: value.evidence.trim() };
  }
  return scores;
}

function saveRating(card, submit) {
  clearTimeout(card.timer);
  card.timer = null;
  const scores = scoresOf(card);
  if (!submit && !Object.keys(scores).length) {
    card.result = { ok: true, idle: true };
    updateCard(card);
    return;
  }
  const id = newId();
  card.sent.set(id, { version: card.version, submit });
  card.submitError = null;
  live.send("rate_candidate", { id, exercise_id: card.exercise.id, candidate_id: card.candidateId, scores, submit });
  updateCard(card);
}

function submitRating(card) {
  card.submitting = true;
  saveRating(card, true);
}

/** Settle a rating write the server answered: keep the draft in step, or point at what is missing. */
export function ratingDelivered(item, ack) {
  const p = item.payload;
  const card = cards.get(pairKey(p.exercise_id, p.candidate_id));
  if (ack.ok) mergeRating(ack.result);
  if (!card) return;
  const sent = card.sent.get(p.id);
  card.sent.delete(p.id);
  if (ack.ok) {
    card.result = { ok: true, submit: p.submit };
    if (p.submit || (sent && sent.version === card.version)) keepDraft(card.key, p.submit ? null : card.values);
  } else if (p.submit) {
    card.submitError = ack.error;
    markMissing(card, ack.error);
  } else {
    card.result = { ok: false, message: ack.error.message };
  }
}

/** After "evidence required" or "incomplete", point at the first competency that needs it. */
function markMissing(card, error) {
  for (const [cid, value] of Object.entries(card.values)) {
    const inputs = card.inputs[cid];
    if (!inputs) continue;
    if (error.code === "incomplete" && !value.score) {
      inputs.details.open = true;
      inputs.fieldset.setAttribute("aria-invalid", "true");
      inputs.radios[0].focus();
      return;
    }
    if (error.code === "evidence_required" && !value.evidence.trim()) {
      inputs.details.open = true;
      inputs.textarea.setAttribute("aria-invalid", "true");
      inputs.textarea.focus();
      return;
    }
  }
}

function updateCard(card) {
  const { exercise, candidateId } = card;
  const rating = server.ratings.get(card.key);
  const locked = Boolean(rating && rating.status === "submitted");
  const waiting = live.outbox.filter((i) => i.name === "rate_candidate" && i.payload.exercise_id === exercise.id && i.payload.candidate_id === candidateId);
  const submitWaiting = waiting.some((i) => i.payload.submit);
  if (locked && !card.locked) {
    // Show exactly what was submitted.
    for (const cid of exercise.competency_ids) {
      const inputs = card.inputs[cid];
      const score = rating.scores[cid];
      if (!inputs) continue;
      for (const radio of inputs.radios) radio.checked = Boolean(score) && Number(radio.value) === score.score;
      inputs.textarea.value = score ? score.evidence : "";
      card.values[cid] = { score: score ? score.score : null, evidence: score ? score.evidence : "" };
    }
    keepDraft(card.key, null);
  } else if (!locked && !waiting.length && !card.timer && rating && !card.node.contains(document.activeElement)
             && JSON.stringify(rating.scores) !== JSON.stringify(scoresOf(card)) && card.version === 0) {
    // Saved from elsewhere (another tab) while this card was untouched: show the newer draft.
    card.values = initialValues(exercise, candidateId);
    for (const cid of exercise.competency_ids) {
      const inputs = card.inputs[cid];
      if (!inputs) continue;
      for (const radio of inputs.radios) radio.checked = Number(radio.value) === card.values[cid].score;
      inputs.textarea.value = card.values[cid].evidence;
    }
  }
  card.locked = locked;
  card.node.classList.toggle("is-locked", locked);
  for (const [cid, inputs] of Object.entries(card.inputs)) {
    for (const radio of inputs.radios) radio.disabled = locked;
    inputs.textarea.readOnly = locked;
    inputs.fill.hidden = locked;
    updateCompetency(card, cid);
  }
  card.submit.hidden = locked;
  card.submit.disabled = submitWaiting;
  const blind = view.session.blind_ratings !== false;
  card.compareButton.hidden = blind && !locked;

  let badge = ["Not started", "badge-draft"];
  if (locked) badge = ["Submitted", "badge-positive"];
  else if (rating || Object.keys(scoresOf(card)).length) badge = ["Draft", "badge-info"];
  card.badge.textContent = badge[0];
  card.badge.className = `badge ${badge[1]}`;

  let text = "";
  let tone = "";
  if (locked) {
    text = `Submitted${rating.submitted_at ? ` at ${new Date(rating.submitted_at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : ""}. Your rating is locked.`;
    tone = "done";
  } else if (submitWaiting) {
    text = live.status === "connected" ? "Submitting…" : "Submit saved on this device · waiting to send";
    tone = "waiting";
  } else if (card.timer || (waiting.length && live.status === "connected")) {
    text = "Saving…";
  } else if (waiting.length) {
    text = "Saved on this device · waiting to send";
    tone = "waiting";
  } else if (card.result && !card.result.ok) {
    text = `Not saved: ${card.result.message}`;
    tone = "error";
  } else if (card.result && card.result.idle) {
    text = "Choose a score to save a draft.";
  } else if (rating || (card.result && card.result.ok)) {
    text = "Draft saved";
    tone = "done";
  } else {
    text = "Choose a score for each competency and write your evidence.";
  }
  if (card.status.textContent !== text) card.status.textContent = text;
  card.status.dataset.tone = tone;

  const message = card.submitError ? `Not submitted: ${card.submitError.message}` : "";
  if ((card.error.textContent || "") !== message) {
    card.error.replaceChildren(...(message ? [el("p", { className: "notice notice-error", text: message })] : []));
  }
}

function fill(card, competency) {
  const filled = fillEvidence(card, competency, (text) => { card.status.textContent = text; });
  if (!filled) return;
  if (filled.cut) {
    showAlert(`The evidence for ${competency.name} is limited to ${MAX_EVIDENCE} characters; the last lines were cut. Shorten it in your own words.`);
  }
  edited(card, competency.id);
  card.inputs[competency.id].textarea.focus();
}
