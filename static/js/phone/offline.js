// The phone without a connection: a service worker answers a reload from the last copy of
// this page and its assets, and the last state the phone received is kept in localStorage,
// so a phone reloaded in a basement still shows its group, brief, role and clock.
const OFFLINE_CACHE = "facilitator-phone-v1"; // the cache phone-sw.js reads

/** The state this phone kept for this candidate, with when it last heard from the server; or null. */
export function restoreState(storageKey, candidateId) {
  try {
    const saved = JSON.parse(localStorage.getItem(`${storageKey}:state`) || "null");
    // A phone passed to someone else in the same session must not show the last person's role.
    if (saved && saved.state && saved.state.me && saved.state.me.id === candidateId) return saved;
  } catch (err) {
    // Unreadable: start from the server's snapshot.
  }
  return null;
}

/** Keep what the phone shows now, and when it last heard from the server. */
export function saveState(storageKey, state, heardAt) {
  try {
    localStorage.setItem(`${storageKey}:state`, JSON.stringify({ state, heard_at: heardAt }));
  } catch (err) {
    // Storage full or blocked: the page still works while it stays open.
  }
}

/** Forget the kept state and the copy of the page (removed or signed out: it must not come back). */
export function forgetState(storageKey) {
  localStorage.removeItem(`${storageKey}:state`);
  localStorage.removeItem(`${storageKey}:alerts`);
  if ("caches" in window) caches.open(OFFLINE_CACHE).then((cache) => cache.delete(window.location.pathname)).catch(() => {});
}

async function keepOfflineCopy() {
  if (!("caches" in window) || !navigator.onLine) return;
  const paths = performance.getEntriesByType("resource")
    .map((entry) => new URL(entry.name))
    .filter((url) => url.origin === window.location.origin && /^\/(static|vendor)\//.test(url.pathname))
    // With their ?v=<hash>: those answer from the HTTP cache; a bare path would be fetched again.
    .map((url) => url.pathname + url.search);
  const cache = await caches.open(OFFLINE_CACHE);
  await cache.addAll([...new Set([window.location.pathname, ...paths])]);
}

/** Register the phone's service worker for this page only, and keep a copy of the page. */
export function keepWorkingOffline() {
  if (!("serviceWorker" in navigator)) return;
  // Scoped to this very page: the worker never answers for the join pages or anyone else's.
  navigator.serviceWorker.register("/phone-sw.js", { scope: window.location.pathname }).catch(() => {});
  if (document.readyState === "complete") keepOfflineCopy().catch(() => {});
  else window.addEventListener("load", () => keepOfflineCopy().catch(() => {}), { once: true });
  // Unlike the observer's tablet, a page from the copy does not reload when the network is
  // back: the connection resumes by itself and a half-typed question stays in its box.
}
