// The behaviours to tap for the selected candidate, one competency at a time.
//
// Why a competency picker rather than every behaviour at once, or a competency chosen before
// each tap: three competencies of ten behaviours are thirty buttons, too many to scan or to
// fit a tablet at a usable size; choosing the competency before every tap doubles the taps.
// With a picker the observer's choice stays put between taps and candidates, so a run of
// observations about the same competency costs one tap each, and switching costs one more.
//
// Keys are shown on screen: Shift and a letter (or [ and ]) picks the competency, a letter
// records a behaviour. A competency with more behaviours than letters gets two-letter codes
// for all of them (and so on), so the codes never run out.
import { el } from "../realtime.js";
import { competencyById, nameOf } from "./state.js";
import { $, SIGN } from "./ui.js";

/** The letters codes are made of; n (note) and u (undo) have their own jobs. */
export const LETTERS = "abcdefghijklmopqrstvwxyz";
const PREFIX_MS = 2500; // how long the first letter of a two-letter code waits for the second

let shownId = null; // the competency whose behaviours are shown
let prefix = ""; // letters of a code typed so far
let prefixTimer = null;
let drawnSig = null;
let onPick = null;

/** Take the redraw to call after the observer picks a competency. */
export function connectBehaviours(hooks) {
  ({ onPick } = hooks);
}

/** The exercise's competencies that have behaviours to tap, in the exercise's order. */
export function competenciesOf(exercise) {
  return exercise.competency_ids.map(competencyById).filter((c) => c && c.indicators.length);
}

/** The competency shown now (the first, until the observer picks another). */
export function shownCompetency(exercise) {
  const list = competenciesOf(exercise);
  return list.find((c) => c.id === shownId) || list[0] || null;
}

/** Codes for `count` things: one letter each while the letters last, else two each (and so on). */
export function codes(count) {
  let length = 1;
  while (LETTERS.length ** length < count) length += 1;
  return Array.from({ length: count }, (_, index) => {
    let code = "";
    for (let rest = index, place = 0; place < length; place += 1, rest = Math.floor(rest / LETTERS.length)) {
      code = LETTERS[rest % LETTERS.length] + code;
    }
    return code;
  });
}

/** A competency's behaviours, positive first, each with its code. */
export function keyedBehaviours(competency) {
  const ordered = [...competency.indicators.filter((i) => i.polarity === "positive"),
    ...competency.indicators.filter((i) => i.polarity === "negative")];
  const keys = codes(ordered.length);
  return ordered.map((indicator, index) => ({ ...indicator, competency, code: keys[index] }));
}

/** The key that picks the competency at this place, with Shift ("A"), or null past the letters. */
const pickKey = (index) => (index < LETTERS.length ? LETTERS[index].toUpperCase() : null);

/** Show another competency's behaviours. */
export function pickCompetency(exercise, competencyId) {
  if (!competenciesOf(exercise).some((c) => c.id === competencyId)) return null;
  shownId = competencyId;
  clearPrefix();
  onPick();
  return competencyById(competencyId);
}

/** Pick by Shift-letter ("A" is the first), or step with "[" and "]"; the competency shown after, or null. */
export function pickByKey(exercise, key) {
  const list = competenciesOf(exercise);
  const at = list.indexOf(shownCompetency(exercise));
  let target = null;
  if (key === "[" || key === "]") {
    if (list.length < 2) return null;
    target = list[(at + (key === "]" ? 1 : list.length - 1)) % list.length];
  } else {
    target = list.find((c, index) => pickKey(index) === key) || null;
  }
  return target ? pickCompetency(exercise, target.id) : null;
}

function clearPrefix() {
  clearTimeout(prefixTimer);
  if (!prefix) return;
  prefix = "";
  showPrefix();
}

/** Forget a half-typed code; true when there was one. */
export function cancelCode() {
  const had = Boolean(prefix);
  clearPrefix();
  return had;
}

/**
 * Take one typed letter: the behaviour its code completes, or null (the letter started a
 * longer code, or matches nothing and is dropped).
 */
