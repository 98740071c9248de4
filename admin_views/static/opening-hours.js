// The French opening-hours editor (admin_views/opening_hours.py): rows of days × time
// ranges, « Fermé les jours fériés », « 24 h/24 », « Sur rendez-vous ». It writes the
// OpenStreetMap value into the form's text input, which is what is saved; the rules are
// those of models/opening_hours.py (to_osm, schedule_to_french), kept the same here.
// Without JavaScript the text input stays, and accepts French as well.
(function () {
  "use strict";

  var OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  var SHORT = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
  var LONG = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
  var NNBSP = "\u202f";
  var APPOINTMENT = "sur rendez-vous";
  var RANGES_PER_ROW = 2;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // « 9 », « 9h », « 9 h 30 », « 09:30 », « 930 » → « 09:30 »; null when not a time.
  function readTime(text) {
    var match = /^\s*(\d{1,2})\s*(?:[h:.]\s*(\d{2})?\s*)?$/i.exec(text) || /^\s*(\d{1,2})(\d{2})\s*$/.exec(text);
    if (!match) { return null; }
    var hours = parseInt(match[1], 10), minutes = parseInt(match[2] || "0", 10);
    if (hours > 24 || minutes > 59 || (hours === 24 && minutes > 0)) { return null; }
    return (hours < 10 ? "0" : "") + hours + ":" + (minutes < 10 ? "0" : "") + minutes;
  }

  function runs(days) {
    var result = [];
    days.slice().sort(function (a, b) { return a - b; }).forEach(function (day) {
      var last = result[result.length - 1];
      if (last && last[last.length - 1] === day - 1) { last.push(day); } else { result.push([day]); }
    });
    return result;
  }

  // Runs of three days or more as a range: « Mo-We,Fr », « lun.–mer., ven. ».
  function daysText(days, names, dash, comma) {
    return runs(days).map(function (run) {
      return run.length > 2 ? names[run[0]] + dash + names[run[run.length - 1]]
        : run.map(function (d) { return names[d]; }).join(comma);
    }).join(comma);
  }

  function osmDays(days) {
    return days.length === 7 ? "Mo-Su" : daysText(days, OSM_DAYS, "-", ",");
  }

  function frenchDays(days) {
    return days.length === 7 ? "tous les jours" : daysText(days, SHORT, "–", ", ");
  }

  function frenchTime(time) {
    var parts = time.split(":"), shown = parseInt(parts[0], 10) + NNBSP + "h";
    return parts[1] === "00" ? shown : shown + NNBSP + parts[1];
  }

  function isWholeDay(ranges) {
    return ranges.length === 1 && ranges[0][0] === "00:00" && ranges[0][1] === "24:00";
  }

  function frenchRanges(ranges) {
    if (isWholeDay(ranges)) { return "24" + NNBSP + "h/24"; }
    return ranges.map(function (r) { return frenchTime(r[0]) + "–" + frenchTime(r[1]); }).join(", ");
  }

  function isAlways(schedule) {
    var rows = schedule.rows;
    return schedule.always || (rows.length === 1 && rows[0].days.length === 7 && isWholeDay(rows[0].ranges));
  }

  function toOsm(schedule) {
    var rules = [], seen = {};
    if (isAlways(schedule)) {
      rules.push("24/7");
    } else {
      schedule.rows.forEach(function (row) {
        if (!row.days.length) { return; }
        var times = row.ranges.map(function (r) { return r[0] + "-" + r[1]; }).join(",") || "off";
        var rule = osmDays(row.days) + " " + times;
        var overlaps = row.days.some(function (d) { return seen[d]; });
        if (rules.length && overlaps) { rules[rules.length - 1] += ", " + rule; } else { rules.push(rule); }
        row.days.forEach(function (d) { seen[d] = true; });
      });
    }
    if (schedule.holidays_closed) { rules.push("PH off"); }
    var value = rules.join("; ");
    if (schedule.appointment) { value = value ? value + ' || "' + APPOINTMENT + '"' : '"' + APPOINTMENT + '"'; }
    return value;
  }

  function toFrench(schedule) {
    var parts = [];
    if (isAlways(schedule)) {
      parts.push("24" + NNBSP + "h/24");
    } else {
      schedule.rows.forEach(function (row) {
        if (row.days.length) {
          parts.push(frenchDays(row.days) + " " + (row.ranges.length ? frenchRanges(row.ranges) : "fermé"));
        }
      });
    }
    if (schedule.holidays_closed) { parts.push("fermé les jours fériés"); }
    if (schedule.appointment) { parts.push(APPOINTMENT); }
    return parts.join(NNBSP + "; ");
  }

  function Editor(container, input) {
    this.container = container;
    this.input = input;
    this.french = document.getElementById(input.id + "-french");
    this.rowCount = 0;
    var data = container.getAttribute("data-schedule");
    this.build();
    if (data || !input.value.trim()) {
      this.load(data ? JSON.parse(data) : {rows: []});
      this.setMode("rows");
    } else {
      this.setMode("text");
    }
  }

  Editor.prototype.build = function () {
    var self = this, id = this.input.id;
    this.rowsBox = element("div", {"class": "hours-rows"});
    this.addRowButton = element("button", {type: "button", "class": "btn btn-sm btn-outline-primary"}, "Ajouter une ligne de jours");
    this.addRowButton.addEventListener("click", function () { self.addRow({days: [], ranges: []}, true); self.write(); });
    this.options = element("div", {"class": "hours-options"});
    this.flags = {};
    [["holidays_closed", "Fermé les jours fériés"], ["always", "24 h/24, tous les jours"],
     ["appointment", "Sur rendez-vous"]].forEach(function (flag) {
      var box = element("input", {type: "checkbox", id: id + "-" + flag[0], "class": "form-check-input"});
      var wrapper = element("div", {"class": "form-check form-check-inline"});
      wrapper.appendChild(box);
      wrapper.appendChild(element("label", {"for": box.id, "class": "form-check-label"}, flag[1]));
      self.options.appendChild(wrapper);
      self.flags[flag[0]] = box;
    });
    this.textNote = element("p", {"class": "hours-note small mb-1"});
    this.modeButton = element("button", {type: "button", "class": "btn btn-sm btn-link px-0"});
    this.modeButton.addEventListener("click", function () {
      if (self.mode === "rows") {
        self.setMode("text");
        self.input.focus();
      } else {
        self.clearRows();
        self.load({rows: []});
        self.setMode("rows");
        self.write();
        self.rowsBox.querySelector("input").focus();
      }
    });
    this.editorBox = element("div", {"class": "hours-editor-rows", role: "group", "aria-label": "Horaires d'accueil par jour"});
    this.editorBox.appendChild(this.rowsBox);
    this.editorBox.appendChild(this.addRowButton);
    this.editorBox.appendChild(this.options);
    this.container.appendChild(this.editorBox);
    this.container.appendChild(this.textNote);
    // After the input and its French reading: « Saisir … en texte » / « … avec des lignes ».
    var after = this.french || this.input;
    after.parentNode.insertBefore(this.modeButton, after.nextSibling);
    this.container.addEventListener("input", function () { self.touched = true; self.write(); });
    this.container.addEventListener("change", function () { self.write(); });
  };

  Editor.prototype.setMode = function (mode) {
    this.mode = mode;
    var rows = mode === "rows";
    this.editorBox.hidden = !rows;
    this.input.readOnly = rows;
    this.input.classList.toggle("hours-osm-value", rows);
    this.textNote.textContent = rows
      ? "Valeur enregistrée (format OpenStreetMap, écrite par les lignes ci-dessus) :"
      : "Saisissez les horaires en texte, en français (du lundi au vendredi 9 h-12 h et 14 h-17 h) ou au format OpenStreetMap.";
    this.modeButton.textContent = rows ? "Saisir les horaires en texte" : "Saisir avec des lignes de jours (remplace le texte)";
  };

  Editor.prototype.clearRows = function () {
    while (this.rowsBox.firstChild) { this.rowsBox.removeChild(this.rowsBox.firstChild); }
  };

  Editor.prototype.load = function (schedule) {
    var self = this;
    // No rows yet: one row, Monday to Friday ticked, times to type (written once typed).
    (schedule.rows.length ? schedule.rows : [{days: [0, 1, 2, 3, 4], ranges: []}]).forEach(function (row) {
      self.addRow(row, false);
    });
    Object.keys(this.flags).forEach(function (name) { self.flags[name].checked = !!schedule[name]; });
  };

  Editor.prototype.addRow = function (row, focus) {
    var self = this, number = ++this.rowCount, prefix = this.input.id + "-row" + number;
    var box = element("div", {"class": "hours-row", role: "group", "aria-label": "Ligne " + number});
    var days = element("fieldset", {"class": "hours-days"});
    days.appendChild(element("legend", {"class": "sr-only"}, "Jours de la ligne " + number));
    SHORT.forEach(function (label, day) {
      var box2 = element("input", {type: "checkbox", id: prefix + "-day" + day, value: String(day), "class": "hours-day"});
      box2.checked = row.days.indexOf(day) >= 0;
      var tag = element("label", {"for": box2.id, title: LONG[day]});
      tag.appendChild(box2);
      tag.appendChild(element("span", {"aria-hidden": "true"}, label));
      tag.appendChild(element("span", {"class": "sr-only"}, LONG[day]));
      days.appendChild(tag);
    });
    box.appendChild(days);
    var times = element("div", {"class": "hours-times"});
    var count = Math.max(RANGES_PER_ROW, row.ranges.length);
    for (var i = 0; i < count; i++) {
      var range = row.ranges[i] || ["", ""];
      var from = element("input", {type: "text", "class": "form-control form-control-sm hours-time", inputmode: "numeric",
        autocomplete: "off", size: "5", placeholder: "9 h", "aria-label": "Plage " + (i + 1) + " de la ligne " + number + " : ouverture"});
      var to = element("input", {type: "text", "class": "form-control form-control-sm hours-time", inputmode: "numeric",
        autocomplete: "off", size: "5", placeholder: "12 h", "aria-label": "Plage " + (i + 1) + " de la ligne " + number + " : fermeture"});
      from.value = range[0] ? frenchTime(range[0]).replace(/\u202f/g, " ") : "";
      to.value = range[1] ? frenchTime(range[1]).replace(/\u202f/g, " ") : "";
      var pair = element("span", {"class": "hours-range"});
      pair.appendChild(from);
      pair.appendChild(element("span", {"aria-hidden": "true"}, "–"));
      pair.appendChild(to);
      times.appendChild(pair);
    }
    box.appendChild(times);
    var closed = element("input", {type: "checkbox", id: prefix + "-closed", "class": "hours-closed"});
    closed.checked = !!row.closed;
    var closedLabel = element("label", {"for": closed.id, "class": "hours-closed-label"});
    closedLabel.appendChild(closed);
    closedLabel.appendChild(document.createTextNode(" fermé"));
    box.appendChild(closedLabel);
    var remove = element("button", {type: "button", "class": "btn btn-sm btn-outline-secondary"}, "Retirer");
    remove.setAttribute("aria-label", "Retirer la ligne " + number);
    remove.addEventListener("click", function () {
      self.rowsBox.removeChild(box);
      self.write();
      self.addRowButton.focus();
    });
    box.appendChild(remove);
    box.appendChild(element("p", {"class": "hours-row-error small mb-0", "aria-live": "polite"}));
    this.rowsBox.appendChild(box);
    if (focus) { days.querySelector("input").focus(); }
  };

  // The schedule the rows show; a time not understood is said on its row and left out.
  Editor.prototype.read = function () {
    var rows = [];
    var self = this;
    Array.prototype.forEach.call(this.rowsBox.querySelectorAll(".hours-row"), function (box) {
      var days = [], ranges = [], problems = [];
      Array.prototype.forEach.call(box.querySelectorAll(".hours-day"), function (day) {
        if (day.checked) { days.push(parseInt(day.value, 10)); }
      });
      var closed = box.querySelector(".hours-closed").checked;
      Array.prototype.forEach.call(box.querySelectorAll(".hours-range"), function (pair) {
        var inputs = pair.querySelectorAll("input"), from = inputs[0].value, to = inputs[1].value;
        var start = readTime(from), end = readTime(to);
        [[inputs[0], start], [inputs[1], end]].forEach(function (check) {
          var wrong = check[0].value.trim() !== "" && check[1] === null;
          check[0].setAttribute("aria-invalid", wrong ? "true" : "false");
          if (wrong) { problems.push("« " + check[0].value.trim() + " » n'est pas une heure (exemples : 9, 9 h 30, 14:00)"); }
        });
        if (!closed && start && end && start !== end) { ranges.push([start, end]); }
      });
      var error = box.querySelector(".hours-row-error");
      if (self.touched && days.length && !closed && !ranges.length && !problems.length) {
        problems.push("Indiquez une plage horaire, ou cochez « fermé ».");
      }
      error.textContent = problems.join(" ; ");
      if (days.length && (ranges.length || closed)) { rows.push({days: days, ranges: ranges}); }
    });
    var schedule = {rows: rows};
    Object.keys(this.flags).forEach(function (name) { schedule[name] = this.flags[name].checked; }, this);
    return schedule;
  };

  Editor.prototype.write = function () {
    if (this.mode !== "rows") { return; }
    var schedule = this.read();
    this.input.value = toOsm(schedule);
    if (this.french) {
      var french = toFrench(schedule);
      this.french.textContent = french ? "En clair : " + french : "";
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-hours-editor]"), function (container) {
      var input = document.getElementById(container.getAttribute("data-hours-editor"));
      if (input) { container.editor = new Editor(container, input); }
    });
  });
}());
