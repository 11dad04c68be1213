// Progressive enhancement for the survey page: a live count of answered questions.
// The page works fully without it.
(function () {
  var form = document.getElementById("survey-form");
  if (!form) return;
  var bar = document.getElementById("survey-progress");
  var label = document.getElementById("survey-progress-count");
  var items = form.querySelectorAll("[data-question]");
  function answered(item) {
    var checked = item.querySelector("input:checked");
    if (checked) return true;
    var field = item.querySelector("textarea, input[type=number]");
    return !!(field && field.value.trim() !== "");
  }
  function update() {
    var done = 0;
    items.forEach(function (item) { if (answered(item)) done += 1; });
    bar.value = done;
    label.textContent = done + " / " + items.length;
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
