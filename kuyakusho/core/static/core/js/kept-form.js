// A form refused for an expired CSRF token keeps what was typed: the refusal page stores the posted values
// (never passwords or PINs) for this tab, and the form they came from fills itself in once, when it is shown
// again (after signing in again if the session had ended). Nothing is sent anywhere.
(function () {
  "use strict";
  var PREFIX = "kuyakusho.kept:";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }

  function remember() {
    var node = document.getElementById("kept-form");
    if (!node) { return; }
    try {
      var kept = JSON.parse(node.textContent);
      if (kept && kept.path && kept.values && kept.values.length) {
        store.setItem(PREFIX + kept.path, JSON.stringify(kept.values));
      }
    } catch (e) { /* nothing to keep */ }
  }

  function targetPath(form) {
    var action = form.getAttribute("action");
    try { return new URL(action || window.location.href, window.location.href).pathname; } catch (e) { return null; }
  }

  function fill(form, values) {
    var filled = false;
    values.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name !== name || field.type === "hidden" || field.type === "password" || field.type === "file") {
          return;
        }
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.value === value) { field.checked = true; filled = true; }
        } else if (field.tagName === "SELECT" && field.multiple) {
          Array.prototype.forEach.call(field.options, function (o) { if (o.value === value) { o.selected = true; } });
          filled = true;
        } else if (!field.value || field.dataset.keptFilled !== name) {
          field.value = value;
          field.dataset.keptFilled = name;
          filled = true;
        }
      });
    });
    return filled;
  }

  function restore() {
    Array.prototype.forEach.call(document.forms, function (form) {
      var path = targetPath(form);
      if (!path || (form.method || "get").toLowerCase() !== "post") { return; }
      var raw = store.getItem(PREFIX + path);
      if (!raw) { return; }
      try {
        if (fill(form, JSON.parse(raw))) {
          form.classList.add("form--restored");
          var note = document.getElementById("kept-form-note");
          if (note) { note.hidden = false; }
        }
      } catch (e) { /* ignore */ }
      store.removeItem(PREFIX + path);
    });
  }

  remember();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
}());
