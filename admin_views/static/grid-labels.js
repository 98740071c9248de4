// Grids (Flask-Admin's list.html): the tick boxes of the rows only had a title, which
// screen readers may not read as a label (axe-core: label-title-only). Each gets the name
// of what it selects: « Sélectionner « CCAS de Poitiers » », « Sélectionner toutes les
// fiches de la page ».
(function () {
  "use strict";

  function rowName(box) {
    var row = box.closest("tr");
    var cells = row ? row.querySelectorAll("td:not(.list-buttons-column)") : [];
    for (var i = 0; i < cells.length; i++) {
      var text = cells[i].textContent.trim();
      if (text && !cells[i].querySelector("input")) {
        return text.replace(/\s+/g, " ");
      }
    }
    return "";
  }

  document.querySelectorAll("input.action-checkbox").forEach(function (box) {
    var name = rowName(box);
    box.setAttribute("aria-label", name ? "Sélectionner « " + name + " »" : "Sélectionner la fiche");
  });
  document.querySelectorAll("input.action-rowtoggle").forEach(function (box) {
    box.setAttribute("aria-label", "Sélectionner toutes les fiches de la page");
  });
}());
