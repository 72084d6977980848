/* Shared by the upload pages (case-files.js, resumable-upload.js): swap a slot for its fresh HTML
   and poll a slot while its file is being checked. No inline script: CSP. */
(function () {
  "use strict";
  var POLL_MS = 2000;

  // Replace `slot` by the element in `html`; `onFresh(fresh)` re-attaches the page's handlers.
  function replace(slot, html, onFresh) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    if (!fresh) { return slot; }
    slot.replaceWith(fresh);
    if (onFresh) { onFresh(fresh); }
    return fresh;
  }

  // While the slot says it is being checked, fetch its status fragment every POLL_MS.
  function poll(slot, onFresh) {
    if (!slot.hasAttribute("data-checking")) { return; }
    window.setTimeout(function () {
      fetch(slot.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html || !document.body.contains(slot)) { return; }
          var note = slot.querySelector(".upload-message");
          var fresh = replace(slot, html, onFresh);
          if (note) { fresh.insertBefore(note, fresh.querySelector(".slot-head").nextSibling); }
          poll(fresh, onFresh);
        })
        .catch(function () { window.setTimeout(function () { poll(slot, onFresh); }, POLL_MS); });
    }, POLL_MS);
  }

  window.PortalSlots = { replace: replace, poll: poll };
})();
