// Keeps "seats left" figures on the page current without a reload.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-seats-slug]");
  if (!boxes.length || !window.fetch) return;

  function update(sessions) {
    var bySlug = {};
    sessions.forEach(function (s) { bySlug[s.slug] = s; });
    boxes.forEach(function (box) {
      var s = bySlug[box.getAttribute("data-seats-slug")];
      if (!s || s.seats_left === null) return;
      var left = box.querySelector("[data-seats-left]");
      var waiting = box.querySelector("[data-waitlisted]");
      if (left && left.textContent !== String(s.seats_left)) left.textContent = s.seats_left;
      if (waiting && waiting.textContent !== String(s.waitlisted)) waiting.textContent = s.waitlisted;
      var open = box.querySelector('[data-when="open"]');
      var full = box.querySelector('[data-when="full"]');
      if (open && full) {
        open.hidden = s.seats_left === 0;
        full.hidden = s.seats_left !== 0;
      }
    });
  }

  function poll() {
    fetch("/api/v1/sessions", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) update(data); })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  setInterval(poll, 10000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
})();
