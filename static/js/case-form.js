/* The case form (附件3): autosave while typing, a copy in localStorage so nothing typed is lost
   (session timeout, closed tab, network), short-name suggestions. No inline script: CSP. */
(function () {
  "use strict";
  var form = document.querySelector("[data-case-form]");
  if (!form) { return; }
  var key = form.getAttribute("data-draft-key");
  var url = form.getAttribute("data-autosave-url");
  var status = form.querySelector("[data-autosave-status]");
  var versionInput = form.querySelector("[data-version]");
  var banner = document.querySelector("[data-draft-restore]");
  var timer = null;
  var inFlight = false;
  var again = false;
  var stopped = form.hasAttribute("data-conflict");
  var MESSAGES = (document.getElementById("case-form-text") || { dataset: {} }).dataset;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "version" && el.type !== "submit";
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") { values[el.name] = el.checked; }
      else if (el.type === "radio") { if (el.checked) { values[el.name] = el.value; } else if (!(el.name in values)) { values[el.name] = ""; } }
      else { values[el.name] = el.value; }
    });
    return values;
  }

  function apply(values) {
    fields().forEach(function (el) {
      if (!(el.name in values)) { return; }
      if (el.type === "checkbox") { el.checked = !!values[el.name]; }
      else if (el.type === "radio") { el.checked = el.value === values[el.name]; }
      else { el.value = values[el.name]; }
    });
  }

  function same(a, b) {
    return Object.keys(a).every(function (name) { return String(a[name]) === String(b[name]); });
  }

  function keep() {
    try { localStorage.setItem(key, JSON.stringify({ values: snapshot(), at: new Date().toISOString() })); } catch (e) { /* private mode */ }
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function say(text, bad) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("bad", !!bad);
  }

  function now() {
    var d = new Date();
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return n < 10 ? "0" + n : n; }).join(":");
  }

  function showErrors(errors) {
    form.querySelectorAll(".field-error[data-live]").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field.has-error[data-live-error]").forEach(function (el) { el.classList.remove("has-error"); el.removeAttribute("data-live-error"); });
    Object.keys(errors || {}).forEach(function (name) {
      var box = form.querySelector(".field-" + name);
      if (!box) { return; }
      box.classList.add("has-error");
      box.setAttribute("data-live-error", "");
      errors[name].forEach(function (message) {
        var p = document.createElement("p");
        p.className = "field-error";
        p.setAttribute("data-live", "");
        p.textContent = message;
        box.appendChild(p);
      });
    });
  }

  function save() {
    if (!url || stopped) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    var sent = snapshot();
    say(MESSAGES.saving);
    var body = new FormData(form);
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", "X-CSRFToken": body.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") === -1) { throw { session: true }; }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (result.status === 409 || result.status === 403) {
        stopped = true;
        say(data.message, true);
        return;
      }
      versionInput.value = data.version;
      showErrors(data.errors);
      if (data.ok && same(sent, snapshot())) { forget(); }
      say((data.ok ? MESSAGES.saved : MESSAGES.partly).replace("{time}", data.saved_at || now()), !data.ok);
    }).catch(function (problem) {
      say(problem && problem.session ? MESSAGES.session : MESSAGES.offline, true);
    }).then(function () {
      inFlight = false;
      if (again) { again = false; schedule(); }
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 1200);
  }

  form.addEventListener("input", function () { keep(); schedule(); });
  form.addEventListener("change", function () { keep(); schedule(); });

  // A new case saved in part: the copy the new-case page kept belongs to this case now (it is
  // what this page shows, with its errors); moved, so the next new case does not offer it back.
  var fromKey = form.getAttribute("data-draft-from");
  if (fromKey) {
    try {
      var carried = localStorage.getItem(fromKey);
      if (carried && !localStorage.getItem(key)) { localStorage.setItem(key, carried); }
      localStorage.removeItem(fromKey);
    } catch (e) { /* private mode */ }
  }

  // Offer back what this browser kept and the server does not have.
  var stored = null;
  try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
  if (stored && stored.values && !same(stored.values, snapshot()) && banner) {
    banner.hidden = false;
    var when = banner.querySelector("[data-draft-time]");
    if (when && stored.at) { when.textContent = MESSAGES.kept.replace("{time}", new Date(stored.at).toLocaleString("zh-CN")); }
    banner.querySelector("[data-draft-apply]").addEventListener("click", function () {
      apply(stored.values);
      banner.hidden = true;
      keep();
      schedule();
    });
    banner.querySelector("[data-draft-discard]").addEventListener("click", function () {
      forget();
      banner.hidden = true;
    });
  } else if (stored && !form.querySelector(".has-error, .error-box")) {
    forget();  // the server has exactly this text
  }

  // Short-name suggestions fill their field.
  form.querySelectorAll("[data-fill]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-fill"));
      if (target) {
        target.value = button.getAttribute("data-value");
        target.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
  });

  // A plain submit keeps a copy too: if the session expired, the login page is next.
  form.addEventListener("submit", keep);
})();
