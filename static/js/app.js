// The roster: arrows move between patients, a letter marks the focused one (P/L/E/A/X).
document.addEventListener("keydown", function (event) {
  var row = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-row]");
  var tag = (document.activeElement && document.activeElement.tagName) || "";
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  if (!rows.length) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    var index = row ? rows.indexOf(row) : -1;
    var next = rows[Math.min(rows.length - 1, Math.max(0, index + (event.key === "ArrowDown" ? 1 : -1)))];
    next.focus();
    event.preventDefault();
    return;
  }
  if (!row || !/^[a-z]$/i.test(event.key)) return;
  // A status's button is named by the page's label "m" + its key (scheduling/roster_rows.py).
  var button = row.querySelector('button[aria-labelledby^="m' + event.key.toUpperCase() + ' "]');
  if (button) { button.click(); event.preventDefault(); }
});
// After htmx swaps a row, keep the keyboard where it was (or in the times form just opened).
document.addEventListener("htmx:afterSwap", function (event) {
  var id = event.detail && event.detail.target && event.detail.target.id;
  var swapped = id && document.getElementById(id);
  if (!swapped || !swapped.hasAttribute("data-row")) return;
  (swapped.querySelector("[autofocus]") || swapped).focus();
});

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

// Irreversible actions ask once, naming the patient: a button or form with data-confirm.
// (An attribute, not an onclick= handler: the Content-Security-Policy runs no inline script.)
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[data-confirm], input[type=submit][data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
