// The lobby display: when the office alternates languages, swap the prepared Japanese and English words
// every few seconds. The swapped words are aria-hidden (a screen reader reads the page-language copy beside
// them), so a swap announces nothing; the page is never reloaded.
(function () {
  "use strict";

  var root = document.querySelector("[data-alternate-seconds]");
  if (!root) { return; }
  var seconds = parseInt(root.dataset.alternateSeconds, 10);
  if (!(seconds >= 5)) { return; }
  var language = "ja";
  window.setInterval(function () {
    language = language === "ja" ? "en" : "ja";
    document.querySelectorAll("[data-alternate]").forEach(function (el) {
      var text = el.dataset[language];
      if (text && el.textContent !== text) { el.textContent = text; }
      el.lang = language;
    });
    document.body.dataset.displayLanguage = language;
  }, seconds * 1000);
})();
