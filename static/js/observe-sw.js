// The observer tablet's service worker: the capture page and its scripts and styles come
// from the network when it answers, and from the last copy this device saw when it does
// not, so a tablet reloaded in a room with no Wi-Fi keeps working. Unsent observations live
// in localStorage and are sent when the connection returns. Nothing else is cached.
const CACHE = "facilitator-observe-v1";
const PAGE = /^\/sessions\/[A-Za-z0-9_-]+\/observe$/;
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
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const copy = await cache.match(request);
    if (copy) return copy;
    throw error;
  }
}