export function typeCode(exercise, letter) {
  const competency = shownCompetency(exercise);
  if (!competency) return null;
  const keyed = keyedBehaviours(competency);
  const typed = prefix + letter;
  const found = keyed.find((k) => k.code === typed);
  clearTimeout(prefixTimer);
  if (found) {
    prefix = "";
  } else if (keyed.some((k) => k.code.startsWith(typed))) {
    prefix = typed;
    prefixTimer = setTimeout(clearPrefix, PREFIX_MS);
  } else {
    prefix = "";
  }
  showPrefix();
  return found || null;
}

function showPrefix() {
  const box = $("indicators");
  for (const button of box.querySelectorAll("[data-code]")) {
    button.classList.toggle("is-prefix", Boolean(prefix) && button.dataset.code.startsWith(prefix));
  }
  const typed = $("key-typed");
  typed.hidden = !prefix;
  if (prefix) typed.textContent = `Typed “${prefix}”: the next letter records; Esc cancels.`;
}

/** Draw the picker and the shown competency's behaviours for the selected candidate (or a hint). */
export function renderBehaviours(exercise, selected, onRecord) {
  const box = $("indicators");
  const competencies = competenciesOf(exercise);
  const shown = shownCompetency(exercise);
  const sig = JSON.stringify([exercise.id, selected, selected ? nameOf(selected) : null, shown && shown.id,
    competencies.map((c) => [c.id, c.name, c.indicators])]);
  if (sig === drawnSig && box.childElementCount) return;
  drawnSig = sig;
  if (!competencies.length) {
    box.replaceChildren(el("p", { className: "indicators-hint", text: "This exercise has no behaviours to tap. Write a note and press “Note only”." }));
    return;
  }
  const head = el("div", { className: "behaviours-head" },
    competencies.length > 1 ? picker(exercise, competencies, shown) : el("h4", { className: "competency-single", text: shown.name }),
    selected ? el("p", { className: "indicators-for" }, "Recording for ", el("strong", { text: nameOf(selected) })) : null);
  if (!selected) {
    box.replaceChildren(head, el("p", { className: "indicators-hint", text: "Tap a candidate (or press their number) to record what they do." }));
    return;
  }
  const keyed = keyedBehaviours(shown);
  const column = (polarity, label) => {
    const list = keyed.filter((k) => k.polarity === polarity);
    if (!list.length) return null;
    return el("ul", { className: `indicator-column indicator-column-${polarity}`, "aria-label": `${shown.name}: ${label}` },
      ...list.map((k) => el("li", {}, behaviourButton(k, onRecord))));
  };
  box.replaceChildren(head, el("div", { className: "indicator-columns", id: "behaviours-shown" },
    column("positive", "positive behaviours"), column("negative", "negative behaviours")));
  showPrefix();
}

function picker(exercise, competencies, shown) {
  return el("div", { className: "competency-picker", role: "group", "aria-label": "Competency to record" },
    ...competencies.map((competency, index) => {
      const key = pickKey(index);
      const button = el("button", {
        type: "button", className: "competency-button", "aria-pressed": String(competency.id === shown.id),
        "data-competency": competency.id, "aria-keyshortcuts": key ? `Shift+${key}` : null,
      },
      el("span", { className: "competency-name", text: competency.name }),
      key ? el("kbd", { className: "competency-key", "aria-hidden": "true", text: `⇧${key}` }) : null);
      button.addEventListener("click", () => pickCompetency(exercise, competency.id));
      return button;
    }));
}

function behaviourButton(k, onRecord) {
  const button = el("button", {
    type: "button", className: `indicator-button indicator-button-${k.polarity}`, "data-indicator": k.id,
    "data-code": k.code, "aria-keyshortcuts": k.code.length === 1 ? k.code : null,
  },
  el("span", { className: "indicator-sign", "aria-hidden": "true", text: SIGN[k.polarity] }),
  el("span", { className: "visually-hidden", text: k.polarity === "positive" ? "Positive: " : "Negative: " }),
  el("span", { className: "indicator-text", text: k.text }),
  el("kbd", { className: "indicator-key", "aria-hidden": "true", text: k.code }));
  button.addEventListener("click", () => onRecord(k));
  return button;
}
