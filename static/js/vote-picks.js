// Public vote: the voter's picks kept in the browser (localStorage, per campaign) while browsing the
// gallery, searching and opening candidate pages; a counter, "查看已选" with every pick, and the
// pick button of a candidate's page. The pages are cached and the same for everybody, so all that
// is personal happens here. Without JavaScript the gallery's form still sends the ticks (GET to
// 查看已选, or the ballot for a verified voter); the server checks everything again.
(function () {
  "use strict";
  var root = document.querySelector("[data-campaign]");
  if (!root) return;
  var key = "vote-picks:" + root.dataset.campaign;

  function load() {
    try {
      var value = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value.filter(function (id) { return typeof id === "number" && id > 0; }) : [];
    } catch (e) { return []; }
  }
  function save(ids) {
    try { window.localStorage.setItem(key, JSON.stringify(ids)); } catch (e) { /* private mode: picks last for this page */ }
  }

  // The receipt: the ballot is in, the picks are done with.
  if (root.hasAttribute("data-vote-done")) {
    try { window.localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
    return;
  }

  var picks = load();
  var min = parseInt(root.dataset.min, 10) || 0;
  var max = parseInt(root.dataset.max, 10) || 0;
  var counter = document.querySelector(".vote-counter");
  var reviewLink = document.querySelector(".vote-review-link");

  function has(id) { return picks.indexOf(id) >= 0; }
  function toggle(id, on) {
    if (on && !has(id)) picks.push(id);
    if (!on) picks = picks.filter(function (other) { return other !== id; });
    save(picks);
  }
  function showCount() {
    if (counter && counter.dataset.template) {
      counter.textContent = counter.dataset.template.replace("%(n)s", picks.length + " / " + min + "–" + max);
    }
    if (reviewLink) {
      var base = reviewLink.getAttribute("href").split("?")[0];
      reviewLink.setAttribute("href", base + (picks.length ? "?" + picks.map(function (id) { return "case=" + id; }).join("&") : ""));
    }
  }

  // The gallery: its checkboxes follow the stored picks; picks of cases not listed now (a search)
  // travel with the form as hidden fields.
  var form = document.querySelector(".vote-form");
  if (form) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=case]"));
    var submit = form.querySelector(".vote-submit");
    boxes.forEach(function (box) { if (box.checked) toggle(parseInt(box.value, 10), true); });  // put back by the server
    boxes.forEach(function (box) { box.checked = has(parseInt(box.value, 10)); });
    var update = function () {
      boxes.forEach(function (box) { box.disabled = !box.checked && picks.length >= max; });
      if (submit) submit.disabled = picks.length < min || picks.length > max;
      showCount();
    };
    boxes.forEach(function (box) {
      box.addEventListener("change", function () { toggle(parseInt(box.value, 10), box.checked); update(); });
    });
    form.addEventListener("submit", function () {
      Array.prototype.slice.call(form.querySelectorAll("input.kept-pick")).forEach(function (old) { old.remove(); });
      var listed = boxes.map(function (box) { return parseInt(box.value, 10); });
      picks.forEach(function (id) {
        if (listed.indexOf(id) >= 0) return;
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "case"; hidden.value = id; hidden.className = "kept-pick";
        form.appendChild(hidden);
      });
    });
    update();
  }

  // A candidate's page: one button picks or unpicks it; the bar counts and links to 查看已选.
  var candidate = document.querySelector(".vote-candidate[data-case]");
  var button = document.querySelector(".pick-toggle");
  var bar = document.querySelector(".vote-bar-floating");
  if (candidate && button) {
    var id = parseInt(candidate.dataset.case, 10);
    var label = function () {
      button.textContent = has(id) ? button.dataset.labelRemove : button.dataset.labelAdd;
      button.setAttribute("aria-pressed", has(id) ? "true" : "false");
      button.disabled = !has(id) && picks.length >= max;
      if (bar) bar.hidden = picks.length === 0;
      showCount();
    };
    button.hidden = false;
    button.addEventListener("click", function () { toggle(id, !has(id)); label(); });
    label();
  }

  // Copy the share link (WeChat's browser has the clipboard API on recent versions; else select it).
  var copy = document.querySelector(".copy-link");
  var field = document.querySelector(".share-url");
  if (copy && field) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      field.select();
      var done = function () { copy.textContent = copy.dataset.done; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else { document.execCommand("copy"); done(); }
    });
  }
})();
