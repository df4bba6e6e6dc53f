// Follows a badge batch made in the background until its PDF is ready.
(function () {
  "use strict";
  var root = document.querySelector("[data-job-url]");
  if (!root || !window.fetch) return;
  var texts = JSON.parse(document.getElementById("job-texts").textContent);
  var bar = document.getElementById("job-progress");
  var figures = root.querySelector("[data-job-figures]");
  var status = root.querySelector("[data-job-status]");
  var download = root.querySelector("[data-job-download]");
  var runNow = root.querySelector("[data-job-run-now]");
  var shown = null;

  function update(job) {
    bar.max = job.total || 1;
    bar.value = job.done;
    figures.textContent = job.done + " / " + job.total;
    var text = texts[job.status] + (job.status === "failed" ? " " + job.error : "");
    if (text !== shown) { status.textContent = text; shown = text; }
    download.hidden = job.status !== "done";
    runNow.hidden = !(job.stalled || job.status === "failed");
    return job.status === "done" || job.status === "failed";
  }

  function poll() {
    fetch(root.getAttribute("data-job-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) { if (!job || !update(job)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
