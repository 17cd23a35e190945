// The candidate's phone's service worker, registered for the phone page alone: that page and
// its scripts and styles come from the network when it answers, and from the last copy this
// phone saw when it does not, so a phone reloaded without Wi-Fi still shows its last state
// (kept in localStorage by the page). Nothing else is cached.
const CACHE = "facilitator-phone-v1";
const PAGE = /^\/s\/[A-Za-z0-9_-]+\/phone$/;
const ASSET = /^\/(static|vendor)\//;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!PAGE.test(url.pathname) && !ASSET.test(url.pathname)) return;
  event.respondWith(networkFirst(event.request));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A redirect to the join page or a refusal is not the phone page: keep the last good copy.
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const copy = await cache.match(request, { ignoreSearch: true });
    if (copy) return copy;
    throw error;
  }
}
