// A select marked data-autosubmit reloads the filters at once: the campaign decides the other choices.
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]") && event.target.form) {
    event.target.form.submit();
  }
});
