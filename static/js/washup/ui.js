// Small pieces the wash-up's modules share: lookups, the alert region, short notices.
import { el } from "../realtime.js";

/** The page's element with this id. */
export const $ = (id) => document.getElementById(id);

let noticeTimer = null;

/** Show a problem until it is dismissed or the next command succeeds. */
export function showAlert(message) {
  const dismiss = el("button", { type: "button", className: "button button-small", text: "Dismiss" });
  dismiss.addEventListener("click", clearAlert);
  $("alerts").replaceChildren(el("p", { text: message }), dismiss);
}

/** Take the alert away. */
export function clearAlert() {
  $("alerts").replaceChildren();
}

/** A short message that goes away by itself. */
export function notify(message) {
  $("notice").textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $("notice").textContent = ""; }, 6000);
}
