// Logging out of a shared phone leaves nothing of the user behind: the pages the
// service worker kept for offline use (/me/) are deleted, the worker unregistered,
// and the queue of forms recorded offline but not yet sent is dropped, asked
// first when it holds any (they would be sent as the next user otherwise).
"use strict";
(function () {
  var DB_NAME = "duikou-offline";
  var STORE = "queue";

  function queued() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) return resolve(0);
      var open = indexedDB.open(DB_NAME);
      open.onupgradeneeded = function () { open.transaction.abort(); resolve(0); };
      open.onerror = function () { resolve(0); };
      open.onsuccess = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains(STORE)) { db.close(); return resolve(0); }
        var count = db.transaction(STORE).objectStore(STORE).count();
        count.onsuccess = function () { db.close(); resolve(count.result); };
        count.onerror = function () { db.close(); resolve(0); };
      };
    });
  }

  function forget() {
    var work = [];
    if (window.caches) {
      work.push(caches.keys().then(function (names) {
        return Promise.all(names
          .filter(function (name) { return name.indexOf("duikou-") === 0; })
          .map(function (name) { return caches.delete(name); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      work.push(navigator.serviceWorker.getRegistrations().then(function (all) {
        return Promise.all(all.map(function (r) { return r.unregister(); }));
      }));
    }
    if (window.indexedDB) {
      work.push(new Promise(function (resolve) {
        var drop = indexedDB.deleteDatabase(DB_NAME);
        drop.onsuccess = drop.onerror = drop.onblocked = function () { resolve(); };
      }));
    }
    return Promise.all(work).catch(function () {});
  }

  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-cleared")) return;
      event.preventDefault();
      queued().then(function (n) {
        if (n > 0 && !window.confirm(form.getAttribute("data-unsent").replace("{count}", n))) {
          return;
        }
        forget().then(function () {
          form.setAttribute("data-cleared", "1");
          form.submit();
        });
      });
    });
  });
})();
