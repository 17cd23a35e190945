// Offline reloads: a service worker answers from the last copy of this page and its assets
// when the network does not. The copy is taken here, while online, from what the page loaded.
const OFFLINE_CACHE = "facilitator-observe-v1"; // the cache observe-sw.js reads

async function keepOfflineCopy() {
  if (!("caches" in window) || !navigator.onLine) return;
  const paths = performance.getEntriesByType("resource")
    .map((entry) => new URL(entry.name))
    .filter((url) => url.origin === window.location.origin && /^\/(static|vendor)\//.test(url.pathname))
    // With their ?v=<hash>, the addresses the page asks for: a bare path would never match.
    .map((url) => url.pathname + url.search);
  const cache = await caches.open(OFFLINE_CACHE);
  await cache.addAll([...new Set([window.location.pathname, ...paths])]);
}

/** Register the service worker and keep a copy of this page, so it reloads without a network. */
export function keepWorkingOffline() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/observe-sw.js", { scope: "/sessions/" }).catch(() => {});
    if (document.readyState === "complete") keepOfflineCopy().catch(() => {});
    else window.addEventListener("load", () => keepOfflineCopy().catch(() => {}), { once: true });
  }
  // A page that came from that copy reloads from the network once the network is back, so it
  // runs the newest code and its connection is made by a page the server just sent.
  if (!navigator.onLine) {
    window.addEventListener("online", () => window.location.reload(), { once: true });
  }
}
