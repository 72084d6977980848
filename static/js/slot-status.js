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

  // The note "已上传…正在检查" above a slot follows the check: neutral while it runs, then the
  // verdict of the uploaded file in its colour (green, amber for warnings, red for problems), in
  // the words the slot carries (data-checked-*). It never stays green above "1 处须修改".
  function settle(slot) {
    var note = slot.querySelector(".upload-message");
    if (!note) { return; }
    if (slot.hasAttribute("data-checking")) { note.className = "message pending upload-message"; return; }
    var id = note.getAttribute("data-upload-note");
    var file = (id && slot.querySelector('.file[data-upload="' + id + '"]')) || slot.querySelector(".file");
    var badge = file && file.querySelector(".check");
    if (!badge) { return; }
    var name = (file.querySelector(".file-name a") || { textContent: "" }).textContent.trim();
    var verdict = badge.classList.contains("check-failed") ? ["error", "checkedFailed"]
      : badge.classList.contains("check-error") ? ["error", "checkedProblems"]
      : badge.classList.contains("check-ok-warnings") ? ["warning", "checkedWarnings"]
      : ["", "checkedOk"];
    note.className = "message upload-message" + (verdict[0] ? " " + verdict[0] : "");
    note.textContent = (slot.dataset[verdict[1]] || note.textContent).replace("{name}", name);
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
          settle(fresh);
          poll(fresh, onFresh);
        })
        .catch(function () { window.setTimeout(function () { poll(slot, onFresh); }, POLL_MS); });
    }, POLL_MS);
  }

  window.PortalSlots = { replace: replace, poll: poll, settle: settle };
})();
