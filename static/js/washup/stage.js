// Who is on screen: one candidate at a time, in the facilitator's order, with the evidence
// open or closed as the facilitator has it.
import { $ } from "./ui.js";

const sections = () => Array.from(document.querySelectorAll("#stage > [data-candidate]"));
const rows = () => Array.from(document.querySelectorAll("#order > [data-candidate]"));

/** The candidates in the order shown. */
export function currentOrder() {
  return rows().map((row) => row.dataset.candidate);
}

/** The section of the candidate on screen. */
export function shownSection() {
  return sections().find((section) => !section.hidden) || null;
}

/** Put the rows (and numbers) in this order; ids the page does not know are skipped. */
export function applyOrder(order) {
  if (!order || !order.length) return;
  const list = $("order");
  const byId = new Map(rows().map((row) => [row.dataset.candidate, row]));
  const placed = order.filter((id) => byId.has(id));
  const rest = currentOrder().filter((id) => !placed.includes(id));
  for (const id of [...placed, ...rest]) list.append(byId.get(id));
  const positions = new Map(currentOrder().map((id, index) => [id, String(index + 1)]));
  for (const node of document.querySelectorAll("[data-candidate] [data-position]")) {
    const owner = node.closest("[data-candidate]").dataset.candidate;
    node.textContent = positions.get(owner) || node.textContent;
  }
}

/** Show one candidate and mark their row; the first in the order when none is chosen. */
export function showCandidate(candidateId) {
  const order = currentOrder();
  const chosen = order.includes(candidateId) ? candidateId : order[0];
  for (const section of sections()) section.hidden = section.dataset.candidate !== chosen;
  for (const row of rows()) {
    if (row.dataset.candidate === chosen) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  }
  const section = shownSection();
  const name = section ? section.querySelector(".candidate-name") : null;
  if (name) document.title = `Wash-up · ${name.textContent} · Facilitator`;
  return chosen;
}

/** Open or close the evidence of the candidate on screen. */
export function applyStage(stage) {
  const section = shownSection();
  const evidence = section ? section.querySelector("details[data-evidence]") : null;
  if (evidence) evidence.open = stage === "evidence";
}
