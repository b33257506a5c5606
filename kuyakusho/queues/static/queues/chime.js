/* The lobby display's chime: two soft tones synthesised with the Web Audio API (no sound file).
   Browsers allow sound only after a user gesture, so staff turn it on once with the button. */
(function () {
  "use strict";
  var ctx = null, on = false;
  function tone(freq, start, length) {
    var osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + start + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + start + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(ctx.currentTime + start);
    osc.stop(ctx.currentTime + start + length + 0.05);
  }
  window.kuyakushoChime = function () {
    if (!on || !ctx) { return; }
    tone(880, 0, 0.6);      /* ピン */
    tone(659.25, 0.45, 0.9); /* ポーン */
  };
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-chime-toggle]");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var AudioContext = window.AudioContext || window.webkitAudioContext;
      if (!AudioContext) { return; }
      if (!ctx) { ctx = new AudioContext(); }
      on = !on;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? button.dataset.textOn : button.dataset.textOff;
      if (on) { ctx.resume(); window.kuyakushoChime(); }
    });
  });
})();
