/* gridgov field app service worker (scope {{ pages_prefix }}): keeps the app shell and the worker's grid data for offline use. */
"use strict";
const VERSION = "{{ version|escapejs }}";
const SHELL = "gridgov-field-" + VERSION;
const PRECACHE = [{% for url in precache %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const PAGES = "{{ pages_prefix|escapejs }}";
const DATA = ["{{ bootstrap_url|escapejs }}"];
const STATIC = "{{ static_prefix|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await Promise.all(PRECACHE.map(async (url) => {
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (response.ok && !response.redirected) await cache.put(url, response);
      } catch (e) { /* offline while installing: cached on the next visit */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("gridgov-field-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isPage(url) {
  return url.pathname.startsWith(PAGES) && !url.pathname.endsWith("/sw.js");
}

async function networkFirst(request, key) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  } catch (e) {
    const cached = await cache.match(key, { ignoreVary: true });
    if (cached) return cached;
    throw e;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isPage(url)) {
    // Pages are cached without their query (?household=…): the page reads it in the browser.
    event.respondWith(networkFirst(request, url.origin + url.pathname));
  } else if (DATA.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.origin + url.pathname));
  } else if (url.pathname.startsWith(STATIC)) {
    event.respondWith(cacheFirst(request));
  }
});
