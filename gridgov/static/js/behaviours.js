// Small page behaviours declared with data attributes, so that no template needs an inline script or
// event handler (the Content-Security-Policy allows scripts from this site's static files only).
//   data-autosubmit        a select or checkbox that submits its form when changed (language switch, filters)
//   data-clears="NAME"     changing this field empties the form's field NAME (a kind resets its category)
//   data-copy="ID"         a button that copies the text of the element ID and then shows its data-done text
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof Element) || !field.form) return;
    var clears = field.getAttribute("data-clears");
    if (clears && field.form.elements[clears]) field.form.elements[clears].value = "";
    if (field.hasAttribute("data-autosubmit")) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    source.select();
    var copied = navigator.clipboard ? navigator.clipboard.writeText(source.value) : Promise.reject();
    copied.catch(function () { document.execCommand("copy"); });
    if (button.dataset.done) button.textContent = button.dataset.done;
  });
})();
