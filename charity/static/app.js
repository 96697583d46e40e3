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
