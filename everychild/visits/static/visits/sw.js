/* The visit pages keep working without a connection (served at /visits/sw.js, scope /visits/).
 *
 * - GET navigations under /visits/: network first; each 200 HTML answer is kept (by URL), and
 *   shown when the network fails. Redirects (the login page, say) are never kept.
 * - /static/ files: cache first (their names carry a content hash in production).
 * - Everything else (POST, /api/, other paths) goes to the network untouched.
 * The kept pages are the signed-in director's own pages, already on this phone; drafts.js
 * clears them when the user signs out from a visit page.
 * Bump VERSION when this strategy changes: old caches are deleted on activate. */
"use strict";
var PREFIX = "everychild-visits-";
var VERSION = "v1";
var CACHE = PREFIX + VERSION;
var SCOPE = new URL(self.registration.scope).pathname; // "/visits/"
var STATIC = "/static/";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf(PREFIX) === 0 && key !== CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function ok(response) {
  return !!response && response.status === 200 && response.type === "basic" && !response.redirected;
}
function isHtml(response) {
  return (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}
function isPage(url) {
  return url.origin === self.location.origin && url.pathname.indexOf(SCOPE) === 0 &&
         url.pathname !== self.location.pathname;
}
function isStatic(url) {
  return url.origin === self.location.origin && url.pathname.indexOf(STATIC) === 0;
}

function keepPage(key, response) {
  if (!ok(response) || !isHtml(response)) { return Promise.resolve(); }
  var copy = response.clone();
  return caches.open(CACHE).then(function (cache) { return cache.put(key, copy); })
    .catch(function () { /* storage full: the page still works online */ });
}

function networkFirst(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    event.waitUntil(keepPage(request.url, response));
    return response;
  }, function (error) {
    return caches.match(request.url, {cacheName: CACHE, ignoreVary: true, ignoreSearch: false})
      .then(function (found) { if (found) { return found; } throw error; });
  });
}

function cacheFirst(event) {
  var request = event.request;
  return caches.match(request, {cacheName: CACHE, ignoreVary: true}).then(function (found) {
    if (found) { return found; }
    return fetch(request).then(function (response) {
      if (ok(response)) {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(request, copy); })
          .catch(function () { /* storage full */ }));
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(networkFirst(event));
  } else if (isStatic(url)) {
    event.respondWith(cacheFirst(event));
  }
});

/* From the visit pages (drafts.js):
 *   {type: "keep", page: url or "", assets: [urls]}: control that page, and keep what it loaded
 *     before this worker controlled it (its HTML is fetched again only when not kept yet);
 *   {type: "clear"}: forget every kept page and file (signing out). */
function keepMissing(cache, href, page) {
  var url;
  try { url = new URL(href, self.location.href); } catch (e) { return Promise.resolve(); }
  url.hash = "";
  if (page ? !isPage(url) : !isStatic(url)) { return Promise.resolve(); }
  return cache.match(url.href, {ignoreVary: true}).then(function (found) {
    if (found) { return; }
    return fetch(url.href, {credentials: "same-origin", redirect: page ? "manual" : "follow"})
      .then(function (response) {
        if (ok(response) && (!page || isHtml(response))) { return cache.put(url.href, response); }
      });
  }).catch(function () { /* offline or full: tried again on the next page */ });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "clear") {
    event.waitUntil(caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key.indexOf(PREFIX) === 0; })
        .map(function (key) { return caches.delete(key); }));
    }));
  } else if (data.type === "keep") {
    // A page whose navigation was under way while this worker activated escapes the claim in
    // activate: claim it now, so that its later requests (and a reload) come through here.
    event.waitUntil(self.clients.claim().catch(function () { /* ignored */ }).then(function () {
      return caches.open(CACHE);
    }).then(function (cache) {
      var work = (Array.isArray(data.assets) ? data.assets : []).map(function (href) {
        return keepMissing(cache, String(href), false);
      });
      if (data.page) { work.push(keepMissing(cache, String(data.page), true)); }
      return Promise.all(work);
    }));
  }
});
