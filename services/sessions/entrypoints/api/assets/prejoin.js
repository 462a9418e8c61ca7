// The pre-join page's countdown: shows the time left and opens the room by itself when the window
// opens. Served from the same origin (CSP script-src 'self'); without it, the page's Join button
// does the same when pressed. Counts from the seconds the server gave, so a wrong phone clock
// does not matter.
(function () {
  "use strict";
  var box = document.getElementById("countdown");
  if (!box) { return; }
  var left = Number(box.getAttribute("data-seconds-left"));
  var target = box.getAttribute("data-join-href");
  if (!isFinite(left) || !target) { return; }
  var started = Date.now();
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var remaining = Math.max(0, Math.ceil(left - (Date.now() - started) / 1000));
    var h = Math.floor(remaining / 3600), m = Math.floor((remaining % 3600) / 60), s = remaining % 60;
    box.textContent = remaining > 0
      ? "The room opens in " + (h > 0 ? h + ":" + two(m) : m) + ":" + two(s)
      : "Opening the room\u2026";
    if (remaining <= 0) {
      window.location.replace(target);
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
