// The widgets Flask-Admin ships speak English: the date picker (moment's days and
// months, daterangepicker's buttons) and select2's messages. Loaded after moment,
// jQuery and select2, before daterangepicker.js and form.js.
(function () {
  "use strict";

  moment.locale("fr", {
    months: "janvier_février_mars_avril_mai_juin_juillet_août_septembre_octobre_novembre_décembre".split("_"),
    monthsShort: "janv._févr._mars_avr._mai_juin_juil._août_sept._oct._nov._déc.".split("_"),
    weekdays: "dimanche_lundi_mardi_mercredi_jeudi_vendredi_samedi".split("_"),
    weekdaysShort: "dim._lun._mar._mer._jeu._ven._sam.".split("_"),
    weekdaysMin: "di_lu_ma_me_je_ve_sa".split("_"),
    week: {dow: 1, doy: 4}
  });

  $.extend($.fn.select2.defaults, {
    formatNoMatches: function () { return "Aucun résultat"; },
    formatSearching: function () { return "Recherche…"; },
    formatLoadMore: function () { return "Chargement…"; },
    formatInputTooShort: function (input, min) {
      var missing = min - input.length;
      return "Saisissez encore " + missing + " caractère" + (missing > 1 ? "s" : "");
    }
  });

  // Flask-Admin gives its "in the list" filters an English hint of their own.
  var select2 = $.fn.select2;
  $.fn.select2 = function (options) {
    if ($.isPlainObject(options) && options.tags) {
      options = $.extend({}, options, {
        formatNoMatches: function () { return "Saisissez des valeurs séparées par des virgules"; }
      });
    }
    return select2.apply(this, [options].concat([].slice.call(arguments, 1)));
  };
  $.extend($.fn.select2, select2);

  // daterangepicker.js is loaded later in the page: wrap it once the page is
  // read, before form.js (whose ready handler comes after this one) builds the pickers.
  var labels = {
    applyLabel: "Appliquer", cancelLabel: "Annuler", fromLabel: "Du", toLabel: "Au",
    weekLabel: "S", customRangeLabel: "Autre période"
  };
  $(function () {
    var daterangepicker = $.fn.daterangepicker;
    if (!daterangepicker) {
      return;
    }
    $.fn.daterangepicker = function (options, callback) {
      options = $.extend(true, {locale: labels}, options);
      // Grid filters ask for ISO dates and « … to … »: the server reads French ones too.
      if (options.format === "YYYY-MM-DD") {
        options.format = "DD/MM/YYYY";
      }
      if (options.separator === " to ") {
        options.separator = " au ";
      }
      var result = daterangepicker.call(this, options, callback);
      this.filter("input").each(function () { readTypedDates($(this)); });
      return result;
    };
  });

  // The picker re-reads the field at each key and writes its own guess back
  // ("24/1" becomes "24/01/2026", then the next keys are appended to it).
  // Instead: what is typed or pasted stays as it is; the calendar follows it
  // once it is a whole date (24/11/2026, 24112026 or 2026-11-24), and the field
  // is written in the French form when the picker closes.
  var TYPED_FORMATS = ["DD/MM/YYYY", "D/M/YYYY", "DDMMYYYY", "YYYY-MM-DD"];

  function parseTyped(text, picker) {
    var formats = [picker.format].concat(picker.format === "DD/MM/YYYY" ? TYPED_FORMATS : []);
    var date = moment($.trim(text), formats, true);
    return date.isValid() ? date : null;
  }

  function readTypedDates($input) {
    $input.off("keyup.daterangepicker").on("input.maillage", function () {
      var picker = $input.data("daterangepicker");
      var parts = picker.singleDatePicker ? [$input.val()] : $input.val().split(picker.separator);
      var dates = $.map(parts, function (part) { return parseTyped(part, picker); });
      if (dates.length !== parts.length || (parts.length === 2 && dates[1].isBefore(dates[0]))) {
        return;  // not a whole date yet: leave the calendar where it is
      }
      picker.startDate = dates[0];
      picker.endDate = dates[dates.length - 1];
      picker.updateView();
      picker.updateCalendars();
    });
  }
}());
