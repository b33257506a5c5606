/* Live queue updates: server-sent events, falling back to polling the JSON API.
   Pages mark their live parts with data attributes:
     [data-live-summary]  the congestion page (every office)
     [data-live-display]  the lobby display (one office)
     [data-live-ticket]   a ticket holder's page
     [data-live-counter]  a clerk's calling screen (reloads its panel)
   No inline script, no library: the CSP allows our own static files only. */
(function () {
  "use strict";
  var POLL_MS = 15000;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k] == null ? "" : values[k]; });
  }

  function setText(root, selector, value) {
    var el = root.querySelector(selector);
    if (el && el.textContent !== String(value)) { el.textContent = value; }
  }

  function statusLine(mode) {
    var line = document.querySelector("[data-live-status]");
    if (!line) { return; }
    setText(line, "[data-live-state]", line.dataset["text" + mode.charAt(0).toUpperCase() + mode.slice(1)] || "");
    var t = line.querySelector("[data-live-updated]");
    if (t) { t.textContent = new Date().toLocaleTimeString(document.documentElement.lang || "ja", {hour12: false}); }
  }

  /* Connect to the event stream; after repeated failures (or without EventSource) poll instead. */
  function connect(root, onOffice, poll) {
    var failures = 0, timer = null, source = null;
    function startPolling() {
      if (timer) { return; }
      statusLine("polling");
      var run = function () {
        fetch(poll.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { poll.handle(data); statusLine("polling"); } })
          .catch(function () { statusLine("offline"); });
      };
      run();
      timer = window.setInterval(run, POLL_MS);
    }
    if (!window.EventSource || !root.dataset.sseUrl) { startPolling(); return; }
    source = new EventSource(root.dataset.sseUrl);
    source.addEventListener("open", function () { failures = 0; statusLine("live"); });
    source.addEventListener("office", function (e) {
      failures = 0;
      try { onOffice(JSON.parse(e.data)); } catch (err) { return; }
      statusLine("live");
    });
    source.addEventListener("error", function () {
      failures += 1;
      statusLine("offline");
      if (failures >= 3 || source.readyState === EventSource.CLOSED) { source.close(); startPolling(); }
    });
  }

  /* The congestion page. */
  function updateOffice(root, snap) {
    var card = root.querySelector('[data-office="' + snap.office + '"]');
    if (!card) { return; }
    var head = card.querySelector(".office-card__head");
    setText(head, '[data-field="status"]', snap.status);
    setText(head, '[data-field="detail"]', snap.is_open ? snap.detail : "");  /* closed: the box below says when */
    var state = head.querySelector('[data-field="state"]');
    if (state) {
      state.classList.toggle("office-state--open", !!snap.is_open);
      state.classList.toggle("office-state--closed", !snap.is_open);
    }
    /* A closed office says so in words ("本日の受付は終了しました / 次の受付: …"), not with rows of zeros. */
    var closed = card.querySelector('[data-field="closed"]'), table = card.querySelector('[data-field="table"]');
    if (closed) {
      closed.hidden = !!snap.is_open;
      setText(closed, '[data-field="headline"]', snap.headline || "");
      setText(closed, '[data-field="next_text"]', snap.next_text || "");
    }
    if (table) { table.hidden = !snap.is_open; }
    snap.services.forEach(function (s) {
      var row = card.querySelector('tr[data-service="' + s.code + '"]');
      if (!row) { return; }
      setText(row, '[data-field="waiting"]', s.waiting);
      setText(row, '[data-field="wait_minutes"]', s.wait_minutes);
      setText(row, '[data-field="status"]', s.status);
      setText(row, '[data-field="label"]', s.label);
    });
  }

  function summary(root) {
    var update = function (snap) { updateOffice(root, snap); };
    connect(root, update, {url: root.dataset.pollUrl, handle: function (data) { data.offices.forEach(update); }});
  }

  /* The lobby display. */
  function display(root) {
    var list = root.querySelector("[data-called-list]");
    var seen = null;
    function render(snap) {
      var signature = snap.called.map(function (c) { return c.label + "@" + c.called_at + "#" + c.recalls; });
      var fresh = seen !== null && signature.some(function (s) { return seen.indexOf(s) < 0; });
      seen = signature;
      var items = document.createDocumentFragment();
      if (!snap.called.length) {
        var empty = document.createElement("li");
        empty.className = "display__empty";
        empty.textContent = root.dataset.textNone;
        items.appendChild(empty);
      }
      snap.called.forEach(function (c) {
        var li = document.createElement("li");
        li.className = "display__item" + (c.status === "called" ? " display__item--called" : "");
        [["display__number", c.label], ["display__arrow", "→"], ["display__counter", c.counter_label]].forEach(function (p) {
          var span = document.createElement("span");
          span.className = p[0];
          span.textContent = p[1];
          if (p[0] === "display__arrow") { span.setAttribute("aria-hidden", "true"); }
          li.appendChild(span);
        });
        items.appendChild(li);
      });
      list.replaceChildren(items);
      snap.services.forEach(function (s) {
        var row = root.querySelector('[data-waiting-list] [data-service="' + s.code + '"]');
        if (row) { setText(row, '[data-field="waiting"]', s.waiting); }
      });
      if (fresh && window.kuyakushoChime) { window.kuyakushoChime(); }
    }
    connect(root, render, {url: root.dataset.pollUrl, handle: render});
  }

  /* A ticket holder's page. */
  function ticket(root) {
    var label = root.dataset.label, out = root.querySelector("[data-ticket-position]");
    function show(text) { if (out && out.textContent.trim() !== text) { out.textContent = text; } }
    function fromState(st) {
      if (st.state === "called") { show(fmt(root.dataset.textCalled, {counter: st.counter_label})); }
      else if (st.state === "serving") { show(fmt(root.dataset.textServing, {counter: st.counter_label})); }
      else if (st.state === "waiting") {
        show(st.ahead === 0 ? root.dataset.textNext : fmt(root.dataset.textWaiting, {ahead: st.ahead, minutes: st.wait_minutes}));
      } else { show(root.dataset.textFinal); }
    }
    function fromOffice(snap) {
      var called = snap.called.filter(function (c) { return c.label === label; })[0];
      if (called) { fromState({state: called.status, counter_label: called.counter_label}); return; }
      for (var i = 0; i < snap.services.length; i++) {
        var s = snap.services[i], at = (s.queue || []).indexOf(label);
        if (at >= 0) {
          var minutes = at ? Math.ceil(at * s.minutes_per_person / Math.max(1, s.counters)) : 0;
          fromState({state: "waiting", ahead: at, wait_minutes: minutes});
          return;
        }
      }
      /* Not in the office's lists any more: ask for this ticket's own state (done, absent …). */
      fetch(root.dataset.statusUrl, {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (st) { if (st) { fromState(st); } });
    }
    connect(root, fromOffice, {url: root.dataset.pollUrl, handle: fromState});
  }

  /* A clerk's calling screen: reload the panel (server-rendered) when the office changes. */
  function counter(root) {
    var pending = null;
    function reload() {
      if (pending || root.contains(document.activeElement) && document.activeElement.tagName === "INPUT") { return; }
      pending = window.setTimeout(function () {
        pending = null;
        fetch(root.dataset.panelUrl, {headers: {"HX-Request": "true"}, credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null) { return; }
            var doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
            root.replaceChildren.apply(root, Array.prototype.slice.call(doc.body.firstChild.childNodes));
          });
      }, 150);
    }
    var first = true;
    connect(root, function () { if (first) { first = false; return; } reload(); }, {url: root.dataset.pollUrl, handle: reload});
  }

  function start() {
    document.querySelectorAll("[data-live-summary]").forEach(summary);
    document.querySelectorAll("[data-live-display]").forEach(display);
    document.querySelectorAll("[data-live-ticket]").forEach(ticket);
    document.querySelectorAll("[data-live-counter]").forEach(counter);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
