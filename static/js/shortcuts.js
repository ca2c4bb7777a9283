/* Keyboard shortcuts for working fast: "/" goes to the search box, "?" lists the shortcuts,
   "g" then a letter goes to a list, "n" to the annotation box of the page. None fires while the
   person types in a field, or with Ctrl, Alt or Meta held (the browser's own keys stay theirs).
   Served as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var dialog = document.getElementById("shortcuts");
  var opener = document.getElementById("shortcuts-open");
  if (!dialog) {
    return;
  }
  var places = {};
  dialog.querySelectorAll("[data-go]").forEach(function (row) {
    places[row.dataset.go] = row.dataset.href;
  });
  var pendingGo = false;
  var goTimer = null;

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function show() {
    if (!dialog.open) {
      dialog.showModal();
    }
  }

  if (opener) {
    opener.hidden = false;
    opener.addEventListener("click", show);
  }
  dialog.querySelector(".shortcuts-close").addEventListener("click", function () {
    dialog.close();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    if (typing(event.target) || dialog.open && event.key !== "?") {
      return;
    }
    if (pendingGo) {
      pendingGo = false;
      window.clearTimeout(goTimer);
      if (places[event.key]) {
        event.preventDefault();
        window.location.assign(places[event.key]);
      }
      return;
    }
    if (event.key === "/") {
      var search = document.getElementById("quick-q");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    } else if (event.key === "?") {
      event.preventDefault();
      if (dialog.open) {
        dialog.close();
      } else {
        show();
      }
    } else if (event.key === "g") {
      pendingGo = true;
      goTimer = window.setTimeout(function () { pendingGo = false; }, 1500);
    } else if (event.key === "n") {
      var note = document.querySelector("#note-add textarea");
      if (note) {
        event.preventDefault();
        note.focus();
      }
    }
  });
})();
