// Progressive enhancement for the survey page: a live count of answered questions, and a
// question before a mostly empty survey uses up the link. The page works fully without it
// (a CSS counter counts, and the server asks the same question).
(function () {
  var form = document.getElementById("survey-form");
  if (!form) return;
  var bar = document.getElementById("survey-progress");
  var label = document.getElementById("survey-progress-count");
  var panel = document.getElementById("partial-confirm");
  var panelText = document.getElementById("partial-confirm-text");
  var keep = document.getElementById("partial-keep");
  var items = form.querySelectorAll("[data-question]");
  function answered(item) {
    var checked = item.querySelector("input:checked");
    if (checked) return true;
    var field = item.querySelector("textarea, input[type=number]");
    return !!(field && field.value.trim() !== "");
  }
  function count() {
    var done = 0;
    items.forEach(function (item) { if (answered(item)) done += 1; });
    return done;
  }
  function update() {
    var done = count();
    bar.value = done;
    label.textContent = done + " / " + items.length;
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  // A browser puts answers back after Back or a reload once this script has run: count again.
  window.addEventListener("pageshow", update);
  window.addEventListener("load", update);
  update();

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    // Switching the language sends nothing: the page comes back with the answers kept.
    var confirmed = submitter && (submitter.name === "confirm_partial" || submitter.name === "switch_language");
    var done = count();
    if (confirmed || 2 * done >= items.length || !panel) return;
    event.preventDefault();
    panelText.textContent = form.dataset.confirmText
      .replace("%(answered)s", done)
      .replace("%(total)s", items.length);
    panel.hidden = false;
    panel.setAttribute("role", "alert");
    panel.querySelector("button[name=confirm_partial]").focus();
  });
  if (keep) {
    keep.addEventListener("click", function (event) {
      event.preventDefault();
      panel.hidden = true;
      var first = Array.prototype.find.call(items, function (item) { return !answered(item); });
      var target = first && first.querySelector("input, textarea");
      if (target) target.focus();
    });
  }
})();
