// Progressive enhancement only: every form also works without JavaScript.
document.querySelectorAll("form.js-autosubmit select").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
document.querySelectorAll(".js-hide").forEach(function (el) { el.classList.add("d-none"); });
document.querySelectorAll("[data-confirm]").forEach(function (el) {
  el.addEventListener("submit", function (event) {
    if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
});
// Activity roster: ticking a member fills their hours with the activity's length
// (rounded to a quarter hour) when none are typed yet.
document.querySelectorAll("form.js-roster-form").forEach(function (form) {
  function length() {
    var start = form.querySelector("input[name=start]").value;
    var end = form.querySelector("input[name=end]").value;
    if (!start || !end) { return ""; }
    var s = start.split(":"), e = end.split(":");
    var minutes = (+e[0] * 60 + +e[1]) - (+s[0] * 60 + +s[1]);
    if (minutes <= 0) { return ""; }
    return String(Math.max(1, Math.round(minutes / 15)) / 4);
  }
  form.querySelectorAll(".js-roster-tick").forEach(function (tick) {
    tick.addEventListener("change", function () {
      var hours = form.querySelector("#hours-" + tick.id.slice("member-".length));
      if (tick.checked && hours && !hours.value) { hours.value = length(); }
      if (!tick.checked && hours) { hours.value = ""; }
    });
  });
});
