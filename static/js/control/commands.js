// Commands from the control room: every button press is a socket command, its refusal is
// shown in the alert region, and the controls that sent it wait for the answer.
import { el } from "../realtime.js";
import { $ } from "./page.js";

const busy = new Set(); // keys of commands waiting for their acknowledgement
let live = null;
let noticeTimer = null;

/** Take the connection the commands are sent on. */
export function connectCommands(connection) {
  live = connection;
}

/** Show a problem in the alert region until it is dismissed or a command succeeds. */
export function showAlert(message) {
  const dismiss = el("button", { type: "button", className: "button button-small", text: "Dismiss" });
  dismiss.addEventListener("click", clearAlert);
  $("alerts").replaceChildren(el("p", { text: message }), dismiss);
}

function clearAlert() {
  $("alerts").replaceChildren();
}

function notify(message) {
  $("notice").textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $("notice").textContent = ""; }, 6000);
}

/** Whether the command with this key is waiting for its answer. */
export function isBusy(key) {
  return busy.has(key);
}

/** Mark a control as waiting for its command's answer, or as done waiting. */
export function markBusy(node, on) {
  // A waiting button is aria-disabled rather than disabled, so keyboard focus stays on it
  // (a disabled button drops focus); `act` ignores presses while it waits.
  if (node.tagName === "BUTTON") {
    if (on) node.setAttribute("aria-disabled", "true");
    else node.removeAttribute("aria-disabled");
  } else {
    node.disabled = on;
  }
  if (on) node.setAttribute("aria-busy", "true");
  else node.removeAttribute("aria-busy");
}

function setBusy(key, on) {
  for (const node of document.querySelectorAll(`[data-busy-key="${CSS.escape(key)}"]`)) markBusy(node, on);
}

/** Send one command; the controls sharing `key` stay disabled until the server answers.
 * A refusal is shown in the alert region and also handed to `refused`, if given. */
export async function act(key, name, payload, success, refused = null) {
  if (busy.has(key)) return false;
  busy.add(key);
  setBusy(key, true);
  const ack = await live.command(name, payload);
  busy.delete(key);
  setBusy(key, false);
  if (!ack || !ack.ok) {
    const message = (ack && ack.error && ack.error.message) || "The server refused that. Try again.";
    showAlert(message);
    if (refused) refused(message);
    return false;
  }
  clearAlert();
  if (success) notify(success);
  return true;
}

/** A button wired to a command; `blocked` keeps it disabled for a reason other than waiting. */
export function commandButton({ text, key, className = "button", blocked = false, label = null, onPress }) {
  const button = el("button", {
    type: "button", className, text, "data-key": key, "data-busy-key": key,
    "aria-label": label,
  });
  button.disabled = blocked;
  markBusy(button, busy.has(key));
  button.addEventListener("click", (event) => {
    if (busy.has(key)) event.preventDefault();
    else onPress(event);
  });
  return button;
}
