// Small conveniences only; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Put the keyboard on the first problem of a rejected form.
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary) { summary.focus(); }
  // One-time links and tokens: select the whole value on focus, copy on click.
  document.querySelectorAll("input.copy").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("click", function () {
      input.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(input.value).catch(function () {}); }
    });
  });
  // Close an open menu with Escape.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summaryEl = menu.querySelector("summary");
      if (summaryEl) { summaryEl.focus(); }
    });
  });
});
