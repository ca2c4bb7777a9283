/* The tip intake form (templates/work/tip_new.html): Ctrl+Enter (or Cmd+Enter) in What takes
   the tip down, as Enter does in a one-line field. Served as a file: the Content-Security-Policy
   allows no inline script. */
(function () {
  "use strict";
  var form = document.getElementById("tip-intake");
  if (!form) {
    return;
  }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) &&
        event.target.tagName.toLowerCase() === "textarea") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}());
