// The « Imprimer » button of a printable page (no inline onclick: the CSP refuses it).
document.querySelectorAll("[data-print]").forEach(function (button) {
  "use strict";
  button.addEventListener("click", function () { window.print(); });
});
