/* Copy buttons: <button class="copy" data-copy="ID" hidden> copies the value (or text) of the
   element ID to the clipboard. The button is shown only where this script runs and the
   clipboard is offered; without them the value stays in a read-only field, selected on focus,
   to copy by hand. Served as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) {
      return;
    }
    var done = button.parentNode.querySelector(".copy-done");
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = "value" in source ? source.value : source.textContent;
      navigator.clipboard.writeText(text).then(function () {
        if (done) {
          done.textContent = "Copied.";
        }
      }, function () {
        source.focus();
        source.select();
        if (done) {
          done.textContent = "Select it and copy it by hand (Ctrl+C).";
        }
      });
    });
  });
  document.querySelectorAll(".copy-row input[readonly]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
})();
