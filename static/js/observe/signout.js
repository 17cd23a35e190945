// Signing out of an observer's tablet takes with it what the tablet kept for the panel: the
// candidates' names, the notes and drafts, the outbox, the offline copy of the page. Only once
// nothing is waiting to be sent, though: with writes still in the outbox the observer chooses
// to wait until they reach the server (then the sign-out finishes by itself) or to discard them.
import { el } from "../realtime.js";
import { stopKeeping } from "./state.js";

const PREFIX = "fac-observe:"; // every key the observer page keeps (see observe.js)
const OFFLINE_CACHE = "facilitator-observe-v1"; // the cache observe-sw.js answers from
const CHECK_MS = 300;

/** Writes waiting in outboxes this page cannot send: other sessions' on this tablet. */
function waitingElsewhere(storageKey) {
  let count = 0;
  for (const key of Object.keys(localStorage)) {
    if (!key.startsWith(PREFIX) || !key.endsWith(":outbox") || key === `${storageKey}:outbox`) continue;
    try {
      count += JSON.parse(localStorage.getItem(key) || "[]").length;
    } catch (err) {
      // An unreadable outbox holds nothing that could still be sent.
    }
  }
  return count;
}

/** Forget everything the observer page kept on this device. */
export async function forgetDevice() {
  stopKeeping();
  for (const store of [localStorage, sessionStorage]) {
    for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
  }
  if ("caches" in window) await caches.delete(OFFLINE_CACHE).catch(() => false);
  if ("serviceWorker" in navigator) {
    const registrations = await navigator.serviceWorker.getRegistrations().catch(() => []);
    for (const registration of registrations) {
      if (new URL(registration.scope).pathname.startsWith("/sessions/")) await registration.unregister().catch(() => false);
    }
  }
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Make the page's "Sign out" clear the tablet first, asking when writes are still waiting.
 * @param {object} options
 * @param {import("../realtime.js").Live} options.live  the page's connection (its outbox)
 * @param {string} options.storageKey  this page's prefix in localStorage
 */
export function guardSignOut({ live, storageKey }) {
  const form = document.querySelector('form[action$="/logout"]');
  if (!form) return;
  let leaving = false;
  let dialog = null;
  let watcher = null;

  async function leave() {
    leaving = true;
    clearInterval(watcher);
    // Signed out from here on: the connection must not come back (and keep its clock again)
    // when the network does.
    live.setStatus("refused");
    live.socket.disconnect();
    await forgetDevice();
    if (dialog) dialog.close();
    if (navigator.onLine) {
      form.submit();
      return;
    }
    // The sign-out itself needs the server: the tablet is cleared now, and the page shows
    // nothing of the panel while it waits for the network to send it.
    const root = document.getElementById("observe");
    if (root) {
      root.replaceChildren(
        el("section", { className: "empty-state", role: "status" },
          el("h2", { text: "This tablet is cleared" }),
          el("p", { text: "Nothing of the panel is kept on it any more. You are signed out as soon as the connection is back." })),
      );
    }
    window.addEventListener("online", () => form.submit(), { once: true });
  }

  function close() {
    clearInterval(watcher);
    if (dialog) dialog.close();
  }

  function ask(here, elsewhere) {
    const parts = [];
    if (here) parts.push(`${plural(here, "observation or rating", "observations or ratings")} on this page`);
    if (elsewhere) parts.push(`${plural(elsewhere, "write", "writes")} from another session's page on this tablet`);
    const wait = el("button", { type: "button", className: "button button-primary", text: "Wait, then sign out" });
    const discard = el("button", { type: "button", className: "button button-danger", text: "Discard them and sign out" });
    const stay = el("button", { type: "button", className: "button", text: "Stay signed in" });
    const status = el("p", { className: "obs-signout-status", role: "status" });
    if (dialog) dialog.remove();
    dialog = el(
      "dialog",
      { className: "obs-signout", "aria-labelledby": "signout-heading" },
      el("h2", { id: "signout-heading", text: "Not everything has been sent yet" }),
      el("p", {
        text: `${parts.join(" and ")} ${here + elsewhere === 1 ? "has" : "have"} not reached the server. Signing out clears this tablet, and anything not sent is lost.`,
      }),
      status,
      el("div", { className: "cluster" }, ...(here ? [wait] : []), discard, stay),
    );
    document.body.append(dialog);
    wait.addEventListener("click", () => {
      wait.disabled = true;
      status.textContent = "Waiting for the connection to send them; you are signed out as soon as it has.";
      watcher = setInterval(() => {
        if (live.outbox.length === 0) {
          status.textContent = "Everything is sent. Signing out…";
          leave();
        }
      }, CHECK_MS);
    });
    discard.addEventListener("click", () => leave());
    stay.addEventListener("click", close);
    dialog.addEventListener("cancel", () => clearInterval(watcher));
    dialog.showModal();
    (here ? wait : stay).focus();
  }

  form.addEventListener("submit", (event) => {
    if (leaving) return;
    event.preventDefault();
    const here = live.outbox.length;
    const elsewhere = waitingElsewhere(storageKey);
    if (here + elsewhere === 0) leave();
    else ask(here, elsewhere);
  });
}
