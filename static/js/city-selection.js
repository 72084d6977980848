// Live check of the rules of 附件2 while the city ticks cases: posts the ticked list, redraws the rules.
(function () {
  "use strict";
  var form = document.getElementById("selection-form");
  if (!form) { return; }
  var list = document.getElementById("rule-list");
  var count = document.getElementById("selected-count");
  var pending = null;

  function redraw(data) {
    list.textContent = "";
    data.checks.forEach(function (check) {
      var item = document.createElement("li");
      // The server says each rule's state (ok / bad / pending), as on the page it rendered.
      item.className = "rule " + check.state;
      item.textContent = check.message;
      if (check.fixes && check.fixes.length) {
        var fixes = document.createElement("span");
        fixes.className = "fixes";
        fixes.textContent = list.dataset.fixLabel + " " + check.fixes.join("；");
        item.appendChild(fixes);
      }
      list.appendChild(item);
    });
    count.textContent = String(data.selected);
  }

  function check() {
    var body = new FormData(form);
    fetch(form.dataset.checkUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { redraw(data); } })
      .catch(function () { /* the saved check on the next page load still applies */ });
  }

  // A presenter candidate must be on the list: ticking one ticks its row's list box, and taking a
  // case off the list takes its presenter mark off too (the server keeps only marks on the list).
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") { return; }
    var row = box.closest("tr");
    if (!row) { return; }
    var onList = row.querySelector('input[name="selected"]');
    var presenter = row.querySelector('input[name="presenter"]');
    if (box === presenter && presenter.checked && onList && !onList.disabled) { onList.checked = true; }
    if (box === onList && !onList.checked && presenter) { presenter.checked = false; }
  });

  form.addEventListener("change", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(check, 150);
  });
})();
