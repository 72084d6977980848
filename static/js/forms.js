// Buttons that change something for good.
// - <form data-confirm="…">: asks first (submitting a case, forwarding a list cannot be undone).
// - <button data-once>: greyed out once the form is sent, so a double click sends it once.
// Without JavaScript both forms still work; the server refuses a second submission anyway.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) return;
    var buttons = form.querySelectorAll("button[data-once]");
    // After this turn of the event loop, so the pressed button's name/value still goes with the form.
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  // Coming back with the browser's back button shows the page from its cache: enable again the
  // buttons this script greyed out (marked aria-busy), never one the server disabled on purpose
  // (a forward refused while rules fail). "pageshow" also fires on every ordinary load.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll('button[data-once][aria-busy="true"]').forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  });
})();
