// Keeps the dashboard's figures current without reloading the page.
(function () {
  "use strict";
  var root = document.querySelector("[data-dashboard]");
  if (!root || !window.fetch) return;
  var url = root.getAttribute("data-dashboard");

  function set(scope, name, value) {
    var el = scope.querySelector('[data-figure="' + name + '"]');
    if (el && el.textContent !== String(value)) el.textContent = value;
    var meter = scope.querySelector('[data-figure-meter="' + name + '"]');
    if (meter) meter.value = value;
  }

  function update(data) {
    set(document, "delegates", data.delegates);
    set(document, "entrance", data.entrance_checked_in);
    data.sessions.forEach(function (s) {
      var row = document.querySelector('tr[data-session="' + s.slug + '"]');
      if (!row) return;
      set(row, "confirmed", s.confirmed);
      set(row, "waitlisted", s.waitlisted);
      set(row, "checked_in", s.checked_in);
    });
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) update(data); })
      .catch(function () {});
  }
  setInterval(poll, 10000);
})();
