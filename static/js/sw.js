// The service worker of a seconded teacher's pages (served as /me/sw.js, so that
// its scope is /me/). It keeps the pages and the site's files it has seen, so that
// the pages open without network: a page is asked from the network first and
// taken from the cache when there is none; a file (/static/) from the cache first.
// It never touches a POST: the page's offline.js queues forms itself.
"use strict";

// A new name whenever a file the pages run changes (offline.js): the files are
// taken from the cache first, so the old cache is dropped on activation.
var CACHE = "duikou-teacher-v2";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (name) { return name.indexOf("duikou-teacher-") === 0 && name !== CACHE; })
          .map(function (name) { return caches.delete(name); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
          }
          return response;
        });
      })
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then(function (response) {
          if (response.ok && !response.redirected) {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
          }
          return response;
        })
        .catch(function () {
          return caches.match(request).then(function (hit) {
            return hit || caches.match(new URL("./", self.location).pathname);
          });
        })
    );
  }
});
