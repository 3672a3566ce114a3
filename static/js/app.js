// Automatic logoff on a shared screen. The server enforces the clinic's idle limit; this
// script (1) tells the server the person is still working while they type or click without
// loading pages (so a long note is never lost to a sign-out), and (2) once the limit has
// passed with no input, reloads so the server signs them out and the page is hidden.
(function () {
  var seconds = parseInt(document.body.dataset.idleSeconds || "0", 10);
  if (!seconds) return;
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  var timer, lastPing = Date.now();
  function activity() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.reload(); }, (seconds + 5) * 1000);
    if (Date.now() - lastPing > 60 * 1000) {
      lastPing = Date.now();
      fetch("/session/keepalive", { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
    }
  }
  ["keydown", "mousedown", "touchstart", "scroll"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true });
  });
  activity();
})();
