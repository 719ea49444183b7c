/* Visit drafts on the phone: the visit form in three screens, every change kept in localStorage
 * under its client_id, sent when the connection comes back, never dropped silently.
 *
 * A draft: {id, url, doneUrl, fields: [[name, value], ...], status, saved}. Status:
 *   editing  - being filled in (restored when its form is opened again)
 *   pending  - submitted; sent by this script when online (page load, the 'online' event, and
 *              again every RETRY_MS while one waits: on a weak connection the 'online' event
 *              can come before requests get through)
 *   signin   - the session had ended when it was sent: offered again after signing in
 *   review   - the server did not accept it (errors): offered to reopen and check
 * A draft is deleted once the server confirms it (a redirect to the child's monitoring page, or
 * to the report form when the visit raised a report; or a page naming the visit's id in a
 * data-visit-id attribute), or when the user discards it.
 * Nothing but what the form holds is stored, and nothing goes into URLs: the draft to reopen is
 * handed to the form page through sessionStorage.
 * The visit pages also register a service worker (sw.js) that keeps them, so a page reloaded
 * without a connection comes from its kept copy. Such a copy may hold an old CSRF token: the
 * cookie's token is put into the page's forms and is what sending uses. */
(function () {
  "use strict";
  var PREFIX = "everychild.visitdraft.";
  var REOPEN = "everychild.visitdraft.reopen";
  var script = document.currentScript;
  var loginUrl = script ? script.getAttribute("data-login-url") : "/accounts/login/";
  var workerUrl = script ? script.getAttribute("data-sw-url") : "";
  var logoutUrl = script ? script.getAttribute("data-logout-url") : "";
  var T = {};
  try { T = JSON.parse(document.getElementById("drafts-text").textContent); } catch (e) { T = {}; }
  var form = document.getElementById("visit-form");
  var currentId = null; // the draft open in this page's form
  var notice = ""; // a one-off line shown at the top of the banner
  var RETRY_MS = 15000; // how often pending drafts are tried again while the phone is online
  var sending = null; // the run of sendPending under way, if any (a draft is sent once at a time)

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (m, k) { return values[k]; });
  }

  // --- storage ---------------------------------------------------------------------------------
  function load(id) {
    try { return JSON.parse(localStorage.getItem(PREFIX + id)); } catch (e) { return null; }
  }
  function store(draft) {
    draft.saved = new Date().toISOString();
    try { localStorage.setItem(PREFIX + draft.id, JSON.stringify(draft)); } catch (e) { /* full */ }
  }
  function remove(id) {
    try { localStorage.removeItem(PREFIX + id); } catch (e) { /* unavailable */ }
  }
  function all() {
    var found = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0 && key !== REOPEN) {
          var d = load(key.slice(PREFIX.length));
          if (d && d.id) { found.push(d); }
        }
      }
    } catch (e) { /* unavailable */ }
    return found.sort(function (a, b) { return a.saved < b.saved ? 1 : -1; });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    if (window.crypto && crypto.getRandomValues) {
      var b = crypto.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
      var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }
    return "";
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- sending ---------------------------------------------------------------------------------
  function send(draft) {
    var body = new URLSearchParams();
    draft.fields.forEach(function (pair) {
      if (pair[0] !== "csrfmiddlewaretoken") { body.append(pair[0], pair[1]); }
    });
    body.append("csrfmiddlewaretoken", csrfToken());
    return fetch(draft.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken()}
    }).then(function (response) {
      var path = new URL(response.url, location.href).pathname;
      var done = path === draft.doneUrl || (draft.reportUrl && path === draft.reportUrl);
      if (response.ok && response.redirected && done) {  // recorded (then, maybe, the report)
        remove(draft.id);
        return "sent";
      }
      var status = path.indexOf(new URL(loginUrl, location.href).pathname) === 0 ? "signin" : "review";
      var kept = load(draft.id);
      if (kept) { kept.status = status; store(kept); }
      return status;
    }, function () { return "pending"; }); // no connection: stays pending
  }

  function pending() {
    return all().filter(function (d) { return d.status === "pending"; });
  }

  function sendPending() {
    if (!navigator.onLine) { render(); return Promise.resolve(); }
    if (sending) { return sending; }
    sending = pending().reduce(function (chain, draft) {
      return chain.then(function () {
        return send(draft).then(function (result) {
          if (result === "sent") {
            notice = T.sent;
            if (draft.id === currentId) { location.assign(draft.doneUrl); }
          }
        });
      });
    }, Promise.resolve()).then(render).then(function () { sending = null; },
                                           function () { sending = null; });
    return sending;
  }

  function retryPending() {
    if (navigator.onLine && pending().length) { sendPending(); }
  }

  // --- the banner --------------------------------------------------------------------------------
  function render() {
    var banner = document.getElementById("drafts-banner");
    if (!banner) { return; }
    var others = all().filter(function (d) { return d.id !== currentId || d.status !== "editing"; });
    banner.textContent = "";
    if (notice) { var p = document.createElement("p"); p.textContent = notice; banner.appendChild(p); }
    if (others.length) {
      var head = document.createElement("p");
      head.textContent = fmt(T.waiting, {n: others.length});
      head.setAttribute("data-testid", "drafts-count");
      banner.appendChild(head);
      var list = document.createElement("ul");
      others.forEach(function (d) { list.appendChild(item(d)); });
      banner.appendChild(list);
      if (others.some(function (d) { return d.status === "signin"; })) {
        var a = document.createElement("a");
        a.href = loginUrl; a.textContent = T.signinLink; a.setAttribute("data-testid", "drafts-signin");
        banner.appendChild(a);
      }
    }
    banner.hidden = !notice && !others.length;
  }

  function item(d) {
    var li = document.createElement("li");
    li.setAttribute("data-testid", "draft");
    li.setAttribute("data-status", d.status);
    var day = (d.fields.filter(function (p) { return p[0] === "visited_on"; })[0] || [])[1];
    var saved = d.saved ? d.saved.slice(0, 16).replace("T", " ") : "";
    li.appendChild(document.createTextNode(
      fmt(T.label, {date: day || T.nodate, saved: saved}) + " (" + (T[d.status] || d.status) + ") "));
    if (d.id !== currentId) {
      var open = document.createElement("a");
      open.href = d.url; open.textContent = T.open; open.setAttribute("data-testid", "draft-open");
      open.addEventListener("click", function () {
        try { sessionStorage.setItem(REOPEN, d.id); } catch (e) { /* the form restores the newest */ }
      });
      li.appendChild(open);
      li.appendChild(document.createTextNode(" "));
    }
    var drop = document.createElement("button");
    drop.type = "button"; drop.className = "link"; drop.textContent = T.discard;
    drop.addEventListener("click", function () {
      if (window.confirm(T.confirmDiscard)) { remove(d.id); render(); }
    });
    li.appendChild(drop);
    return li;
  }

  // --- the form ----------------------------------------------------------------------------------
  function values() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs;
  }

  function fill(pairs) {
    var byName = {};
    pairs.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "button") { return; }
      var given = byName[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = given.indexOf(el.value) !== -1;
      } else {
        el.value = given.length ? given[0] : "";
      }
    });
  }

  function save(status) {
    var draft = load(currentId) || {id: currentId, url: form.getAttribute("data-draft-url"),
                                    doneUrl: form.getAttribute("data-done-url"),
                                    reportUrl: form.getAttribute("data-report-url")};
    draft.fields = values();
    draft.status = status || "editing";
    store(draft);
  }

  function pick() {
    var url = form.getAttribute("data-draft-url");
    var wanted = null;
    try { wanted = sessionStorage.getItem(REOPEN); sessionStorage.removeItem(REOPEN); } catch (e) { /* none */ }
    var mine = all().filter(function (d) { return d.url === url; });
    return mine.filter(function (d) { return d.id === wanted; })[0] ||
           mine.filter(function (d) { return d.status !== "pending"; })[0] || null;
  }

  var screens = [];
  function show(n) {
    screens.forEach(function (s) { s.hidden = s.getAttribute("data-screen") !== String(n); });
    Array.prototype.forEach.call(form.querySelectorAll(".steps li"), function (li) {
      li.className = li.getAttribute("data-step") === String(n) ? "current" : "";
    });
    window.scrollTo(0, 0);
  }
  function screenOf(el) {
    var s = el.closest("[data-screen]");
    return s ? s.getAttribute("data-screen") : "1";
  }
  function firstInvalid(scope) {
    return Array.prototype.filter.call(scope.querySelectorAll("input, select, textarea"), function (el) {
      return !el.checkValidity();
    })[0];
  }

  function setUpForm() {
    var idField = form.querySelector("input[name=client_id]");
    var note = form.querySelector(".draft-note");
    if (form.getAttribute("data-bound") === "1" && idField.value) {
      currentId = idField.value; // the server's answer with errors: its values are the draft's
      save("editing");
    } else {
      var draft = pick();
      if (draft) {
        currentId = draft.id;
        fill(draft.fields);
        idField.value = draft.id;
        save("editing");
        if (note) { note.textContent = T.restored; note.hidden = false; }
      } else {
        currentId = newId() || idField.value || String(Date.now());
        idField.value = currentId;
      }
    }
    screens = Array.prototype.slice.call(form.querySelectorAll("[data-screen]"));
    Array.prototype.forEach.call(form.querySelectorAll(".nav, .steps"), function (el) { el.hidden = false; });
    var wrong = form.querySelector(".invalid, .errorlist");
    show(wrong ? screenOf(wrong) : 1);

    form.addEventListener("input", function () { save("editing"); });
    form.addEventListener("change", function () { save("editing"); });
    form.addEventListener("click", function (event) {
      var go = event.target.closest("[data-go]");
      if (go) {
        var here = event.target.closest("[data-screen]");
        var bad = Number(go.getAttribute("data-go")) > Number(here.getAttribute("data-screen")) && firstInvalid(here);
        if (bad) { bad.reportValidity(); return; }
        show(go.getAttribute("data-go"));
      }
      if (event.target.closest("[data-discard]") && window.confirm(T.confirmDiscard)) {
        remove(currentId);
        form.reset();
        currentId = newId() || String(Date.now());
        idField.value = currentId;
        show(1);
        render();
      }
    });
    form.addEventListener("submit", function (event) {
      var bad = firstInvalid(form);
      if (bad) { event.preventDefault(); show(screenOf(bad)); bad.reportValidity(); return; }
      save("pending"); // until the server confirms (the monitoring page lists it)
      if (!navigator.onLine) {
        event.preventDefault();
        notice = T.offline;
        render();
        window.scrollTo(0, 0);
      }
    });
  }

  // --- working offline: the service worker -----------------------------------------------------
  function cookieToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // A page from the worker's cache carries the token of the day it was kept; use the cookie's.
  function freshTokens() {
    var token = cookieToken();
    if (!token) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("input[name=csrfmiddlewaretoken]"), function (el) {
      el.value = token;
    });
    if (document.body && document.body.hasAttribute("hx-headers")) {
      document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": token}));
    }
  }

  function clearKept() {
    var jobs = [];
    try {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({type: "clear"});
      }
      if (window.caches) {
        jobs.push(caches.keys().then(function (keys) {
          return Promise.all(keys.filter(function (k) { return k.indexOf("everychild-visits-") === 0; })
            .map(function (k) { return caches.delete(k); }));
        }));
      }
    } catch (e) { /* nothing kept */ }
    return Promise.all(jobs).catch(function () { /* ignored */ });
  }

  // Signing out forgets the kept pages before the form is sent (at most a second later).
  function watchSignOut() {
    if (!logoutUrl || !window.caches) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (f) {
      if (new URL(f.action, location.href).pathname !== new URL(logoutUrl, location.href).pathname) { return; }
      f.addEventListener("submit", function (event) {
        event.preventDefault();
        var done = false;
        var go = function () { if (!done) { done = true; f.submit(); } };
        clearKept().then(go, go);
        setTimeout(go, 1000);
      });
    });
  }

  // What this page loaded before the worker controlled it (the first visit): the worker keeps it.
  var loadedThroughWorker = false;
  function keepThisPage(registration) {
    var worker = registration && registration.active;
    if (!worker) { return; }
    var assets = [];
    try {
      performance.getEntriesByType("resource").forEach(function (entry) { assets.push(entry.name); });
    } catch (e) { /* no timing */ }
    Array.prototype.forEach.call(document.querySelectorAll("script[src], link[rel=stylesheet][href]"), function (el) {
      assets.push(el.src || el.href);
    });
    var fromPost = form && form.getAttribute("data-bound") === "1";
    worker.postMessage({type: "keep", assets: assets,
                        page: loadedThroughWorker || fromPost ? "" : location.href});
  }

  function startWorker() {
    if (!workerUrl || !("serviceWorker" in navigator)) { return; }
    loadedThroughWorker = !!navigator.serviceWorker.controller;
    try {
      navigator.serviceWorker.register(workerUrl).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        if (document.readyState === "complete") { keepThisPage(registration); }
        else { window.addEventListener("load", function () { keepThisPage(registration); }); }
      }).catch(function () { /* no worker: the pages work online as before */ });
    } catch (e) { /* ignored */ }
  }

  // --- start -----------------------------------------------------------------------------------
  freshTokens();
  watchSignOut();
  startWorker();
  // Visits the server confirms (listed on a monitoring page) are no longer drafts.
  Array.prototype.forEach.call(document.querySelectorAll("[data-visit-id]"), function (el) {
    remove(el.getAttribute("data-visit-id"));
  });
  if (form) { setUpForm(); }
  window.addEventListener("online", sendPending);
  window.setInterval(retryPending, RETRY_MS);
  window.addEventListener("offline", render);
  render();
  sendPending();
})();
