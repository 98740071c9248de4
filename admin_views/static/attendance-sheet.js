// The attendance sheet (templates/attendance_sheet.html): tick boxes, « Tout cocher »,
// the filter over the list, the counters, and « Ajouter une personne hors territoire »
// (a search over /admin/training/presences/personnes/). A file, not inline script: the
// Content-Security-Policy (admin_views/security.py) refuses inline handlers.
(function () {
  "use strict";

  var form = document.getElementById("attendance-sheet");
  if (!form) {
    return;
  }
  var canWrite = Boolean(form.getAttribute("data-can-write"));

  function fold(text) {  // « Hélène » → « helene », as the server's search folds
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function rows(scope) {
    return Array.prototype.slice.call((scope || form).querySelectorAll("tr.sheet-row"));
  }

  function groupOf(key) {
    return form.querySelector("tbody.sheet-structure[data-structure='" + key + "']");
  }

  function setPresent(row, present) {
    var box = row.querySelector(".sheet-present");
    if (!box || box.disabled) {
      return;
    }
    box.checked = present;
    syncRow(row);
  }

  function syncRow(row) {
    var box = row.querySelector(".sheet-present");
    var mark = row.querySelector(".sheet-mark");
    var remove = row.querySelector("input[name=remove]");
    if (!box.checked && mark) {
      mark.value = "";  // an absent person gives no evaluation
    }
    if (box.checked && remove) {
      remove.checked = false;
    }
    row.classList.toggle("is-present", box.checked);
    row.classList.toggle("is-removed", Boolean(remove && remove.checked));
  }

  function plural(count, one, many) {
    return count + "\u00a0" + (count > 1 ? many : one);
  }

  function updateCounts() {
    var all = rows();
    var ticked = all.filter(function (row) { return row.querySelector(".sheet-present").checked; });
    var total = document.getElementById("sheet-total");
    if (total) {
      total.textContent = plural(ticked.length, "présent·e coché·e", "présent·e·s coché·e·s") +
        " sur " + all.length;
    }
    Array.prototype.forEach.call(form.querySelectorAll("[data-count-of]"), function (counter) {
      var members = rows(groupOf(counter.getAttribute("data-count-of")));
      var present = members.filter(function (row) { return row.querySelector(".sheet-present").checked; });
      counter.textContent = "— " + present.length + "\u00a0/\u00a0" + members.length;
    });
  }

  // --- the filter over the list ---------------------------------------------------
  var filter = document.getElementById("sheet-filter");

  function applyFilter() {
    var words = fold(filter.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(form.querySelectorAll("tbody.sheet-structure"), function (group) {
      var heading = group.querySelector(".sheet-group");
      var groupText = fold(heading ? heading.textContent : "");
      var visible = 0;
      rows(group).forEach(function (row) {
        var text = groupText + " " + fold(row.getAttribute("data-text"));
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        row.classList.toggle("d-none", !match);
        visible += match ? 1 : 0;
      });
      group.classList.toggle("d-none", visible === 0);
      shown += visible;
    });
    document.getElementById("sheet-no-match").classList.toggle("d-none", shown > 0 || !words.length);
  }

  if (filter) {
    ["input", "search", "change"].forEach(function (name) {  // typing, the × of the box, a reset
      filter.addEventListener(name, applyFilter);
    });
  }

  // Enter in a search box searches, it does not save the sheet.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.type === "search") {
      event.preventDefault();
      if (event.target.id === "sheet-add-input") {
        var first = results && results.querySelector("button");
        if (first) {
          first.click();
        }
      }
    }
  });

  // --- ticks ------------------------------------------------------------------------
  form.addEventListener("change", function (event) {
    var row = event.target.closest("tr.sheet-row");
    if (!row) {
      return;
    }
    var box = row.querySelector(".sheet-present");
    if (event.target.classList.contains("sheet-mark") && event.target.value) {
      box.checked = true;  // an evaluation is given by someone present
    } else if (event.target.name === "remove" && event.target.checked) {
      box.checked = false;
    }
    syncRow(row);
    updateCounts();
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-tick], [data-untick]");
    if (!button) {
      return;
    }
    var present = button.hasAttribute("data-tick");
    var key = button.getAttribute(present ? "data-tick" : "data-untick");
    var scope = key === "all" ? form : groupOf(key);
    rows(scope).forEach(function (row) {
      if (!row.classList.contains("d-none")) {  // the rows the filter shows
        setPresent(row, present);
      }
    });
    updateCounts();
  });

  // --- « Ajouter une personne hors territoire » ---------------------------------------
  var input = document.getElementById("sheet-add-input");
  var results = document.getElementById("sheet-add-results");
  var template = document.getElementById("sheet-row-template");
  var timer = null;
  var asked = 0;

  function listedRow(id) {
    var hidden = form.querySelector("input[name=listed][value='" + id + "']");
    return hidden ? hidden.closest("tr") : null;
  }

  function closeResults() {
    results.classList.add("d-none");
    results.textContent = "";
  }

  function addPerson(person) {
    var row = listedRow(person.id);
    if (!row) {
      row = template.content.firstElementChild.cloneNode(true);
      var key = String(person.id);
      row.querySelector("input[name=listed]").value = key;
      var box = row.querySelector(".sheet-present");
      box.value = key;
      box.id = "present-" + key;
      var label = row.querySelector(".sheet-name");
      label.htmlFor = box.id;
      label.textContent = person.name + " — " + person.structure;
      row.querySelector(".sheet-function").textContent = person.fonction;
      var mark = row.querySelector(".sheet-mark");
      mark.name = mark.id = "evaluation-" + key;
      var markLabel = row.querySelector(".sheet-evaluation label");
      markLabel.htmlFor = mark.id;
      markLabel.textContent = "Évaluation de " + person.name;
      row.setAttribute("data-text", person.name + " " + person.structure + " " + person.fonction);
      var added = document.getElementById("sheet-added");
      added.appendChild(row);
      added.classList.remove("d-none");
    }
    row.classList.remove("d-none");
    row.closest("tbody").classList.remove("d-none");
    setPresent(row, true);
    updateCounts();
    row.scrollIntoView({block: "nearest"});
    closeResults();
    input.value = "";
    input.focus();
  }

  function showResults(found, text) {
    results.textContent = "";
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "list-group-item small text-muted";
      none.textContent = "Aucun·e référent·e actif·ve ne correspond à « " + text + " ».";
      results.appendChild(none);
    }
    found.forEach(function (person) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "list-group-item list-group-item-action py-1";
      var name = document.createElement("strong");
      name.textContent = person.name;
      button.appendChild(name);
      button.appendChild(document.createTextNode(" — " + person.structure +
        (listedRow(person.id) ? " (déjà sur la feuille)" : "")));
      button.addEventListener("click", function () { addPerson(person); });
      item.appendChild(button);
      results.appendChild(item);
    });
    results.classList.remove("d-none");
  }

  function search() {
    var text = input.value.trim();
    if (text.length < 2) {
      closeResults();
      return;
    }
    var ticket = ++asked;
    var url = form.getAttribute("data-search-url") + "?q=" + encodeURIComponent(text);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (ticket === asked) {  // an older answer arriving late is dropped
          showResults(answer.results, text);
        }
      })
      .catch(function () {
        if (ticket === asked) {
          results.textContent = "";
          var failed = document.createElement("li");
          failed.className = "list-group-item small text-danger";
          failed.textContent = "La recherche n'a pas abouti : rechargez la page (votre session a peut-être expiré).";
          results.appendChild(failed);
          results.classList.remove("d-none");
        }
      });
  }

  if (canWrite && input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        closeResults();
      }
    });
  }

  rows().forEach(syncRow);
  updateCounts();
}());
