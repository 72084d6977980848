/* The "正在生成预览…" page (templates/review/upload_preview.html): polls where the preview stands,
   shows the step, and reloads the page (which then shows the document) once it is ready.
   No inline script: CSP. */
(function () {
  "use strict";
  var POLL_MS = 1500;

  function start() {
    var box = document.querySelector("[data-preview-wait]");
    if (!box) { return; }
    var bar = box.querySelector("[data-preview-progress]");
    var label = box.querySelector("[data-preview-label]");

    function poll() {
      fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) {
          if (!status) { window.setTimeout(poll, POLL_MS * 2); return; }
          if (label) { label.textContent = status.label; }
          if (bar) { bar.value = status.step; bar.max = status.steps; }
          if (status.state === "ready" || status.state === "failed") {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 2); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
