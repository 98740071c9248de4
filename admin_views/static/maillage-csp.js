// Flask-Admin 2.2's templates carry a few inline event handlers (onclick="…"), which the
// Content-Security-Policy (no 'unsafe-inline' for scripts: admin_views/security.py) does not
// run. Loaded after Flask-Admin's scripts, this file takes each known handler off its element
// and does the same thing from here, and keeps links to "javascript:void(0)" (which the
// policy also refuses to follow) from being followed. A handler it does not know stays, and
// the browser reports it: tests/browser/test_csp.py reads that report.
(function () {
  "use strict";

  var handlers = [
    // A grid row's delete button: ask first.
    [/^return faHelpers\.safeConfirm\('(.*)'\);$/, function (event, element, message) {
      if (!faHelpers.safeConfirm(message)) {
        event.preventDefault();
      }
    }],
    // The « Avec la sélection » menu (list actions).
    [/^return modelActions\.execute\('(.*)'\);$/, function (event, element, name) {
      event.preventDefault();
      modelActions.execute(name);
    }],
    // « Ajouter … » under a form's inline lines.
    [/^faForm\.addInlineField\(this, '(.*)'\);$/, function (event, element, fieldId) {
      event.preventDefault();
      faForm.addInlineField(element, fieldId);
    }],
    // The entries of the « Ajouter un filtre » menu.
    [/^return false;$/, function (event) {
      event.preventDefault();
    }]
  ];

  function adopt(element) {
    var code = element.getAttribute("onclick").trim();
    handlers.some(function (pair) {
      var match = code.match(pair[0]);
      if (match) {
        element.removeAttribute("onclick");
        element.addEventListener("click", function (event) {
          pair[1](event, element, match[1]);
        });
      }
      return match;
    });
  }

  document.querySelectorAll("[onclick]").forEach(adopt);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='javascript:']");
    if (link) {
      event.preventDefault();
    }
  });
}());
