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
  // Uploads: a file over the form's limit is refused here, on the form, before anything is sent
  // (the server would answer 413 and what was typed would be lost).
  document.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    function tooBig() {
      var total = 0, first = null;
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
        if (!first && input.files && input.files.length) { first = input; }
      });
      return total > limit ? first : null;
    }
    function show(input) {
      var old = form.querySelector(".upload-too-big");
      if (old) { old.remove(); }
      if (!input) { return; }
      var message = document.createElement("p");
      message.className = "field-error upload-too-big";
      message.setAttribute("role", "alert");
      message.id = (input.id || "file") + "-too-big";
      message.textContent = form.getAttribute("data-too-big");
      input.insertAdjacentElement("afterend", message);
      input.setAttribute("aria-describedby", message.id);
      input.focus();
    }
    form.addEventListener("change", function (event) {
      if (event.target.type === "file") { show(tooBig()); }
    });
    form.addEventListener("submit", function (event) {
      var input = tooBig();
      if (input) { event.preventDefault(); show(input); }
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
