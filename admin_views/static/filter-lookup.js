// Grid filters on a related record (admin_views/filters.py RelatedFilter) are typed,
// not chosen in a list of every record: Flask-Admin's filters.js makes them a
// "select2-ajax" input with no address; this gives it the grid's own type-ahead
// (/admin/<grid>/ajax/lookup/?name=filter:<arg>, 20 names at most, reading order) and
// shows the name of a value already chosen. Loaded before form.js and filters.js.
(function () {
  "use strict";

  var select2 = $.fn.select2;
  $.fn.select2 = function (options) {
    var $el = this;
    if ($.isPlainObject(options) && options.ajax && !options.ajax.url && $el.hasClass("filter-val")) {
      var arg = String($el.attr("name") || "").replace(/^flt\d+_/, "");
      var url = window.location.pathname + "ajax/lookup/?name=" + encodeURIComponent("filter:" + arg);
      options = $.extend({}, options, {
        placeholder: "Tapez pour chercher…",
        minimumInputLength: 0,
        ajax: $.extend({}, options.ajax, {url: url}),
        initSelection: function (element, callback) {
          var value = $(element).val();
          if (!value) { callback(null); return; }
          $.getJSON(url + "&id=" + encodeURIComponent(value), function (found) {
            callback(found.length ? {id: found[0][0], text: found[0][1]} : null);
          });
        }
      });
    }
    return select2.apply(this, [options].concat(Array.prototype.slice.call(arguments, 1)));
  };
  $.extend($.fn.select2, select2);
})();
