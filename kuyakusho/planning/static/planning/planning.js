/* Planning pages: the print button of the staffing table. No inline script (CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest("[data-print]") : null;
    if (t) { window.print(); }
  });
}());
