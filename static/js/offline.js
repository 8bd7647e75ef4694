// A seconded teacher's pages (/me/): forms filled in without network are kept in the
// browser (IndexedDB) and sent, in order, when the network returns.
//
// A form marked data-offline-form gets a key made here (client_key): the server
// remembers each key it took, so a form sent twice (the answer was lost) is saved
// once. Offline (navigator.onLine false, or the request fails) the form's fields,
// photos included, are queued with the page's CSRF token; on the "online" event and
// on every page load the queue is sent, each entry removed once the server answers
// that it took it (or refused it: then its message is shown, to type it again).
(function () {
  "use strict";

  var DB_NAME = "duikou-offline";
  var STORE = "queue";
  var HEADER = "X-Duikou-Queue";
  var page = document.getElementById("teacher-page");
  if (!page) return;
  var box = document.getElementById("offline-queue");
  var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  var zh = lang.indexOf("zh") === 0;
  var TEXT = zh
    ? {
        saved: function (photos) {
          return photos
            ? "已离线保存（含 " + photos + " 张照片），联网后自动提交。"
            : "已离线保存，联网后自动提交。";
        },
        notKept: "这条记录没能保存在手机上（可能是手机存储空间不足）：请少选几张照片再保存，或到有网络的地方提交。",
        waiting: function (n) { return n + " 条记录已离线保存，联网后自动提交。"; },
        sent: function (n) { return n + " 条离线保存的记录已提交。"; },
        refused: "一条离线保存的记录未被接受，请重新填写：",
        login: "离线保存的记录需要登录后才能提交，请重新登录。",
        sending: "正在提交离线保存的记录……",
        offline: "当前没有网络：填写的记录会先保存在手机上，联网后自动提交。",
      }
    : {
        saved: function (photos) {
          return photos
            ? "Saved offline with " + photos + " photo(s): it will be sent when the network returns."
            : "Saved offline: it will be sent when the network returns.";
        },
        notKept: "This record could not be kept on the phone (its storage may be full): choose fewer photos and save again, or send it where there is network.",
        waiting: function (n) { return n + " record(s) saved offline, sent when the network returns."; },
        sent: function (n) { return n + " record(s) saved offline were sent."; },
        refused: "A record saved offline was not accepted; please enter it again: ",
        login: "Records saved offline are sent once you sign in again.",
        sending: "Sending the records saved offline…",
        offline: "No network: what you fill in is kept on the phone and sent when the network returns.",
      };

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function all() { return store("readonly", function (s) { return s.getAll(); }); }
  function add(entry) { return store("readwrite", function (s) { return s.add(entry); }); }
  function remove(id) { return store("readwrite", function (s) { return s.delete(id); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now() + "-" + Math.random().toString(16).slice(2);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(text, kind) {
    box.className = "queue-box alert alert-" + (kind || "warning");
    box.textContent = text;
  }

  // A photo is kept as the File itself: IndexedDB stores files as they are.
  function isPhoto(value) {
    return typeof File !== "undefined" && value instanceof File && value.name !== "";
  }

  function entryOf(form) {
    var fields = [];
    var photos = 0;
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      fields.push([name, value]);
      if (isPhoto(value)) photos += 1;
    });
    return {
      url: form.getAttribute("action") || window.location.pathname,
      fields: fields,
      photos: photos,
      csrf: csrfToken(),
      label: form.getAttribute("data-offline-label") || "",
      queuedAt: new Date().toISOString(),
    };
  }

  function post(entry) {
    var data = new FormData();
    entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    // The token of the page in hand is fresh (a new sign-in changes it); the one
    // stored with the entry serves when no form is on the page.
    var token = csrfToken() || entry.csrf;
    data.append("csrfmiddlewaretoken", token);
    var headers = { "X-CSRFToken": token };
    headers[HEADER] = "1";
    return fetch(entry.url, {
      method: "POST",
      body: data,
      headers: headers,
      credentials: "same-origin",
    });
  }

  function answerOf(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) {
      return Promise.resolve({ ok: false, signIn: true });  // the login page
    }
    return response.json().then(function (body) {
      body.status = response.status;
      return body;
    });
  }

  var flushing = false;

  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    var sent = 0;
    return all()
      .then(function (entries) {
        if (entries.length) show(TEXT.sending, "info");
        // In the order they were made, one after the other.
        return entries.reduce(function (chain, entry) {
          return chain.then(function (stop) {
            if (stop) return true;
            return post(entry)
              .then(answerOf)
              .then(function (answer) {
                if (answer.ok) {
                  sent += 1;
                  return remove(entry.id).then(function () { return false; });
                }
                if (answer.signIn || answer.status === 403) {
                  show(TEXT.login, "warning");
                  return true;  // keep it, and the ones after it
                }
                if (answer.status === 400) {
                  var errors = Object.keys(answer.errors || {}).map(function (k) {
                    return answer.errors[k].join(" ");
                  });
                  show(TEXT.refused + entry.label + " " + errors.join(" "), "danger");
                  return remove(entry.id).then(function () { return false; });
                }
                return true;  // the server failed: try again later
              })
              .catch(function () { return true; });  // still no network
          });
        }, Promise.resolve(false));
      })
      .then(function () { return all(); })
      .then(function (left) {
        flushing = false;
        if (left.length) {
          if (!box.textContent || box.className.indexOf("info") !== -1) {
            show(TEXT.waiting(left.length), "warning");
          }
        } else if (sent) {
          show(TEXT.sent(sent), "success");
          if (window.location.pathname === page.getAttribute("data-scope")) {
            window.location.reload();
          }
        } else if (box.className.indexOf("info") !== -1) {
          box.textContent = "";
        }
      })
      .catch(function () { flushing = false; });
  }

  function queue(form) {
    var entry = entryOf(form);
    return add(entry).then(
      function () {
        form.reset();
        show(TEXT.saved(entry.photos), "warning");
        box.setAttribute("data-queued", "1");
        window.scrollTo(0, 0);
        return true;
      },
      function () {
        // Not stored (the phone's storage is full): the form keeps what was
        // typed, and the page says so rather than seem to have taken it.
        show(TEXT.notKept, "danger");
        window.scrollTo(0, 0);
        return false;
      }
    );
  }

  document.querySelectorAll("form[data-offline-form]").forEach(function (form) {
    var key = form.querySelector("input[name=client_key]");
    if (key && !key.value) key.value = newKey();
    function queued() {
      return queue(form).then(function (kept) {
        if (kept && key) key.value = newKey();  // the next entry is another record
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!navigator.onLine) return queued();
      // Online: sent from here, so that a request lost on a weak signal is queued
      // rather than lost; a refused form is sent again by the browser itself, to
      // come back with its errors beside the fields (its key was not taken).
      post(entryOf(form))
        .then(answerOf)
        .then(function (answer) {
          if (answer.ok) {
            sessionStorage.setItem("duikou-flash", answer.message || "");
            window.location.href = page.getAttribute("data-scope");
          } else {
            form.submit();
          }
        })
        .catch(queued);
    });
  });

  var flash = sessionStorage.getItem("duikou-flash");
  if (flash) {
    sessionStorage.removeItem("duikou-flash");
    show(flash, "success");
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", function () {
    all().then(function (left) {
      if (!left.length) show(TEXT.offline, "secondary");
    });
  });

  // The service worker keeps the teacher's pages and the site's files, so that
  // the pages open without network.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker
      .register(page.getAttribute("data-sw"), { scope: page.getAttribute("data-scope") })
      .catch(function () {});
  }
  flush();
})();
