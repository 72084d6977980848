// The association picker of the registration form: choosing a city narrows the counties and the
// associations, choosing a county narrows the associations, typing filters them by name. Without
// JavaScript the grouped list still works (templates/accounts/_association_picker.html).
(function () {
  "use strict";
  function setup(picker) {
    var city = picker.querySelector("[data-picker-city]");
    var county = picker.querySelector("[data-picker-county]");
    var search = picker.querySelector("[data-picker-search]");
    var select = picker.querySelector("select[name]");
    function apply() {
      Array.prototype.forEach.call(county.options, function (option) {
        if (!option.value) return;
        option.hidden = !!city.value && option.getAttribute("data-city") !== city.value;
      });
      if (county.selectedOptions.length && county.selectedOptions[0].hidden) county.value = "";
      var text = (search.value || "").trim();
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var groupShown = (!city.value || group.getAttribute("data-city") === city.value) &&
          (!county.value || group.getAttribute("data-county") === county.value);
        var anyShown = false;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
          var shown = groupShown && (!text || option.textContent.indexOf(text) !== -1);
          option.hidden = !shown;
          option.disabled = !shown;
          anyShown = anyShown || shown;
        });
        group.hidden = !anyShown;
      });
      var chosen = select.selectedOptions[0];
      if (chosen && chosen.value && chosen.disabled) select.value = "";
    }
    city.addEventListener("change", apply);
    county.addEventListener("change", apply);
    search.addEventListener("input", apply);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-association-picker]").forEach(setup);
  });
})();
