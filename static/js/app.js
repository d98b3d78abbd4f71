/* Small behaviours for the workspace; everything works without them, only slower. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // Language switch submits on change (a <noscript> button covers the rest).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // Close open menus when clicking elsewhere.
    document.addEventListener("click", function (ev) {
      document.querySelectorAll("details.usermenu[open], details.kmenu[open]").forEach(function (d) {
        if (!d.contains(ev.target)) d.removeAttribute("open");
      });
    });
  });

  // The modal: a server fragment swapped into #modal-body opens it; "closeModal" closes it.
  var modal = function () { return document.getElementById("modal"); };
  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail.target;
    if (target && target.id === "modal-body" && modal() && !modal().open) {
      modal().showModal();
      var first = target.querySelector("input, select, textarea");
      if (first) first.focus();
    }
  });
  document.addEventListener("closeModal", function () {
    if (modal() && modal().open) modal().close();
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-close-modal]")) { ev.preventDefault(); modal().close(); }
  });

  // Keep the browser URL in step with list filters so links and reloads keep them.
  document.addEventListener("htmx:configRequest", function (ev) {
    var elt = ev.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-clear-page")) {
      delete ev.detail.parameters.page;
    }
  });
})();
