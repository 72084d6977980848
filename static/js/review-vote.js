// Public vote: count the ticked cases, disable further ticks at the maximum, and enable the
// submit button only within [min, max]. The server checks again; this is a convenience.
(function () {
  var form = document.querySelector(".vote-form");
  if (!form) return;
  var min = parseInt(form.dataset.min, 10), max = parseInt(form.dataset.max, 10);
  var boxes = form.querySelectorAll("input[name=case]");
  var counter = form.querySelector(".vote-counter");
  var submit = form.querySelector(".vote-submit");
  if (!submit) return;
  function update() {
    var n = 0;
    boxes.forEach(function (box) { if (box.checked) n += 1; });
    boxes.forEach(function (box) { box.disabled = !box.checked && n >= max; });
    if (counter) counter.textContent = counter.dataset.template.replace("%(n)s", n + " / " + min + "–" + max);
    submit.disabled = n < min || n > max;
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  form.addEventListener("submit", function () { submit.disabled = true; });
  update();
})();
