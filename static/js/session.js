/* The idle warning (CJIS AC-11; agencies/sessions.py locks a session after SESSION_IDLE_SECONDS
   without activity). Two minutes before the lock a dialog counts down and offers to stay signed
   in (a POST to the keepalive URL starts the server's clock again); at the lock the page reloads,
   and the server answers with the log-in page. After each request the person makes in place
   (htmx), the clock follows the server's count (the X-Session-Idle-Left header); the background
   refresh of the unread count carries none and changes nothing. Served as a file: the
   Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.dataset.idleSeconds);
  var dialog = document.getElementById("idle-warning");
  if (!idle || !dialog) {
    return;
  }
  var warn = Math.min(Number(body.dataset.warnSeconds) || 120, idle / 2);
  var countdown = dialog.querySelector(".idle-countdown");
  var deadline = 0;
  var warnTimer = null;
  var lockTimer = null;
  var tick = null;

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function update() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    countdown.textContent = left >= 60 ? Math.ceil(left / 60) + " minutes" : left + " seconds";
  }

  function showWarning() {
    if (!dialog.open) {
      dialog.showModal();
    }
    update();
    tick = window.setInterval(update, 1000);
  }

  function schedule(secondsLeft) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(lockTimer);
    window.clearInterval(tick);
    deadline = Date.now() + secondsLeft * 1000;
    warnTimer = window.setTimeout(showWarning, Math.max(0, secondsLeft - warn) * 1000);
    lockTimer = window.setTimeout(function () {
      window.location.reload();
    }, (secondsLeft + 1) * 1000);
  }

  dialog.querySelector(".idle-stay").addEventListener("click", function () {
    // A session already locked answers with a redirect to the log-in page: not followed, the
    // page reloads instead and shows why.
    window.fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {"X-CSRFToken": csrfToken()}
    }).then(function (response) {
      if (response.status === 204) {
        dialog.close();
        schedule(idle);
      } else {
        window.location.reload();
      }
    }, function () {
      window.location.reload();
    });
  });

  body.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var left = xhr ? xhr.getResponseHeader("X-Session-Idle-Left") : null;
    if (left !== null && left !== "") {
      schedule(Number(left));
    }
  });

  var onLoad = Number(body.dataset.idleLeft);
  schedule(isNaN(onLoad) ? idle : onLoad);
})();
