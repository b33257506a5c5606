// Certificate kiosk: the on-screen PIN keypad, one tap per confirmation, and the idle timer that ends
// the visit after a period without a touch (the server ends it too, whatever the browser does).
(function () {
  "use strict";

  // After the PIN, each screen starts at its main heading (a screen reader reads the new screen from there,
  // and the next Tab goes to its first control), unless an error asks for attention first.
  var heading = document.querySelector("h1[data-focus-on-load]");
  if (heading && !document.querySelector("[autofocus]")) {
    heading.focus();
  }

  var keypad = document.getElementById("ck-keypad");
  if (keypad) {
    var input = document.getElementById(keypad.dataset.target);
    keypad.hidden = false;
    keypad.addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key || !input) { return; }
      if (key.dataset.action === "clear") {
        input.value = "";
      } else if (input.value.length < 4) {
        input.value += key.dataset.digit;
      }
      input.focus();
    });
  }

  var confirmForm = document.getElementById("ck-confirm");
  if (confirmForm) {
    confirmForm.addEventListener("submit", function () {
      var button = confirmForm.querySelector("[data-once]");
      // Disabled after this submit has started: a double tap sends nothing more (and the server's
      // idempotency key would make a second request return the same certificate anyway).
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  }

  var finish = document.getElementById("ck-finish");
  if (!finish) { return; }
  var limit = parseInt(finish.dataset.idleSeconds, 10) * 1000;
  var warning = document.getElementById("ck-idle-warning");
  var reason = document.getElementById("ck-finish-reason");
  var last = Date.now();
  function touched() {
    last = Date.now();
    if (warning) { warning.hidden = true; }
  }
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true });
  });
  window.setInterval(function () {
    var idle = Date.now() - last;
    if (warning && idle > limit - 20000) { warning.hidden = false; }
    if (idle >= limit) {
      reason.value = "timeout";
      finish.submit();
    }
  }, 1000);
})();
