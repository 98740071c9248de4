// What Flask-Admin 2.2 did in inline onclick handlers, which the Content-Security-Policy
// (admin_views/security.py: no 'unsafe-inline' for scripts) refuses: our copies of its
// templates (templates/admin/) carry data- attributes instead, read here. Links to
// "javascript:void(0)" (which the policy also refuses to follow) are not followed.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    var element;
    if ((element = target.closest("[data-confirm]"))) {  // a grid row's delete button
      if (!faHelpers.safeConfirm(element.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    } else if ((element = target.closest("[data-action]"))) {  // « Avec la sélection »
      event.preventDefault();
      modelActions.execute(element.getAttribute("data-action"));
    } else if ((element = target.closest("[data-inline-add]"))) {  // « Ajouter … » (inline lines)
      event.preventDefault();
      faForm.addInlineField(element, element.getAttribute("data-inline-add"));
    } else if (target.closest("a[href^='javascript:']")) {
      event.preventDefault();
    }
  }, true);  // capture: before the page's own handlers, which may stop the event
}());
