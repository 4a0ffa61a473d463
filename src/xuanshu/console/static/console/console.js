// A select marked data-autosubmit reloads the filters at once: the campaign decides the other choices.
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]") && event.target.form) {
    event.target.form.submit();
  }
});

// The queue's batch move: "select all on this page" (shown only where this script runs), and the reason asked for
// before the form is sent when the chosen state needs one (the server checks it as well).
document.querySelectorAll("form.batch-move").forEach(function (form) {
  var rows = function () { return form.querySelectorAll("input[name=selected]"); };
  var all = form.querySelector("input[data-select-all]");
  var syncAll = function () {
    var ticked = Array.prototype.filter.call(rows(), function (box) { return box.checked; }).length;
    all.checked = ticked > 0 && ticked === rows().length;
    all.indeterminate = ticked > 0 && ticked < rows().length;
  };
  if (all) {
    all.hidden = rows().length === 0;
    all.addEventListener("change", function () {
      rows().forEach(function (box) { box.checked = all.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "selected") { syncAll(); }
    });
    syncAll();
  }
  var needsReason = (form.dataset.reasonStates || "").split(" ");
  var state = form.querySelector("select[name=new_state]");
  var reason = form.querySelector("[name=reason]");
  if (state && reason) {
    var sync = function () { reason.required = needsReason.indexOf(state.value) !== -1; };
    state.addEventListener("change", sync);
    sync();
  }
  // A move to a state no nomination can leave (withdrawn) cannot be undone: asked once more before it is sent.
  var finalStates = (form.dataset.finalStates || "").split(" ").filter(Boolean);
  form.addEventListener("submit", function (event) {
    if (state && finalStates.indexOf(state.value) !== -1 && !window.confirm(form.dataset.finalQuestion)) {
      event.preventDefault();
    }
  });
});

// The same question for a single nomination's button to such a state (data-confirm holds it).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
