/* Upload slots: send a file with a progress bar (XMLHttpRequest upload events), show the slot's
   new state, and poll slots whose files are being checked. No inline script: CSP. */
(function () {
  "use strict";
  var TEXT = (document.getElementById("case-files-text") || { dataset: {} }).dataset;

  function size(bytes) {
    if (bytes >= 1073741824) { return (bytes / 1073741824).toFixed(1) + " GB"; }
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return (bytes / 1024).toFixed(1) + " KB"; }
    return bytes + " B";
  }

  function replaceSlot(slot, html) { return window.PortalSlots.replace(slot, html, wire); }

  function showError(form, message) {
    var box = form.querySelector("[data-upload-error]");
    box.textContent = message;
    box.hidden = !message;
  }

  function flash(slot, message, uploadId) {
    var note = document.createElement("p");
    note.className = "message upload-message";
    note.setAttribute("role", "status");
    if (uploadId) { note.setAttribute("data-upload-note", uploadId); }
    note.textContent = message;
    var head = slot.querySelector(".slot-head");
    head.parentNode.insertBefore(note, head.nextSibling);
    window.PortalSlots.settle(slot);
  }

  function upload(form, slot) {
    var input = form.querySelector("input[type=file]");
    var file = input.files && input.files[0];
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var accept = (form.getAttribute("data-accept") || "").split(",");
    if (!file) { showError(form, TEXT.choose); return; }
    var ext = "." + (file.name.split(".").pop() || "").toLowerCase();
    if (accept.length && accept.indexOf(ext) === -1) { showError(form, TEXT.type.replace("{accept}", accept.join("、"))); return; }
    if (file.size === 0) { showError(form, TEXT.empty); return; }
    if (limit && file.size > limit) { showError(form, TEXT.tooLarge.replace("{limit}", size(limit)).replace("{size}", size(file.size))); return; }
    showError(form, "");
    var bar = form.querySelector("[data-progress]");
    var label = form.querySelector("[data-progress-text]");
    var button = form.querySelector("button[type=submit]");
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.floor(event.loaded / event.total * 100);
      bar.value = percent;
      label.textContent = TEXT.sending.replace("{percent}", percent).replace("{done}", size(event.loaded)).replace("{total}", size(event.total));
    });
    xhr.upload.addEventListener("load", function () { bar.value = 100; label.textContent = TEXT.processing; });
    xhr.addEventListener("load", function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      button.disabled = false;
      if (!data) {
        bar.hidden = true;
        label.textContent = "";
        showError(form, xhr.responseURL && xhr.responseURL.indexOf("/login/") !== -1 ? TEXT.session : TEXT.failed);
        return;
      }
      var fresh = data.html ? replaceSlot(slot, data.html) : slot;
      var freshForm = fresh.querySelector("[data-upload-form]");
      if (data.ok) { flash(fresh, data.message, data.upload); poll(fresh); }
      else if (freshForm) { showError(freshForm, data.message); }
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      bar.hidden = true;
      label.textContent = "";
      showError(form, TEXT.failed);
    });
    xhr.send(new FormData(form));
  }

  function poll(slot) { window.PortalSlots.poll(slot, wire); }

  function wire(slot) {
    var form = slot.querySelector("[data-upload-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        upload(form, slot);
      });
    }
  }

  document.querySelectorAll("[data-slot]").forEach(function (slot) { wire(slot); poll(slot); });
})();
